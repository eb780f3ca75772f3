/**
 * How to reach QuestDB's HTTP side (REST `/exec`, `/ping`, ILP over HTTP): its origin, the credentials (basic auth
 * or a token) and the private CA of a TLS proxy in front of it (QuestDB open source has no TLS of its own).
 *
 * A value, passed explicitly: app/app-runtime.ts builds one from the Config (`questDbEndpoint`) and hands it to
 * the loader, the REST calls, migrations, view health, WAL visibility and the health check. A bare origin string
 * is accepted wherever an endpoint is, and means a QuestDB without credentials or a private CA (tests, the
 * shared development server). The secrets never appear in a message: messages name `origin` only.
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'undici';
import type { QuestDbAuth } from '../core/config.js';

export interface QuestDbAccess {
  readonly auth?: QuestDbAuth | undefined;
  /** Path of a PEM file with the CA that signed the proxy's certificate. */
  readonly tlsCa?: string | undefined;
}

/** QuestDB's HTTP side with everything a call needs; build it with questDbEndpoint(). */
export interface QuestDbEndpoint {
  /** `http(s)://host:port`, for requests and messages. */
  readonly origin: string;
  /** The Authorization header, when there are credentials. */
  readonly headers: Readonly<Record<string, string>>;
  /** An agent trusting the private CA, when one is configured; else undici's default. */
  readonly dispatcher?: Agent | undefined;
  /** The ILP client's config-string parts (`username=...;password=...` or `token=...`). */
  readonly senderAuth: readonly string[];
  /** The private CA, for an agent of the caller's own (the ILP client's). */
  readonly ca?: Buffer | undefined;
}

/** An endpoint, or a bare origin: a QuestDB without credentials or private CA. */
export type QuestDbHttp = QuestDbEndpoint | string;

/**
 * The endpoint of `origin` with `access`. Reads the CA file now (a missing file fails at start, not on a call).
 *
 * @example const qdb = questDbEndpoint(config.questdbHttp, { auth: config.questdbAuth, tlsCa: config.questdbTlsCa });
 */
export function questDbEndpoint(origin: string, access: QuestDbAccess = {}): QuestDbEndpoint {
  const auth = access.auth;
  const headers: Record<string, string> = {};
  const senderAuth: string[] = [];
  if (auth?.kind === 'basic') {
    headers.authorization = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
    senderAuth.push(`username=${auth.user}`, `password=${auth.password}`);
  }
  if (auth?.kind === 'token') {
    headers.authorization = `Bearer ${auth.token}`;
    senderAuth.push(`token=${auth.token}`);
  }
  const ca = access.tlsCa ? readFileSync(access.tlsCa) : undefined;
  return { origin, headers, senderAuth, ca, dispatcher: ca ? new Agent({ connect: { ca } }) : undefined };
}

/** `target` as an endpoint: a bare origin becomes one without credentials. */
export function asQuestDbEndpoint(target: QuestDbHttp): QuestDbEndpoint {
  return typeof target === 'string' ? questDbEndpoint(target) : target;
}

/** The origin of `target`, for messages and URLs. */
export function questDbOrigin(target: QuestDbHttp): string {
  return typeof target === 'string' ? target : target.origin;
}

/** Headers and dispatcher for one REST call to `target`. */
export function questDbRequest(target: QuestDbHttp): { headers: Readonly<Record<string, string>>; dispatcher?: Agent } {
  if (typeof target === 'string') return { headers: {} };
  return target.dispatcher ? { headers: target.headers, dispatcher: target.dispatcher } : { headers: target.headers };
}
