import { readFileSync } from 'node:fs';
import { parseDuration } from './duration.js';
import { ConfigError } from './errors.js';
import type { StorageSetting } from '../host/storage-inference.js';

export interface PatroniConnectionConfig {
  url: string;
  username: string | null;
  password: string | null;
  /** PEM contents, read at start so a missing file is a configuration error, not a runtime one. */
  ca: string | null;
  cert: string | null;
  key: string | null;
  requestTimeoutMs: number;
}

export interface AgentConfig {
  patroni: PatroniConnectionConfig;
  databaseUrl: string;
  stateDatabaseUrl: string | null;
  listen: { host: string; port: number };
  apiToken: string | null;
  /** This node's Patroni member name; needed only on Patroni < 3.2 when the REST URL is ambiguous. */
  memberName: string | null;
  pollIntervalMs: number;
  stabilisationMs: number;
  failoverGraceMs: number;
  /** Failed baseline restores in a row before the failover protocol waits for a forced acknowledgement. */
  restoreMaxAttempts: number;
  /** How often the agent compares its node's settings with the DCS (and re-checks unverified members). */
  driftIntervalMs: number;
  drift: {
    /** Reset postgresql.auto.conf overrides of tunable parameters found by drift checks (the DCS as single source of truth); default: only report them. */
    removeOverrides: boolean;
  };
  /** How long a command recorded for the leader's agent may wait; an older one is rejected as expired, never executed. */
  commandTtlMs: number;
  tuning: {
    /** How long every member may take to show an applied configuration. */
    verifyTimeoutMs: number;
    /** Share of RAM the worst-case memory bound of a candidate may reach. */
    memoryThreshold: number;
    /** A candidate whose score is this many times the baseline's is reverted at once. */
    regressionThreshold: number;
    /** Databases the fallback objective counts; null: all but the in-cluster state database. */
    workloadDatabases: string[] | null;
    /** Create the pg_stat_statements extension at a session's start when it is missing (the library preloaded). */
    createExtension: boolean;
    /** `auto` infers the storage class from what PostgreSQL measured; `ssd`/`hdd` is the operator's word. */
    storage: StorageSetting;
  };
}

/** One environment variable of the agent: the single definition `loadConfig` reads and `--help` prints. */
export interface ConfigVariable {
  meaning: string;
  /** The value used when the variable is unset; null when there is none (required, or feature off). */
  default: string | null;
  /** How the default reads in `--help` when it is not a literal value. */
  defaultNote?: string;
}

