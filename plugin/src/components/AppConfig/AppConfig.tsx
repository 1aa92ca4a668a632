/**
 * The configuration page (Admin only): one URL per agent — one agent per database node, any number of
 * clusters — and the agents' API token, a secret Grafana keeps and never sends back. Each saved URL can
 * be tested: the cluster, member and Patroni version it answers with, or why it does not.
 */
import React, { FormEvent, useState } from 'react';
import { lastValueFrom } from 'rxjs';
import type { AppPluginMeta, PluginConfigPageProps, PluginMeta } from '@grafana/data';
import { DataSourcePicker, getBackendSrv, isFetchError } from '@grafana/runtime';
import { Alert, Button, Field, FieldSet, Icon, Input, SecretInput, Stack, Text } from '@grafana/ui';
import { describeAgentError } from '../../api/agent-api';
import { testConnection, type ConnectionResult } from '../../api/connection-test';
import { AGENT_SLOTS } from '../../constants';
import {
  agentUrlProblem,
  configuredAgents,
  prometheusDatasourceUid,
  withAgentUrls,
  withPrometheusDatasource,
  type AppSettings,
} from '../../settings';
import { reloadPage } from '../../utils/reload-page';
import { testIds } from '../testIds';

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<AppSettings>> {}

interface Row {
  url: string;
  /** The route slot this URL is saved in; null for a row not saved yet. */
  savedSlot: number | null;
  savedUrl: string | null;
}

type TestState = { testing: true } | { testing: false; result: ConnectionResult };

const normalise = (url: string) => url.trim().replace(/\/+$/, '');

