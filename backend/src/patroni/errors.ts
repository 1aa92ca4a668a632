/**
 * Everything that can go wrong when talking to Patroni's REST API. The client turns every failure
 * into one of these, so callers can sort them by `code` (stable, safe to store and to alert on)
 * and no undici error ever leaks out.
 */

export type PatroniErrorCode =
  | 'PGT_PATRONI_ERR_UNREACHABLE'
  | 'PGT_PATRONI_ERR_TIMEOUT'
  | 'PGT_PATRONI_ERR_HTTP_STATUS'
  | 'PGT_PATRONI_ERR_AUTH'
  | 'PGT_PATRONI_ERR_CONFLICT'
  | 'PGT_PATRONI_ERR_INVALID_RESPONSE';

/** The request that failed, e.g. `{ method: 'GET', url: 'http://127.0.0.1:8008/cluster' }`. */
export interface PatroniRequestTarget {
  method: string;
  url: string;
}

export abstract class PatroniError extends Error {
  abstract readonly code: PatroniErrorCode;
  /** Null only for a response checked outside a request (the pure normalisers). */
  readonly target: PatroniRequestTarget | null;

  protected constructor(detail: string, target: PatroniRequestTarget | null, options?: ErrorOptions) {
    super(target ? `${target.method} ${target.url}: ${detail}` : detail, options);
    this.target = target;
  }
}

/** No answer could be had: connection refused or reset, DNS failure, TLS handshake failure … */
export class PatroniUnreachableError extends PatroniError {
  override readonly name = 'PatroniUnreachableError';
  readonly code = 'PGT_PATRONI_ERR_UNREACHABLE';

  /** @param reason the transport's error code, e.g. `ECONNREFUSED`, `ENOTFOUND`, `DEPTH_ZERO_SELF_SIGNED_CERT`. */
  constructor(
    readonly reason: string,
    target: PatroniRequestTarget,
    options?: ErrorOptions,
  ) {
    super(`unreachable (${reason})`, target, options);
  }
}

/** No complete answer within the client's per-request timeout. */
export class PatroniTimeoutError extends PatroniError {
  override readonly name = 'PatroniTimeoutError';
  readonly code = 'PGT_PATRONI_ERR_TIMEOUT';

  constructor(
    readonly timeoutMs: number,
    target: PatroniRequestTarget,
    options?: ErrorOptions,
  ) {
    super(`no answer within ${timeoutMs} ms`, target, options);
  }
}

/** Patroni answered with a 4xx or 5xx status other than the ones with their own class below. */
export class PatroniHttpStatusError extends PatroniError {
  override readonly name: string = 'PatroniHttpStatusError';
  readonly code: PatroniErrorCode = 'PGT_PATRONI_ERR_HTTP_STATUS';

  /** @param body the response text, cut to a length fit for a log line. */
  constructor(
    readonly status: number,
    readonly body: string,
    target: PatroniRequestTarget,
  ) {
    super(`HTTP ${status}${body ? `: ${body}` : ''}`, target);
  }
}

/** 401 or 403: Patroni refused the credentials (restapi.authentication) or the client certificate. */
export class PatroniAuthError extends PatroniHttpStatusError {
  override readonly name = 'PatroniAuthError';
  override readonly code = 'PGT_PATRONI_ERR_AUTH';
}

/** 409 on PATCH /config: the configuration changed in the DCS between Patroni's read and its write. */
export class PatroniConflictError extends PatroniHttpStatusError {
  override readonly name = 'PatroniConflictError';
  override readonly code = 'PGT_PATRONI_ERR_CONFLICT';
}

/** The answer is not JSON, or its essential shape is not what any Patroni version sends. */
export class PatroniInvalidResponseError extends PatroniError {
  override readonly name = 'PatroniInvalidResponseError';
  readonly code = 'PGT_PATRONI_ERR_INVALID_RESPONSE';

  /** @param detail what is wrong, without the request (kept apart so the client can add it). */
  constructor(
    readonly detail: string,
    target: PatroniRequestTarget | null = null,
    options?: ErrorOptions,
  ) {
    super(`invalid response: ${detail}`, target, options);
  }
}
