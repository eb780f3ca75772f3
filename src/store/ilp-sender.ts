/**
 * ILP-over-HTTP Senders for a QuestDB endpoint, one set of settings for every writer (TrafficLoader's pair and the
 * chunk ledger's one): protocol version pinned (so it can be created while QuestDB is still starting), auto-flush off
 * (the caller decides what one transaction is), one attempt per flush (the node:http transport and no retries of the
 * client's own: its undici RetryAgent never ends a flush to a refused port, see traffic-loader.ts), the endpoint's
 * credentials, and an agent of its own that carries the private CA and is destroyed with the Sender.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Sender } from '@questdb/nodejs-client';
import { InvalidArgumentError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { asQuestDbEndpoint, type QuestDbHttp } from './questdb-access.js';

export interface IlpSenderOptions {
  /** Wait for QuestDB's answer to one HTTP attempt, ms. */
  readonly requestTimeoutMs: number;
  readonly initBufBytes?: number;
  readonly maxBufBytes?: number;
  readonly logger?: Logger | undefined;
}

export interface IlpSender {
  readonly sender: Sender;
  close(): Promise<void>;
}

/** Senders sharing one agent: close() closes them all, then destroys the agent. */
export interface IlpSenders {
  readonly senders: readonly Sender[];
  close(): Promise<void>;
}

/** @throws InvalidArgumentError for a questdbHttp that is not an http(s) URL with a usable host. */
export async function createIlpSender(questdbHttp: QuestDbHttp, options: IlpSenderOptions): Promise<IlpSender> {
  const { senders, close } = await createIlpSenders(questdbHttp, options, 1);
  return { sender: senders[0]!, close };
}

/**
 * `count` Senders with these settings over one agent (TrafficLoader builds a batch in one while the other flushes).
 *
 * @throws InvalidArgumentError for a questdbHttp that is not an http(s) URL with a usable host.
 */
export async function createIlpSenders(questdbHttp: QuestDbHttp, options: IlpSenderOptions, count: number): Promise<IlpSenders> {
  const endpoint = asQuestDbEndpoint(questdbHttp);
  const origin = parseOrigin(endpoint.origin);
  const conf = [
    `${origin.scheme}::addr=${origin.host}:${origin.port}`,
    'auto_flush=off',
    'protocol_version=2',
    'stdlib_http=on',
    `request_timeout=${options.requestTimeoutMs}`,
    'retry_timeout=0',
    `init_buf_size=${options.initBufBytes ?? 64 * 1024}`,
    `max_buf_size=${options.maxBufBytes ?? 64 * 1024 * 1024}`,
    ...endpoint.senderAuth,
  ].join(';');
  // Our own agent, destroyed by close(): the client's shared default agent would keep sockets open after us. It
  // carries the private CA itself (a node:https agent's options win over the request's).
  const ca = endpoint.ca;
  const agent = origin.scheme === 'https' ? new HttpsAgent({ keepAlive: true, ...(ca ? { ca } : {}) }) : new HttpAgent({ keepAlive: true });
  const logger = options.logger;
  const extra = {
    agent,
    // The client logs a debug line per row; only its warnings and errors are worth keeping.
    log: (level: string, message: string | Error) => {
      if (level === 'error' || level === 'warn') logger?.warn({ questdbClient: level }, String(message));
    },
  };
  const senders: Sender[] = [];
  const close = async (): Promise<void> => {
    try {
      for (const sender of senders) await sender.close();
    } finally {
      agent.destroy();
    }
  };
  try {
    for (let i = 0; i < count; i++) senders.push(await Sender.fromConfig(conf, extra));
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  return { senders, close };
}

export function parseOrigin(raw: string): { scheme: 'http' | 'https'; host: string; port: number } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidArgumentError(`is not a valid URL: ${JSON.stringify(raw)}`, 'questdbHttp');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`must be http:// or https://, got ${JSON.stringify(raw)}`, 'questdbHttp');
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  // The client's config string separates settings with ';' and takes the host verbatim.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '' || host.includes(';')) throw new InvalidArgumentError(`has no usable host: ${JSON.stringify(raw)}`, 'questdbHttp');
  const port = url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port);
  return { scheme, host, port };
}