/** Every variable the agent reads, with its defaults (DESIGN.md §3). */
export const CONFIG_VARIABLES = {
  TUNER_DATABASE_URL: { meaning: "this node's PostgreSQL (superuser, or a role with pg_monitor and ALTER SYSTEM rights)", default: null, defaultNote: 'required' },
  TUNER_PATRONI_URL: { meaning: "this node's Patroni REST API", default: 'http://127.0.0.1:8008' },
  TUNER_PATRONI_USERNAME: { meaning: 'Patroni restapi.authentication user (with TUNER_PATRONI_PASSWORD); sent on mutating calls only', default: null },
  TUNER_PATRONI_PASSWORD: { meaning: 'Patroni restapi.authentication password (with TUNER_PATRONI_USERNAME)', default: null },
  TUNER_PATRONI_CA_FILE: { meaning: 'PEM CA to trust for an https Patroni', default: null, defaultNote: 'system store' },
  TUNER_PATRONI_CERT_FILE: { meaning: 'client certificate for restapi.verify_client (with TUNER_PATRONI_KEY_FILE)', default: null },
  TUNER_PATRONI_KEY_FILE: { meaning: 'private key of TUNER_PATRONI_CERT_FILE', default: null },
  TUNER_PATRONI_TIMEOUT: { meaning: 'deadline of one Patroni request', default: '2s' },
  TUNER_LISTEN: { meaning: "host:port of the agent's HTTP server", default: '127.0.0.1:9933' },
  TUNER_API_TOKEN: { meaning: 'bearer token for mutating API calls; without it they are refused (403)', default: null },
  TUNER_STATE_DATABASE_URL: { meaning: 'external state database shared by every agent', default: null, defaultNote: 'patroni_tuner in the cluster' },
  TUNER_MEMBER_NAME: { meaning: "this node's Patroni member name; only needed on Patroni < 3.2 when no member's api_url matches TUNER_PATRONI_URL", default: null, defaultNote: 'found from Patroni' },
  TUNER_POLL_INTERVAL: { meaning: 'how often Patroni and PostgreSQL are polled', default: '1s' },
  TUNER_STABILIZATION: { meaning: 'how long a new leader must stay the same and healthy (failover protocol)', default: '30s' },
  TUNER_FAILOVER_GRACE: { meaning: 'further wait before the baseline is put back (failover protocol)', default: '5m' },
  TUNER_RESTORE_MAX_ATTEMPTS: { meaning: 'failed baseline restores in a row before the failover protocol stops retrying and waits for an acknowledgement with force (1-1000)', default: '10' },
  TUNER_DRIFT_INTERVAL: { meaning: "how often the node's settings are compared with the DCS (and unverified members re-checked)", default: '30s' },
  TUNER_DRIFT_REMOVE_OVERRIDES: { meaning: 'true: drift checks reset postgresql.auto.conf overrides of tunable parameters (the DCS as single source of truth); false: only report them', default: 'false' },
  TUNER_COMMAND_TTL: { meaning: "how long a request forwarded to the leader's agent may wait before it expires unexecuted", default: '60s' },
  TUNER_VERIFY_TIMEOUT: { meaning: 'how long every member may take to show an applied configuration', default: '30s' },
  TUNER_MEMORY_THRESHOLD: { meaning: "share of RAM a candidate's worst-case memory may reach (0.1-1)", default: '0.9' },
  TUNER_REGRESSION_THRESHOLD: { meaning: 'a candidate this many times slower than the baseline is reverted at once (1.01-100)', default: '2' },
  TUNER_CREATE_EXTENSION: { meaning: "true: a session creates the pg_stat_statements extension in the agent's database on the leader when the library is preloaded but the extension is missing; false: the session says what to run and measures ms per transaction", default: 'false' },
  TUNER_WORKLOAD_DATABASES: { meaning: "comma-separated databases whose transactions the fallback objective (ms per transaction, without pg_stat_statements) counts; naming them leaves Patroni's and other tools' transactions out", default: null, defaultNote: 'all but the state database' },
  TUNER_STORAGE: { meaning: "storage class for PGTune's first guess and the random_page_cost range: auto (measured read latency, then cache hit ratio, then the disks' rotational flag), ssd or hdd", default: 'auto' },
  TUNER_LOG_LEVEL: { meaning: 'pino log level', default: 'info' },
} as const satisfies Record<string, ConfigVariable>;

export type ConfigVariableName = keyof typeof CONFIG_VARIABLES;

/** Defaults of DESIGN.md §3, from the variable table; durations as text. */
export const DEFAULTS = {
  patroniUrl: CONFIG_VARIABLES.TUNER_PATRONI_URL.default,
  listen: CONFIG_VARIABLES.TUNER_LISTEN.default,
  pollInterval: CONFIG_VARIABLES.TUNER_POLL_INTERVAL.default,
  stabilisation: CONFIG_VARIABLES.TUNER_STABILIZATION.default,
  failoverGrace: CONFIG_VARIABLES.TUNER_FAILOVER_GRACE.default,
  restoreMaxAttempts: Number(CONFIG_VARIABLES.TUNER_RESTORE_MAX_ATTEMPTS.default),
  driftInterval: CONFIG_VARIABLES.TUNER_DRIFT_INTERVAL.default,
  commandTtl: CONFIG_VARIABLES.TUNER_COMMAND_TTL.default,
  patroniTimeout: CONFIG_VARIABLES.TUNER_PATRONI_TIMEOUT.default,
  verifyTimeout: CONFIG_VARIABLES.TUNER_VERIFY_TIMEOUT.default,
  memoryThreshold: Number(CONFIG_VARIABLES.TUNER_MEMORY_THRESHOLD.default),
  regressionThreshold: Number(CONFIG_VARIABLES.TUNER_REGRESSION_THRESHOLD.default),
  logLevel: CONFIG_VARIABLES.TUNER_LOG_LEVEL.default,
} as const;

/** A duration variable's default in milliseconds, for the rooms that need it without a configuration. */
export function defaultDurationMs(name: ConfigVariableName): number {
  const text = CONFIG_VARIABLES[name].default;
  const ms = text === null ? null : parseDuration(text);
  if (ms === null) throw new RangeError(`${name} has no duration default`);
  return ms;
}

type Env = Record<string, string | undefined>;

