/**
 * Every error cdn-etl raises on purpose lives here. Each class carries a stable `code`;
 * callers branch on `code`, never on the message. Messages never contain secrets or signatures.
 */

export type ErrorCode =
  | 'CDN_ETL_INVALID_ARGUMENT'
  | 'CDN_ETL_API'
  | 'CDN_ETL_RESPONSE_INVALID'
  | 'CDN_ETL_LOAD_FAILED'
  | 'CDN_ETL_MIGRATION_CHANGED'
  | 'CDN_ETL_MIGRATION_FAILED'
  | 'CDN_ETL_QUERY_FAILED'
  | 'CDN_ETL_SERVICE_UNAVAILABLE';

export class CdnEtlError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Bad input from a flag, an environment variable or a caller: refused before any I/O. */
export class InvalidArgumentError extends CdnEtlError {
  /** The flag (`--from`) or variable (`CDN_API_QPS`) at fault, when there is one. */
  readonly source: string | undefined;

  constructor(message: string, source?: string) {
    super('CDN_ETL_INVALID_ARGUMENT', source ? `${source}: ${message}` : message);
    this.source = source;
  }
}

/**
 * How the caller should react to an API failure:
 * - `throttled`: the account's quota is exhausted; slow everything down, do not burn an attempt;
 * - `transient`: retry the same request later with backoff;
 * - `permanent`: retrying the same request cannot succeed.
 */
export type ApiErrorKind = 'throttled' | 'transient' | 'permanent';

export interface ApiErrorFields {
  /** The API's `Code` (`Throttling.User`, `InvalidDomain.NotFound`) or a transport code (`Transport.Timeout`). */
  readonly apiCode: string;
  readonly kind: ApiErrorKind;
  /** HTTP status, or undefined when no response arrived. */
  readonly status?: number | undefined;
  readonly requestId?: string | undefined;
  /** Server-suggested wait before the next call, in milliseconds. */
  readonly retryAfterMs?: number | undefined;
  readonly action?: string | undefined;
}

/** One error type for everything that can go wrong calling Alibaba Cloud. */
export class ApiError extends CdnEtlError implements ApiErrorFields {
  readonly apiCode: string;
  readonly kind: ApiErrorKind;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly action: string | undefined;

  constructor(fields: ApiErrorFields, message: string, options?: { cause?: unknown }) {
    super('CDN_ETL_API', `${fields.apiCode}: ${message}`, options);
    this.apiCode = fields.apiCode;
    this.kind = fields.kind;
    this.status = fields.status;
    this.requestId = fields.requestId;
    this.retryAfterMs = fields.retryAfterMs;
    this.action = fields.action;
  }
}

/** An API answer whose content is not what it claims; never loaded, not even in part. */
export class ResponseInvalidError extends CdnEtlError {
  /** Short machine-readable reason, e.g. `VALUE_NOT_NUMERIC`, `SLOT_OUT_OF_RANGE`. */
  readonly reason: string;

  constructor(reason: string, message: string) {
    super('CDN_ETL_RESPONSE_INVALID', `${reason}: ${message}`);
    this.reason = reason;
  }
}

/** A batch that could not be written to QuestDB before its deadline. */
export class LoadError extends CdnEtlError {
  readonly batchIndex: number;
  readonly rows: number;

  constructor(message: string, batchIndex: number, rows: number, options?: { cause?: unknown }) {
    super('CDN_ETL_LOAD_FAILED', message, options);
    this.batchIndex = batchIndex;
    this.rows = rows;
  }
}

export class MigrationError extends CdnEtlError {
  readonly file: string;

  constructor(code: 'CDN_ETL_MIGRATION_CHANGED' | 'CDN_ETL_MIGRATION_FAILED', file: string, message: string) {
    super(code, message);
    this.file = file;
  }
}

/** A QuestDB SQL statement that the server refused. */
export class QueryError extends CdnEtlError {
  readonly position: number | undefined;

  constructor(message: string, position?: number) {
    super('CDN_ETL_QUERY_FAILED', message);
    this.position = position;
  }
}

/** Redis, QuestDB or another required service does not answer. */
export class ServiceUnavailableError extends CdnEtlError {
  readonly service: string;

  constructor(service: string, message: string, options?: { cause?: unknown }) {
    super('CDN_ETL_SERVICE_UNAVAILABLE', message, options);
    this.service = service;
  }
}

export function isCdnEtlError(err: unknown): err is CdnEtlError {
  return err instanceof CdnEtlError;
}
