/**
 * How to reach QuestDB's HTTP side (REST `/exec`, `/ping`, ILP over HTTP): the credentials (basic auth or a
 * token) and the private CA of a TLS proxy in front of it (QuestDB open source has no TLS of its own). Registered
 * once per origin by the entry point (app-runtime.ts useQuestDbAccess) and read by every caller of that origin,
 * so no REST call can go out without them. The secrets never appear in a message.
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'undici';
import type { QuestDbAuth } from '../core/config.js';

export interface QuestDbAccess {
  readonly auth?: QuestDbAuth | undefined;
  /** Path of a PEM file with the CA that signed the proxy's certificate. */
  readonly tlsCa?: string | undefined;
}

interface Registered extends QuestDbAccess {
  readonly headers: Readonly<Record<string, string>>;
  readonly ca: Buffer | undefined;
  dispatcher?: Agent;
}

const registry = new Map<string, Registered>();

/** Registers (or replaces) the access to `origin` (`http(s)://host:port`). */
export function setQuestDbAccess(origin: string, access: QuestDbAccess): void {
  const previous = registry.get(origin);
  void previous?.dispatcher?.close().catch(() => undefined);
  const auth = access.auth;
  const headers: Record<string, string> = {};
  if (auth?.kind === 'basic') headers.authorization = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
  if (auth?.kind === 'token') headers.authorization = `Bearer ${auth.token}`;
  registry.set(origin, { ...access, headers, ca: access.tlsCa ? readFileSync(access.tlsCa) : undefined });
}

/** Headers and dispatcher for one REST call to `origin` (none registered: no auth, the default agent). */
export function questDbRequest(origin: string): { headers: Readonly<Record<string, string>>; dispatcher?: Agent } {
  const r = registry.get(origin);
  if (!r) return { headers: {} };
  if (r.ca && !r.dispatcher) r.dispatcher = new Agent({ connect: { ca: r.ca } });
  return r.dispatcher ? { headers: r.headers, dispatcher: r.dispatcher } : { headers: r.headers };
}

/** The ILP client's config-string parts for `origin` (`username=...;password=...` or `token=...`). */
export function questDbSenderAuth(origin: string): string[] {
  const auth = registry.get(origin)?.auth;
  if (auth?.kind === 'basic') return [`username=${auth.user}`, `password=${auth.password}`];
  if (auth?.kind === 'token') return [`token=${auth.token}`];
  return [];
}

/** The CA to trust for `origin`, for an agent of the caller's own. */
export function questDbCa(origin: string): Buffer | undefined {
  return registry.get(origin)?.ca;
}
