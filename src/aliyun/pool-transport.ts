/**
 * The transport of the CDN API: one shared keep-alive undici Pool, one request per send(), the whole body read
 * into memory. The size cap is undici's own `maxResponseSize` (it checks Content-Length first, then the bytes as
 * they stream). Nothing here interprets an answer or classifies a failure: errors go up as undici raised them, a
 * failure while the body streamed wrapped in BodyReadError so classify-error.ts can tell it from one before.
 */
import { Pool } from 'undici';
import type { HttpMethod } from './request-signer.js';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

export interface PoolTransportOptions {
  readonly endpoint: string;
  readonly connections: number;
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly maxResponseBytes: number;
}

/** The body started to arrive, then reading it failed (a reset, a timeout, the size cap). */
export class BodyReadError extends Error {
  constructor(readonly inner: unknown) {
    super('reading the body failed');
  }
}

export class PoolTransport {
  readonly #pool: Pool;

  constructor(options: PoolTransportOptions) {
    this.#pool = new Pool(options.endpoint, {
      connections: options.connections,
      connectTimeout: options.connectTimeoutMs,
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
      maxResponseSize: options.maxResponseBytes,
    });
  }

  async send(method: HttpMethod, path: string, headers: Readonly<Record<string, string>>, signal: AbortSignal | undefined): Promise<RawResponse> {
    const res = await this.#pool.request({
      method,
      path,
      headers: { ...headers, accept: 'application/json', 'user-agent': 'cdn-etl' },
      body: '',
      signal,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        chunks.push(chunk);
      }
    } catch (err) {
      throw new BodyReadError(err);
    }
    return { status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks, size) };
  }

  /** Closes the pool after the requests in flight have ended. */
  close(): Promise<void> {
    return this.#pool.close();
  }
}
