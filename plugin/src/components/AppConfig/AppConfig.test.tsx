import React from 'react';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { PluginType, type AppPluginMeta, type PluginConfigPageProps } from '@grafana/data';
import type { AppSettings } from '../../settings';
import { agentError, badGateway, installFakeBackend, ok, proxied, type FakeBackend } from '../../test/backend-srv';
import { installFakeDataSources } from '../../test/datasource-srv';
import { clusterView } from '../../test/fixtures';
import { testIds } from '../testIds';
import { reloadPage } from '../../utils/reload-page';
import AppConfig from './AppConfig';

jest.mock('../../utils/reload-page', () => ({ reloadPage: jest.fn() }));

const SETTINGS_URL = '/api/plugins/patronituner-app/settings';

function props(jsonData: AppSettings, tokenConfigured: boolean): PluginConfigPageProps<AppPluginMeta<AppSettings>> {
  return {
    plugin: {
      meta: {
        id: 'patronituner-app',
        name: 'Patroni Tuner',
        type: PluginType.app,
        enabled: true,
        pinned: true,
        jsonData,
        secureJsonFields: { apiToken: tokenConfigured },
        info: {} as AppPluginMeta['info'],
        module: '',
        baseUrl: '',
      },
    },
    query: {},
  } as unknown as PluginConfigPageProps<AppPluginMeta<AppSettings>>;
}

let backend: FakeBackend;
beforeEach(() => {
  jest.mocked(reloadPage).mockClear();
  backend = installFakeBackend();
  installFakeDataSources([
    { uid: 'prom', name: 'Prometheus', type: 'prometheus' },
    { uid: 'lab-prom', name: 'Lab Prometheus', type: 'prometheus' },
    { uid: 'loki', name: 'Loki', type: 'loki' },
  ]);
  backend.answer('POST', SETTINGS_URL, ok({ message: 'Plugin settings updated' }));
});

const posted = () => backend.requests.filter((r) => r.url === SETTINGS_URL).map((r) => r.data);

test('the saved URLs are listed, the token shown as configured, and saving keeps the secret untouched', async () => {
  render(
    <AppConfig
      {...props({ agentUrl0: 'http://db1:8080', agentUrl1: 'http://db2:8080', prometheusDatasourceUid: 'prom' }, true)}
    />
  );
  expect(screen.getByTestId(testIds.appConfig.agentUrl(0))).toHaveValue('http://db1:8080');
  expect(screen.getByTestId(testIds.appConfig.agentUrl(1))).toHaveValue('http://db2:8080');
  expect(screen.getByDisplayValue('configured')).toBeDisabled();

  await userEvent.click(screen.getByRole('button', { name: 'Add agent URL' }));
  await userEvent.type(screen.getByTestId(testIds.appConfig.agentUrl(2)), 'http://db3:8080/');
  await userEvent.click(screen.getByTestId(testIds.appConfig.save));
  await waitFor(() => expect(posted()).toHaveLength(1));
  expect(posted()[0]).toEqual({
    enabled: true,
    pinned: true,
    jsonData: {
      prometheusDatasourceUid: 'prom',
      agentUrl0: 'http://db1:8080',
      agentUrl1: 'http://db2:8080',
      agentUrl2: 'http://db3:8080',
    },
    secureJsonData: undefined,
  });
  expect(reloadPage).toHaveBeenCalledTimes(1);
});

test('a removed URL frees its slot, and a reset token is replaced by the one typed', async () => {
  render(<AppConfig {...props({ agentUrl0: 'http://db1:8080', agentUrl1: 'http://db2:8080' }, true)} />);
  await userEvent.click(screen.getByRole('button', { name: 'Remove agent 1' }));
  await userEvent.click(screen.getByRole('button', { name: 'Reset' }));
  await userEvent.type(screen.getByTestId(testIds.appConfig.apiToken), 'new-token');
  await userEvent.click(screen.getByTestId(testIds.appConfig.save));
  await waitFor(() => expect(posted()).toHaveLength(1));
  expect(posted()[0]).toMatchObject({
    jsonData: { agentUrl0: 'http://db2:8080' },
    secureJsonData: { apiToken: 'new-token' },
  });
});

test('a URL that is not an agent base URL is named beside its field and blocks saving', async () => {
  render(<AppConfig {...props({}, false)} />);
  await userEvent.type(screen.getByTestId(testIds.appConfig.agentUrl(0)), 'db1:8080/api');
  expect(await screen.findByText('must start with http:// or https://')).toBeInTheDocument();
  expect(screen.getByTestId(testIds.appConfig.save)).toBeDisabled();
});

