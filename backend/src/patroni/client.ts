/**
 * HTTP client for Patroni's REST API (2.x–4.x). It returns normalised types only, and rejects only
 * with a PatroniError: callers poll it every second and must be able to sort every failure.
 */
import { defaultDurationMs } from '../config/config.js';
import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import type { Topology } from '../topology/model.js';
import {
  PatroniAuthError,
  PatroniConflictError,
  PatroniHttpStatusError,
  PatroniInvalidResponseError,
  PatroniTimeoutError,
  PatroniUnreachableError,
} from './errors.js';
import type { PatroniRequestTarget } from './errors.js';
import {
  normalizeCluster,
  normalizeConfig,
  normalizeHistory,
  normalizeNodeStatus,
} from './normalize.js';
import type { NodeStatus, PatroniConfig, PatroniConfigPatch, TimelineSwitch } from './responses.js';

/** TUNER_PATRONI_TIMEOUT's default, from the configuration table. */
const DEFAULT_TIMEOUT_MS = defaultDurationMs('TUNER_PATRONI_TIMEOUT');
// Enough of an error body for a log line; Patroni's are short HTML pages.
const MAX_ERROR_BODY_CHARS = 500;
const UNDICI_TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

type OutgoingRequest = PatroniRequestTarget & { method: Dispatcher.HttpMethod };

/** The Patroni calls the agent makes; every method rejects only with a PatroniError. */
export interface PatroniApi {
  /** GET /patroni on this node. */
  getNodeStatus(): Promise<NodeStatus>;
  /** GET /patroni on another member, by the `api_url` /cluster lists for it (`Member.apiUrl`). */
  getNodeStatusAt(apiUrl: string): Promise<NodeStatus>;
  /** GET /cluster; `fallbackScope` names the cluster on Patroni < 3.2, whose /cluster has no scope. */
  getCluster(fallbackScope?: string | null): Promise<Topology>;
  /** GET /config: the dynamic configuration in the DCS. */
  getConfig(): Promise<PatroniConfig>;
  /** GET /history: the timeline switches, oldest first. */
  getHistory(): Promise<TimelineSwitch[]>;
  /** PATCH /config: Patroni merges `patch` into the DCS configuration and answers with the result. */
  patchConfig(patch: PatroniConfigPatch): Promise<PatroniConfig>;
}

export interface PatroniTlsOptions {
  /** PEM CA certificate(s) trusted for Patroni's certificate (the file's contents), instead of the system store. */
  ca?: string | Buffer;
  /** PEM client certificate and key, for `restapi.verify_client`. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** False accepts any server certificate. Default true. */
  rejectUnauthorized?: boolean;
}

export interface PatroniClientOptions {
  /** This node's REST API, e.g. `http://127.0.0.1:8008`. */
  baseUrl: string;
  /** Patroni's `restapi.authentication`, which every member shares. */
  auth?: { username: string; password: string };
  /** Used for every https URL, the base URL's and other members'. */
  tls?: PatroniTlsOptions;
  /** Deadline for one request, from connecting to the last byte of the body. Default 2000 ms. */
  timeoutMs?: number;
}

export class PatroniClient implements PatroniApi {
  readonly #baseUrl: string;
  readonly #authorization: string | null;
  readonly #timeoutMs: number;
  readonly #dispatcher: Agent;
  #closing: Promise<void> | null = null;

  /** @throws TypeError when the base URL is not an http(s) URL: a configuration mistake, found at start. */
  constructor(options: PatroniClientOptions) {
    const base = URL.canParse(options.baseUrl) ? new URL(options.baseUrl) : null;
    if (base === null || (base.protocol !== 'http:' && base.protocol !== 'https:')) {
      throw new TypeError(`Patroni base URL must be an http(s) URL, got ${JSON.stringify(options.baseUrl)}`);
    }
    this.#baseUrl = withoutTrailingSlashes(options.baseUrl);
    this.#authorization = options.auth
      ? `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`
      : null;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // One Agent keeps a pool per origin, so the same TLS settings serve every member's URL.
    this.#dispatcher = new Agent({ connect: { ...options.tls, timeout: this.#timeoutMs } });
  }

  getNodeStatus(): Promise<NodeStatus> {
    return this.#getJson(`${this.#baseUrl}/patroni`, normalizeNodeStatus);
  }