export default function AppConfig({ plugin }: AppConfigProps) {
  const { enabled, pinned, jsonData, secureJsonFields } = plugin.meta;
  const [rows, setRows] = useState<Row[]>(() => {
    const saved = configuredAgents(jsonData).map(({ slot, url }) => ({ url, savedSlot: slot, savedUrl: url }));
    return saved.length > 0 ? saved : [{ url: '', savedSlot: null, savedUrl: null }];
  });
  const [token, setToken] = useState('');
  const [tokenConfigured, setTokenConfigured] = useState(Boolean(secureJsonFields?.apiToken));
  const [prometheusUid, setPrometheusUid] = useState(() => prometheusDatasourceUid(jsonData));
  const [tests, setTests] = useState<Record<number, TestState>>({});
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);

  const urls = rows.map((row) => normalise(row.url)).filter((url) => url !== '');
  const problems = rows.map((row) => (row.url.trim() === '' ? null : agentUrlProblem(normalise(row.url))));
  const canSave = !saving && problems.every((problem) => problem === null);

  const setRowUrl = (index: number, url: string) =>
    setRows(rows.map((row, i) => (i === index ? { ...row, url } : row)));
  const isSaved = (row: Row) => row.savedSlot !== null && normalise(row.url) === row.savedUrl;

  const runTest = async (index: number, slot: number) => {
    setTests((current) => ({ ...current, [index]: { testing: true } }));
    const result = await testConnection(slot);
    setTests((current) => ({ ...current, [index]: { testing: false, result } }));
  };
  const testAll = () =>
    rows.forEach((row, index) => isSaved(row) && row.savedSlot !== null && runTest(index, row.savedSlot));

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (!canSave) {
      return;
    }
    setSaving(true);
    setSaveError(null);
    try {
      await saveSettings(plugin.meta.id, {
        enabled,
        pinned,
        jsonData: withPrometheusDatasource(withAgentUrls(jsonData, urls), prometheusUid),
        // Only a typed or reset token is sent: any value sent, even empty, replaces the stored secret.
        secureJsonData: tokenConfigured ? undefined : { apiToken: token },
      });
      reloadPage();
    } catch (error) {
      setSaveError(
        isFetchError(error) ? `${error.status} ${error.data?.message ?? error.statusText ?? ''}` : String(error)
      );
      setSaving(false);
    }
  };

  return (
    <form onSubmit={onSubmit}>
      <FieldSet label="Agents">
        <Text color="secondary" element="p">
          One URL per database node, as Grafana&apos;s server reaches its Patroni Tuner agent (for example
          http://db1.example.com:8080). Agents of any number of clusters can be listed; the app groups them by Patroni
          scope and reads each cluster through an agent that answers. Save before testing a URL.
        </Text>
        {rows.map((row, index) => {
          const test = tests[index];
          return (
            <Stack key={index} direction="column" gap={0}>
              <Stack direction="row" gap={1} alignItems="flex-end">
                <Field
                  label={`Agent ${index + 1}`}
                  invalid={problems[index] !== null}
                  error={problems[index] ?? undefined}
                >
                  <Input
                    width={60}
                    aria-label={`Agent ${index + 1} URL`}
                    data-testid={testIds.appConfig.agentUrl(index)}
                    value={row.url}
                    placeholder="http://db1.example.com:8080"
                    onChange={(event) => setRowUrl(index, event.currentTarget.value)}
                  />
                </Field>
                <Field label="">
                  <Stack direction="row" gap={1}>
                    <Button
                      type="button"
                      variant="secondary"
                      disabled={!isSaved(row) || test?.testing === true}
                      tooltip={isSaved(row) ? undefined : 'Save this URL first: Grafana proxies only saved URLs'}
                      onClick={() => row.savedSlot !== null && runTest(index, row.savedSlot)}
                    >
                      Test connection
                    </Button>
                    <Button
                      type="button"
                      variant="secondary"
                      icon="trash-alt"
                      aria-label={`Remove agent ${index + 1}`}
                      onClick={() => setRows(rows.filter((_, i) => i !== index))}
                    />
                  </Stack>
                </Field>
              </Stack>
              {test && <TestResult row={index} state={test} />}
            </Stack>
          );
        })}
        <Stack direction="row" gap={1}>
          <Button
            type="button"
            variant="secondary"
            icon="plus"
            disabled={rows.length >= AGENT_SLOTS}
            tooltip={rows.length >= AGENT_SLOTS ? `At most ${AGENT_SLOTS} agents` : undefined}
            onClick={() => setRows([...rows, { url: '', savedSlot: null, savedUrl: null }])}
          >
            Add agent URL
          </Button>
          <Button type="button" variant="secondary" disabled={!rows.some(isSaved)} onClick={testAll}>
            Test all connections
          </Button>
        </Stack>
      </FieldSet>

      <FieldSet label="API token">
        <Field
          label="Agents' API token"
          description="TUNER_API_TOKEN of the agents. Grafana sends it as a bearer token; browsers never see it. Without it the agents refuse to start, stop or acknowledge sessions."
        >
          <SecretInput
            width={60}
            aria-label="Agents' API token"
            data-testid={testIds.appConfig.apiToken}
            value={token}
            isConfigured={tokenConfigured}
            placeholder="The agents' TUNER_API_TOKEN"
            onChange={(event) => setToken(event.currentTarget.value.trim())}
            onReset={() => {
              setToken('');
              setTokenConfigured(false);
            }}
          />
        </Field>
      </FieldSet>

      <FieldSet label="Prometheus">
        <Field
          label="Prometheus data source"
          description="The data source that scrapes the agents (their /metrics): the cluster page draws each member's CPU, memory, disk, TPS and connections from it. Without one those panels are off."
        >
          <Stack direction="row" gap={1}>
            <div data-testid={testIds.appConfig.prometheus}>
              <DataSourcePicker
                type="prometheus"
                current={prometheusUid}
                noDefault
                width={60}
                placeholder="Choose a Prometheus data source"
                onChange={(settings) => setPrometheusUid(settings.uid)}
              />
            </div>
            <Button
              type="button"
              variant="secondary"
              icon="trash-alt"
              aria-label="Remove the Prometheus data source"
              disabled={prometheusUid === null}
              onClick={() => setPrometheusUid(null)}
            />
          </Stack>
        </Field>
      </FieldSet>

      {saveError && (
        <Alert severity="error" title="The settings were not saved">
          {saveError}
        </Alert>
      )}
      <Button type="submit" data-testid={testIds.appConfig.save} disabled={!canSave}>
        {saving ? 'Saving…' : 'Save settings'}
      </Button>
    </form>
  );
}

function TestResult({ row, state }: { row: number; state: TestState }) {
  if (state.testing) {
    return (
      <Text color="secondary" data-testid={testIds.appConfig.testResult(row)}>
        <Icon name="spinner" /> Testing…
      </Text>
    );
  }
  const { result } = state;
  if (result.ok) {
    return (
      <Text color="success" data-testid={testIds.appConfig.testResult(row)}>
        <Icon name="check" /> Cluster {result.scope ?? '(no scope)'}, member {result.member ?? '(unknown)'}, Patroni{' '}
        {result.patroniVersion ?? '(version unknown)'}; token accepted
      </Text>
    );
  }
  return (
    <Text color="error" data-testid={testIds.appConfig.testResult(row)}>
      <Icon name="exclamation-triangle" /> {describeAgentError(result.error)}
    </Text>
  );
}

async function saveSettings(pluginId: string, data: Partial<PluginMeta<AppSettings>>): Promise<void> {
  await lastValueFrom(
    getBackendSrv().fetch({ url: `/api/plugins/${pluginId}/settings`, method: 'POST', data, showSuccessAlert: false })
  );
}