test('Test connection reports per saved URL the cluster, member and version, or the error', async () => {
  backend.answer('GET', proxied(0, '/api/v1/cluster'), ok(clusterView('main', 'pg1')));
  backend.answer(
    'POST',
    proxied(0, '/api/v1/sessions/token-check/stop'),
    agentError(400, 'invalid_request', 'params/id must match format "uuid"')
  );
  backend.answer('GET', proxied(1, '/api/v1/cluster'), badGateway);
  backend.answer('GET', proxied(2, '/api/v1/cluster'), ok(clusterView('main', 'pg3')));
  backend.answer(
    'POST',
    proxied(2, '/api/v1/sessions/token-check/stop'),
    agentError(401, 'unauthorized', 'missing or wrong bearer token')
  );
  render(
    <AppConfig
      {...props({ agentUrl0: 'http://db1:8080', agentUrl1: 'http://db2:8080', agentUrl2: 'http://db3:8080' }, true)}
    />
  );

  await userEvent.click(screen.getByRole('button', { name: 'Test all connections' }));
  expect(await screen.findByText(/Cluster main, member pg1, Patroni 4.1.0; token accepted/)).toBeInTheDocument();
  expect(await screen.findByText(/Unreachable: Grafana's proxy answered 502 Bad Gateway/)).toBeInTheDocument();
  expect(
    await screen.findByText(/Token refused: missing or wrong bearer token \(401 unauthorized\)/)
  ).toBeInTheDocument();
});

test('an edited URL cannot be tested before it is saved', async () => {
  render(<AppConfig {...props({ agentUrl0: 'http://db1:8080' }, true)} />);
  expect(screen.getByRole('button', { name: 'Test connection' })).not.toHaveAttribute('aria-disabled', 'true');
  await userEvent.type(screen.getByTestId(testIds.appConfig.agentUrl(0)), '1');
  // A disabled button with a tooltip (why it is disabled) stays focusable: aria-disabled.
  expect(screen.getByRole('button', { name: 'Test connection' })).toHaveAttribute('aria-disabled', 'true');
});

test('a failed save is shown in place', async () => {
  backend.answer('POST', SETTINGS_URL, { status: 403, data: { message: 'Permission denied' } });
  render(<AppConfig {...props({ agentUrl0: 'http://db1:8080' }, true)} />);
  await userEvent.click(screen.getByTestId(testIds.appConfig.save));
  expect(await screen.findByText('The settings were not saved')).toBeInTheDocument();
  expect(screen.getByText(/403 Permission denied/)).toBeInTheDocument();
  expect(reloadPage).not.toHaveBeenCalled();
});

test('the Prometheus data source is chosen among the Prometheus ones and saved by uid', async () => {
  render(<AppConfig {...props({ agentUrl0: 'http://db1:8080', prometheusDatasourceUid: 'prom' }, true)} />);
  const picker = screen.getByTestId(testIds.appConfig.prometheus);
  expect(picker).toHaveTextContent('Prometheus');
  await userEvent.click(within(picker).getByRole('combobox'));
  expect(screen.queryByText('Loki')).toBeNull();
  await userEvent.click(await screen.findByText('Lab Prometheus'));
  await userEvent.click(screen.getByTestId(testIds.appConfig.save));
  await waitFor(() => expect(posted()).toHaveLength(1));
  expect(posted()[0]).toMatchObject({ jsonData: { agentUrl0: 'http://db1:8080', prometheusDatasourceUid: 'lab-prom' } });
});

test('a cleared Prometheus data source is removed from the settings: the panels are off', async () => {
  render(<AppConfig {...props({ agentUrl0: 'http://db1:8080', prometheusDatasourceUid: 'prom' }, true)} />);
  await userEvent.click(screen.getByRole('button', { name: 'Remove the Prometheus data source' }));
  expect(screen.getByTestId(testIds.appConfig.prometheus)).toHaveTextContent('Choose a Prometheus data source');
  await userEvent.click(screen.getByTestId(testIds.appConfig.save));
  await waitFor(() => expect(posted()).toHaveLength(1));
  expect(posted()[0]).toMatchObject({ jsonData: { agentUrl0: 'http://db1:8080' } });
  expect(posted()[0]).not.toHaveProperty('jsonData.prometheusDatasourceUid');
});