/** Reads and validates the agent's configuration; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env): AgentConfig {
  const read = (name: ConfigVariableName): string | null => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? null : value.trim();
  };
  const username = read('TUNER_PATRONI_USERNAME');
  const password = read('TUNER_PATRONI_PASSWORD');
  if ((username === null) !== (password === null)) {
    throw new ConfigError(
      username === null ? 'TUNER_PATRONI_USERNAME' : 'TUNER_PATRONI_PASSWORD',
      'Patroni basic auth needs both TUNER_PATRONI_USERNAME and TUNER_PATRONI_PASSWORD',
    );
  }
  const databaseUrl = read('TUNER_DATABASE_URL');
  if (databaseUrl === null) {
    throw new ConfigError('TUNER_DATABASE_URL', "required: this node's PostgreSQL, e.g. postgres://user:pass@127.0.0.1:5432/postgres");
  }
  const stateDatabaseUrl = read('TUNER_STATE_DATABASE_URL');
  const patroniUrl = patroniEndpoint(read('TUNER_PATRONI_URL') ?? DEFAULTS.patroniUrl, username !== null);
  const config: AgentConfig = {
    patroni: {
      url: patroniUrl.url,
      username: patroniUrl.username ?? username,
      password: patroniUrl.password ?? password,
      ca: pemFile('TUNER_PATRONI_CA_FILE', read('TUNER_PATRONI_CA_FILE')),
      cert: pemFile('TUNER_PATRONI_CERT_FILE', read('TUNER_PATRONI_CERT_FILE')),
      key: pemFile('TUNER_PATRONI_KEY_FILE', read('TUNER_PATRONI_KEY_FILE')),
      requestTimeoutMs: duration('TUNER_PATRONI_TIMEOUT', read('TUNER_PATRONI_TIMEOUT') ?? DEFAULTS.patroniTimeout),
    },
    databaseUrl: postgresUrl('TUNER_DATABASE_URL', databaseUrl),
    stateDatabaseUrl: stateDatabaseUrl === null ? null : postgresUrl('TUNER_STATE_DATABASE_URL', stateDatabaseUrl),
    listen: hostPort('TUNER_LISTEN', read('TUNER_LISTEN') ?? DEFAULTS.listen),
    apiToken: read('TUNER_API_TOKEN'),
    memberName: read('TUNER_MEMBER_NAME'),
    pollIntervalMs: duration('TUNER_POLL_INTERVAL', read('TUNER_POLL_INTERVAL') ?? DEFAULTS.pollInterval),
    stabilisationMs: duration('TUNER_STABILIZATION', read('TUNER_STABILIZATION') ?? DEFAULTS.stabilisation),
    failoverGraceMs: duration('TUNER_FAILOVER_GRACE', read('TUNER_FAILOVER_GRACE') ?? DEFAULTS.failoverGrace),
    restoreMaxAttempts: wholeNumber('TUNER_RESTORE_MAX_ATTEMPTS', read('TUNER_RESTORE_MAX_ATTEMPTS'), DEFAULTS.restoreMaxAttempts, 1, 1000),
    driftIntervalMs: duration('TUNER_DRIFT_INTERVAL', read('TUNER_DRIFT_INTERVAL') ?? DEFAULTS.driftInterval),
    drift: { removeOverrides: boolean('TUNER_DRIFT_REMOVE_OVERRIDES', read('TUNER_DRIFT_REMOVE_OVERRIDES'), CONFIG_VARIABLES.TUNER_DRIFT_REMOVE_OVERRIDES.default) },
    commandTtlMs: duration('TUNER_COMMAND_TTL', read('TUNER_COMMAND_TTL') ?? DEFAULTS.commandTtl),
    tuning: {
      verifyTimeoutMs: duration('TUNER_VERIFY_TIMEOUT', read('TUNER_VERIFY_TIMEOUT') ?? DEFAULTS.verifyTimeout),
      memoryThreshold: number('TUNER_MEMORY_THRESHOLD', read('TUNER_MEMORY_THRESHOLD'), DEFAULTS.memoryThreshold, 0.1, 1),
      regressionThreshold: number('TUNER_REGRESSION_THRESHOLD', read('TUNER_REGRESSION_THRESHOLD'), DEFAULTS.regressionThreshold, 1.01, 100),
      workloadDatabases: databaseList('TUNER_WORKLOAD_DATABASES', read('TUNER_WORKLOAD_DATABASES')),
      createExtension: boolean('TUNER_CREATE_EXTENSION', read('TUNER_CREATE_EXTENSION'), CONFIG_VARIABLES.TUNER_CREATE_EXTENSION.default),
      storage: oneOf('TUNER_STORAGE', read('TUNER_STORAGE') ?? CONFIG_VARIABLES.TUNER_STORAGE.default, STORAGE_SETTINGS),
    },
  };
  if ((config.patroni.cert === null) !== (config.patroni.key === null)) {
    throw new ConfigError('TUNER_PATRONI_CERT_FILE', 'a client certificate needs both TUNER_PATRONI_CERT_FILE and TUNER_PATRONI_KEY_FILE');
  }
  return deepFreeze(config);
}

function duration(variable: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === null || ms <= 0) {
    throw new ConfigError(variable, `expected a positive duration such as 500ms, 30s or 5m, got "${text}"`);
  }
  return ms;
}

function number(variable: string, text: string | null, fallback: number, min: number, max: number): number {
  if (text === null) return fallback;
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(value >= min && value <= max)) {
    throw new ConfigError(variable, `expected a number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

function wholeNumber(variable: string, text: string | null, fallback: number, min: number, max: number): number {
  if (text === null) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new ConfigError(variable, `expected a whole number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

/** PostgreSQL identifiers as a user types them in a list: `app, reports`; an empty entry is a mistake. */
function databaseList(variable: string, text: string | null): string[] | null {
  if (text === null) return null;
  const names = text.split(',').map((name) => name.trim());
  if (names.some((name) => name.length === 0 || name.length > 63)) {
    throw new ConfigError(variable, `expected comma-separated database names, got "${text}"`);
  }
  return [...new Set(names)];
}

