/**
 * An HTTP request as the simulator's pure parts see it: decoded parameters from the query string
 * and from a form-urlencoded body, lower-cased headers, the raw body. Built once per request.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface SimRequest {
  /** Upper case. */
  readonly method: string;
  /** The path as sent, without the query. */
  readonly path: string;
  /** Decoded query parameters; the first of repeated keys wins. */
  readonly query: Readonly<Record<string, string>>;
  /** Decoded parameters of an `application/x-www-form-urlencoded` body; empty otherwise. */
  readonly form: Readonly<Record<string, string>>;
  /** Lower-case names; repeated headers joined with `,` as node does. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
}

function decodeParams(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    if (!Object.hasOwn(out, k)) out[k] = v;
  }
  return out;
}

/** Builds a SimRequest from what node:http delivers. */
export function toSimRequest(method: string, rawUrl: string, headers: IncomingHttpHeaders, body: Buffer): SimRequest {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) flat[name] = Array.isArray(value) ? value.join(',') : value;
  const contentType = (flat['content-type'] ?? '').toLowerCase();
  const form = body.length > 0 && contentType.startsWith('application/x-www-form-urlencoded') ? decodeParams(body.toString('utf8')) : {};
  return { method: method.toUpperCase(), path, query: q < 0 ? {} : decodeParams(rawUrl.slice(q + 1)), form, headers: flat, body };
}

/** The action's parameters: the query string's, then the form body's for keys the query lacks. */
export function requestParams(req: SimRequest): Record<string, string> {
  return { ...req.form, ...req.query };
}
