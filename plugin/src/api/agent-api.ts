/**
 * Requests to one agent through Grafana's plugin proxy (`/api/plugin-proxy/<app>/agents/<slot>/…`):
 * Grafana adds the slot's URL and the bearer token, so neither reaches the browser. Every failure is
 * an AgentRequestError that says which of the cases a person must tell apart it is.
 */
import { getBackendSrv, isFetchError } from '@grafana/runtime';
import type { ClusterView, ErrorBody } from '@patroni-tuner/backend/contract';
import { lastValueFrom } from 'rxjs';
import { PLUGIN_ID } from '../constants';

export type AgentErrorKind =
  /** Nothing answered at the URL (Grafana's proxy answers 502/504, or the request never completed). */
  | 'unreachable'
  /** 401/403: the token is missing or wrong, or the agent refuses mutations. */
  | 'unauthorized'
  /** Something answered, but not with the agent's API. */
  | 'not_agent'
  /** An agent answered that it has no such route: an older API version. */
  | 'older_agent'
  /** The agent answered with its own error (409 with a reason, 400 naming a field, 503 …). */
  | 'agent';

export class AgentRequestError extends Error {
  override readonly name = 'AgentRequestError';
  constructor(
    readonly kind: AgentErrorKind,
    message: string,
    /** HTTP status, or null when no response came. */
    readonly status: number | null,
    /** The agent's error body when it sent one. */
    readonly body: ErrorBody | null = null
  ) {
    super(message);
  }
}

const KIND_TITLES: Record<AgentErrorKind, string> = {
  unreachable: 'Unreachable',
  unauthorized: 'Token refused',
  not_agent: 'Not a Patroni Tuner agent',
  older_agent: 'Older agent version',
  agent: 'Agent error',
};

/** What a person reads: the kind of failure, then the detail. */
export const describeAgentError = (error: AgentRequestError) => `${KIND_TITLES[error.kind]}: ${error.message}`;

export const agentProxyUrl = (slot: number, path: string) => `/api/plugin-proxy/${PLUGIN_ID}/agents/${slot}${path}`;

export interface AgentRequest {
  method?: 'GET' | 'POST';
  data?: unknown;
}

/** Calls `path` on the agent in `slot`; errors are shown in place by the pages, never as Grafana toasts. */
export async function agentRequest<T>(
  slot: number,
  path: string,
  { method = 'GET', data }: AgentRequest = {}
): Promise<T> {
  try {
    const response = await lastValueFrom(
      getBackendSrv().fetch<T>({
        url: agentProxyUrl(slot, path),
        method,
        data,
        showErrorAlert: false,
        showSuccessAlert: false,
      })
    );
    return response.data;
  } catch (error) {
    throw toAgentError(error, path);
  }
}

export function isErrorBody(data: unknown): data is ErrorBody {
  if (typeof data !== 'object' || data === null || !('error' in data)) {
    return false;
  }
  const error = (data as { error: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

function toAgentError(error: unknown, path: string): AgentRequestError {
  if (!isFetchError(error) || !error.status || error.status < 100) {
    return new AgentRequestError('unreachable', `no answer: ${messageOf(error)}`, null);
  }
  const { status, data } = error;
  if (isErrorBody(data)) {
    const { code, message } = data.error;
    if (status === 401 || status === 403) {
      return new AgentRequestError('unauthorized', `${message} (${status} ${code})`, status, data);
    }
    if (status === 404 && code === 'not_found') {
      return new AgentRequestError('older_agent', `the agent has no ${path}: an older agent version?`, status, data);
    }
    return new AgentRequestError('agent', `${message} (${status} ${code})`, status, data);
  }
  // Grafana's own answers: the proxy could not reach the URL, or refused the signed-in user.
  if (status === 502 || status === 503 || status === 504) {
    return new AgentRequestError('unreachable', `Grafana's proxy answered ${status} ${grafanaMessage(data)}`, status);
  }
  if (status === 401 || status === 403) {
    return new AgentRequestError('unauthorized', `Grafana answered ${status} ${grafanaMessage(data)}`, status);
  }
  return new AgentRequestError('not_agent', `${path} answered ${status} ${grafanaMessage(data)}`, status);
}

function grafanaMessage(data: unknown): string {
  if (typeof data === 'object' && data !== null && typeof (data as { message?: unknown }).message === 'string') {
    return (data as { message: string }).message;
  }
  return typeof data === 'string' ? data.slice(0, 120) : '';
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  if (isFetchError(error)) {
    return error.statusText || grafanaMessage(error.data) || 'no response';
  }
  return String(error);
}

/** `GET /api/v1/cluster`, checked to be an agent's answer. */
export async function fetchCluster(slot: number): Promise<ClusterView> {
  const data = await agentRequest<unknown>(slot, '/api/v1/cluster');
  if (!isClusterView(data)) {
    throw new AgentRequestError('not_agent', '/api/v1/cluster did not answer with a cluster', 200);
  }
  return data;
}

function isClusterView(data: unknown): data is ClusterView {
  if (typeof data !== 'object' || data === null) {
    return false;
  }
  const view = data as Partial<Record<keyof ClusterView, unknown>>;
  return Array.isArray(view.members) && 'scope' in view && 'leader' in view && typeof view.observedAt === 'string';
}
