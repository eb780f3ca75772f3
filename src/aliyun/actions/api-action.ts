/**
 * What one action of the API is, as data: its name and version, how a typed query becomes the action's string
 * parameters (validated, InvalidArgumentError), and how the JSON of a success becomes the typed answer (or a
 * ShapeError, which the client reports as a transient `Response.Unparsable`). One module per action implements
 * this; action-registry.ts lists them. The client does the signing, the sending and the failures, the same way for
 * every action.
 */
import { InvalidArgumentError } from '../../core/errors.js';
import { stripControls } from '../../core/strip-controls.js';
import { toWireTime } from '../wire-time.js';

export type Json = Record<string, unknown>;

export interface ApiAction<Q, R> {
  /** The `Action` parameter, e.g. `DescribeDomainRealTimeSrcTrafficData`. */
  readonly name: string;
  /** The `Version` parameter, e.g. `2018-05-10` (CDN) or `2018-01-15` (DCDN). */
  readonly version: string;
  /** The action's own parameters for a query; throws InvalidArgumentError before anything is sent. */
  params(query: Q): Readonly<Record<string, string>>;
  /** The domain a call is about, for events and messages (absent for account-wide actions). */
  domain?(query: Q): string | undefined;
  /** The typed answer from the JSON object of a success; throws ShapeError when its structure is wrong. */
  read(json: Json, requestId: string): R;
}

/** A successful answer whose JSON lacks the expected structure. */
export class ShapeError extends Error {}

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The first of `names` that holds a non-empty string (the API spells some fields in two cases). */
export function stringField(json: Json | undefined, ...names: string[]): string | undefined {
  if (!json) return undefined;
  for (const n of names) {
    const v = json[n];
    // Codes, messages and request ids end up in errors, logs and labels: no control character gets through.
    if (typeof v === 'string' && v !== '') return stripControls(v);
  }
  return undefined;
}

/** A domain name as sent: trimmed, not empty. */
export function domainParam(domainName: unknown): string {
  const name = typeof domainName === 'string' ? domainName.trim() : '';
  if (name === '') throw new InvalidArgumentError('domainName is empty');
  return name;
}

/** An instant as sent: `YYYY-MM-DDThh:mm:ssZ`. */
export function wireTimeParam(ms: number, name: string): string {
  // Millisecond precision would be silently floored on the wire and shift the range asked for: refuse it.
  if (!Number.isSafeInteger(ms) || ms % 1000 !== 0 || Number.isNaN(new Date(ms).getTime())) {
    throw new InvalidArgumentError(`invalid ${name}: ${String(ms)} (epoch ms on a whole second)`);
  }
  return toWireTime(ms);
}
