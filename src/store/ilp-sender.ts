/**
 * One ILP-over-HTTP Sender for a QuestDB origin, built the way every writer of cdn-etl needs it: protocol version
 * pinned (so it can be created while QuestDB is still starting), auto-flush off (the caller decides what one
 * transaction is), the origin's credentials, and an undici agent of its own that carries the private CA (the client
 * ignores tls_ca when given an agent) and is closed with the Sender.
 */
import { Sender } from '@questdb/nodejs-client';
import { Agent } from 'undici';
import { InvalidArgumentError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { questDbCa, questDbSenderAuth } from './questdb-access.js';

export interface IlpSenderOptions {
  /** Wait for QuestDB's answer to one HTTP attempt, ms. */
  readonly requestTimeoutMs: number;
  /** Bound of the client's own quick retries inside one flush, ms. */
  readonly retryTimeoutMs: number;
  readonly initBufBytes?: number;
  readonly maxBufBytes?: number;
  readonly logger?: Logger | undefined;
}

export interface IlpSender {
  readonly sender: Sender;
  close(): Promise<void>;
}

/** @throws InvalidArgumentError for a questdbHttp that is not an http(s) URL with a usable host. */
export async function createIlpSender(questdbHttp: string, options: IlpSenderOptions): Promise<IlpSender> {
  const origin = parseOrigin(questdbHttp);
  const conf = [
    `${origin.scheme}::addr=${origin.host}:${origin.port}`,
    'auto_flush=off',
    'protocol_version=2',
    `request_timeout=${options.requestTimeoutMs}`,
    `retry_timeout=${options.retryTimeoutMs}`,
    `init_buf_size=${options.initBufBytes ?? 64 * 1024}`,
    `max_buf_size=${options.maxBufBytes ?? 64 * 1024 * 1024}`,
    ...questDbSenderAuth(questdbHttp),
  ].join(';');
  const ca = questDbCa(questdbHttp);
  const agent = new Agent({ connect: { keepAlive: true, ...(ca ? { ca } : {}) }, pipelining: 1, keepAliveTimeout: 60_000 });
  const logger = options.logger;
  const sender = await Sender.fromConfig(conf, {
    agent,
    // The client logs a debug line per row; only its warnings and errors are worth keeping.
    log: (level: string, message: string | Error) => {
      if (level === 'error' || level === 'warn') logger?.warn({ questdbClient: level }, String(message));
    },
  });
  return {
    sender,
    async close() {
      await sender.close();
      await agent.close();
    },
  };
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
