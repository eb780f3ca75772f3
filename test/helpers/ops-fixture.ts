/**
 * Helpers for the ops tests: a TCP forwarder that stands in for QuestDB going away and coming back (the shared
 * server is never stopped), free ports, a logger that captures its lines, and reading one sample of /metrics.
 */
import net from 'node:net';
import { Writable } from 'node:stream';
import { expect } from 'vitest';
import { createLogger, type Logger } from '../../src/core/logger.js';

/** Forwards a local port to 127.0.0.1:`target`; stop() cuts every open connection and stops listening. */
export class Forwarder {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  bytesIn = 0;
  /** Called with the running byte count as client data arrives. */
  onData: ((bytesIn: number) => void) | undefined;

  constructor(
    readonly port: number,
    private readonly target: number,
  ) {}

  start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target, '127.0.0.1');
      this.sockets.add(client).add(upstream);
      const drop = (): void => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.on('data', (chunk: Buffer) => {
        this.bytesIn += chunk.length;
        this.onData?.(this.bytesIn);
      });
      client.pipe(upstream);
      upstream.pipe(client);
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** A JSON logger whose lines are kept in `lines`. */
export function capturingLogger(level: 'debug' | 'info' = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim() !== '') lines.push(l);
      cb();
    },
  });
  return { logger: createLogger({ level, pretty: false, destination }), lines };
}

/** The value of one exposition series (`name{labels}` exactly as printed), or undefined when absent. */
export function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

export async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

/** Polls `fn` every `everyMs` until `ok` holds; returns the last value (the caller asserts on it). */
export async function pollUntil<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * Redis down holds the close (a job's end cannot be recorded): the drain timeout ends it, exit 1. QuestDB down does
 * not hold it any more (a flush is one bounded attempt, the load job retries later, docs/PIPELINE.md): the close
 * ends by itself (exit 0) unless a flush was still on the wire when the timeout passed (exit 1). Never a hang.
 */
export function expectStoppedWithinDrain(service: string, code: number | null | 'hung', output: string): void {
  const drainTimedOut = output.includes('drain timeout of 3 s passed: chunks still in flight go back to the queue when their lock expires');
  if (service === 'Redis' || code === 1) {
    expect(code, output).toBe(1);
    expect(drainTimedOut, output).toBe(true);
  } else {
    expect(code, output).toBe(0);
    expect(drainTimedOut, output).toBe(false);
  }
}