  getNodeStatusAt(apiUrl: string): Promise<NodeStatus> {
    // Members advertise `<scheme>://<restapi.connect_address>/patroni`. A bare origin gets /patroni
    // added rather than used as it is: GET / is the primary health check, 503 on a healthy replica.
    return this.#getJson(`${withoutTrailingSlashes(apiUrl).replace(/\/patroni$/, '')}/patroni`, normalizeNodeStatus);
  }

  getCluster(fallbackScope: string | null = null): Promise<Topology> {
    return this.#getJson(`${this.#baseUrl}/cluster`, (raw) => normalizeCluster(raw, fallbackScope));
  }

  getConfig(): Promise<PatroniConfig> {
    return this.#getJson(`${this.#baseUrl}/config`, normalizeConfig);
  }

  getHistory(): Promise<TimelineSwitch[]> {
    return this.#getJson(`${this.#baseUrl}/history`, normalizeHistory);
  }

  async patchConfig(patch: PatroniConfigPatch): Promise<PatroniConfig> {
    const target: OutgoingRequest = { method: 'PATCH', url: `${this.#baseUrl}/config` };
    const body = Buffer.from(JSON.stringify(patch));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      // Patroni answers 411 without it.
      'content-length': String(body.length),
    };
    // Only the unsafe methods need credentials, so GETs, including those to other members, never carry them.
    if (this.#authorization) headers.authorization = this.#authorization;
    return decode(await this.#send(target, headers, body), target, normalizeConfig);
  }

  /** Releases the connections; the client cannot be used afterwards. Safe to call twice. */
  async close(): Promise<void> {
    this.#closing ??= this.#dispatcher.close();
    await this.#closing;
  }

  async #getJson<T>(url: string, normalize: (raw: unknown) => T): Promise<T> {
    const target: OutgoingRequest = { method: 'GET', url };
    return decode(await this.#send(target, { accept: 'application/json' }), target, normalize);
  }

  /** Sends one request and returns the body of a 2xx answer. */
  async #send(target: OutgoingRequest, headers: Record<string, string>, body?: Buffer): Promise<string> {
    const signal = AbortSignal.timeout(this.#timeoutMs);
    let status: number;
    let text: string;
    try {
      const response = await request(target.url, {
        dispatcher: this.#dispatcher,
        method: target.method,
        headers,
        body,
        signal,
      });
      status = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      const code = errorCode(error);
      // Whatever undici reports when the signal fires, the cause is the deadline.
      throw signal.aborted || UNDICI_TIMEOUT_CODES.has(code)
        ? new PatroniTimeoutError(this.#timeoutMs, target, { cause: error })
        : new PatroniUnreachableError(code, target, { cause: error });
    }
    if (status < 200 || status > 299) throw statusError(status, text, target);
    return text;
  }
}

function decode<T>(text: string, target: PatroniRequestTarget, normalize: (raw: unknown) => T): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new PatroniInvalidResponseError('not JSON', target, { cause: error });
  }
  try {
    return normalize(raw);
  } catch (error) {
    // The pure normalisers do not know the request; name it.
    if (error instanceof PatroniInvalidResponseError) throw new PatroniInvalidResponseError(error.detail, target);
    throw error;
  }
}

function statusError(status: number, text: string, target: PatroniRequestTarget): PatroniHttpStatusError {
  const body = text.trim().slice(0, MAX_ERROR_BODY_CHARS);
  if (status === 401 || status === 403) return new PatroniAuthError(status, body, target);
  // Elsewhere 409 means something else (POST /restart: a restart is already scheduled).
  if (status === 409 && target.method === 'PATCH') return new PatroniConflictError(status, body, target);
  return new PatroniHttpStatusError(status, body, target);
}

/** The most specific code a transport error carries: ECONNREFUSED, ENOTFOUND, a TLS code, an undici code. */
function errorCode(error: unknown): string {
  if (error instanceof Error) {
    if ('code' in error && typeof error.code === 'string') return error.code;
    // Happy-eyeballs connects fail with an AggregateError of one error per address.
    if (error instanceof AggregateError && error.errors.length > 0) return errorCode(error.errors[0]);
    if (error.cause !== undefined) return errorCode(error.cause);
    return error.name;
  }
  return 'unknown error';
}

function withoutTrailingSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}