const STORAGE_SETTINGS: readonly StorageSetting[] = ['auto', 'ssd', 'hdd'];

function oneOf<T extends string>(variable: string, text: string, allowed: readonly T[]): T {
  const value = allowed.find((candidate) => candidate === text);
  if (value === undefined) throw new ConfigError(variable, `expected one of ${allowed.join(', ')}, got "${text}"`);
  return value;
}

function boolean(variable: string, text: string | null, fallback: 'true' | 'false'): boolean {
  if (text === null) return fallback === 'true';
  if (text === 'true' || text === 'false') return text === 'true';
  throw new ConfigError(variable, `expected true or false, got "${text}"`);
}

/**
 * TUNER_PATRONI_URL without credentials: `http://user:pass@host:8008` becomes basic auth (as
 * TUNER_PATRONI_USERNAME/PASSWORD), so the URL, which appears in logs, errors and /healthz, never
 * carries a password.
 */
function patroniEndpoint(text: string, separateCredentials: boolean): { url: string; username: string | null; password: string | null } {
  const variable = 'TUNER_PATRONI_URL';
  const url = parseUrl(variable, text);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(variable, `expected an http:// or https:// URL, got "${redact(text)}"`);
  }
  if (url.username === '' && url.password === '') return { url: text.replace(/\/+$/, ''), username: null, password: null };
  if (separateCredentials) {
    throw new ConfigError(variable, 'credentials in the URL and TUNER_PATRONI_USERNAME/TUNER_PATRONI_PASSWORD: give them once');
  }
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  return { url: url.toString().replace(/\/+$/, ''), username, password };
}

function postgresUrl(variable: string, text: string): string {
  const url = parseUrl(variable, text);
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(variable, `expected a postgres:// or postgresql:// URL, got "${redact(text)}"`);
  }
  return text;
}

function parseUrl(variable: string, text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new ConfigError(variable, `not a valid URL: "${redact(text)}"`);
  }
}

function hostPort(variable: string, text: string): { host: string; port: number } {
  const match = /^(.*):(\d+)$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  if (!match || match[1] === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(variable, `expected host:port such as 127.0.0.1:9933, got "${text}"`);
  }
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

function pemFile(variable: string, path: string | null): string | null {
  if (path === null) return null;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(variable, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/**
 * Hides passwords in text that may hold URLs (a connection string, an error message) before it
 * reaches a log line or an answer: the userinfo password, which may itself contain `@` (the last
 * `@` before the path ends the userinfo, as URL parsers read it), and libpq's `password=` and
 * `sslpassword=` query parameters.
 */
export function redact(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*):[^\s/?#]*@/gi, '$1:***@')
    .replace(/([?&](?:ssl)?password=)[^&\s#]*/gi, '$1***');
}

/** A logged error (the logger's `err` serializer) with passwords hidden in its message, stack and cause. */
export function redactError(error: Error): { type: string; message: string; stack: string; [key: string]: unknown } {
  const code = (error as { code?: unknown }).code;
  const cause = error.cause;
  return {
    type: error.name,
    message: redact(error.message),
    stack: redact(error.stack ?? ''),
    ...(typeof code === 'string' ? { code } : {}),
    ...(cause === undefined ? {} : { cause: cause instanceof Error ? redactError(cause) : redact(String(cause)) }),
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
