/**
 * Pacing benchmark (`npm run bench:pacing`): how much of the account's quota the global pacer turns into answered
 * calls, against the simulator over real HTTP (signed calls through CdnClient) with the pacer's state in the real
 * Redis, for the adaptive pacer (src/redis/redis-pacer.ts) and, in the same run, the fixed-guard pacer it replaced
 * (bench/fixed-guard-pacer.ts) as the baseline:
 * 1. alone: utilisation = answered calls per second, first call to last (whole calendar seconds), over qps; and
 *    the throttled share;
 * 2. shared: a competing consumer (the simulator's) spends 4 of the 10 calls of every second; answered calls per
 *    second and the throttled share while it runs; then it stops, and the time until the first second with all
 *    qps calls answered, and the answered rate over the last 20 s.
 * The callers behave like the fetch stage (16 concurrent jobs; a throttled call teaches the pacer, and no caller
 * starts a new call until the queue's hold is over, as BullMQ's rate limit does).
 * Options after `--`: --seconds N (65, each run and the competing phase), --recovery N (40), --latency MS (50),
 * --callers N (16), --only adaptive|fixed.
 */
import { Redis } from 'ioredis';
import { CdnClient } from '../src/aliyun/cdn-client.js';
import { ApiError } from '../src/core/errors.js';
import { sleep } from '../src/core/sleep.js';
import { createRedisPacer } from '../src/redis/redis-pacer.js';
import { DEMO_CREDENTIALS, startSimulator, type RunningSimulator } from '../src/sim/simulator.js';
import { createFixedGuardPacer } from './fixed-guard-pacer.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const QPS = 10;
const COMPETING = 4;
const HOUR = 3_600_000;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
function stringArg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

type PacerKind = 'adaptive' | 'fixed';

interface Call {
  /** Client send time, epoch ms. */
  readonly atMs: number;
  readonly answered: boolean;
}

interface Throttling {
  acquire(): Promise<number>;
  /** Returns the queue's hold, ms. */
  throttled(grantUs: number, retryAfterMs: number | undefined): Promise<number>;
}

function pacerOf(kind: PacerKind, redis: Redis, key: string): Throttling {
  if (kind === 'adaptive') {
    const p = createRedisPacer(redis, key, { qps: QPS, label: 'bench' });
    return { acquire: () => p.acquire(), throttled: (g, r) => p.onThrottle(g, r) };
  }
  const p = createFixedGuardPacer(redis, key, QPS);
  return {
    acquire: () => p.acquire(),
    async throttled(_g, r) {
      const ms = r ?? 1000;
      await p.pause(ms);
      return ms;
    },
  };
}

/** Runs `callers` fetch-stage-like callers for `seconds`; the competitor runs for the first `competingS` (if any). */
async function run(kind: PacerKind, seconds: number, competingS: number | undefined, callers: number, latencyMs: number): Promise<{ calls: Call[]; offAtMs: number | undefined; sim: RunningSimulator }> {
  const domain = `pacing-${Date.now().toString(36)}.example.com`;
  const sim = await startSimulator({ qps: QPS, domains: [{ name: domain }], latencyMs, ...(competingS !== undefined ? { competing: { callsPerSecond: COMPETING } } : {}) });
  const redis = new Redis(REDIS_URL);
  const key = `bench-pacing-${process.pid}-${Date.now().toString(36)}:bk:pacer`;
  const pacer = pacerOf(kind, redis, key);
  const api = new CdnClient({ endpoint: sim.url, credentials: DEMO_CREDENTIALS, connections: 32 });
  const start = Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR;
  const calls: Call[] = [];
  const began = Date.now();
  const endAt = began + seconds * 1000;
  let offAtMs: number | undefined;
  let holdUntil = 0;
  const stopCompeting =
    competingS === undefined
      ? undefined
      : setTimeout(() => {
          sim.setCompeting(undefined);
          offAtMs = Date.now();
        }, competingS * 1000);
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (Date.now() < endAt) {
        if (Date.now() < holdUntil) {
          await sleep(holdUntil - Date.now());
          continue;
        }
        const grantUs = await pacer.acquire();
        const atMs = Date.now();
        try {
          await api.describeDomainRealTimeSrcTrafficData({ domainName: domain, startTime: start, endTime: start + HOUR - 60_000 });
          calls.push({ atMs, answered: true });
        } catch (err) {
          if (!(err instanceof ApiError && err.kind === 'throttled')) throw err;
          calls.push({ atMs, answered: false });
          const hold = await pacer.throttled(grantUs, err.retryAfterMs);
          holdUntil = Math.max(holdUntil, Date.now() + hold);
        }
      }
    }),
  );
  if (stopCompeting) clearTimeout(stopCompeting);
  await api.close();
  const leftover = await redis.keys(`${key}*`);
  if (leftover.length > 0) await redis.del(...leftover);
  await redis.quit();
  await sim.close();
  calls.sort((a, b) => a.atMs - b.atMs);
  return { calls, offAtMs, sim };
}

interface Figures {
  readonly calls: number;
  readonly answered: number;
  readonly throttledShare: number;
  readonly answeredPerS: number;
}

/**
 * The calls sent in the whole calendar seconds from the one after the first call's (or `fromMs`) to the one of the
 * last call (or `toMs`), exclusive: whole seconds, so neither pacer gains or loses from where in a second it began.
 */
function figures(calls: readonly Call[], fromMs?: number, toMs?: number): Figures {
  const from = Math.ceil((fromMs ?? calls[0]!.atMs) / 1000) * 1000;
  const to = Math.floor((toMs ?? calls.at(-1)!.atMs) / 1000) * 1000;
  const inside = calls.filter((c) => c.atMs >= from && c.atMs < to);
  const answered = inside.filter((c) => c.answered).length;
  return { calls: inside.length, answered, throttledShare: inside.length === 0 ? 0 : (inside.length - answered) / inside.length, answeredPerS: answered / Math.max(1, (to - from) / 1000) };
}

/** Seconds from `offAtMs` to the start of the first calendar second after it with all qps calls answered. */
function recoveryS(calls: readonly Call[], offAtMs: number): number | undefined {
  const perSecond = new Map<number, number>();
  for (const c of calls) if (c.answered) perSecond.set(Math.floor(c.atMs / 1000), (perSecond.get(Math.floor(c.atMs / 1000)) ?? 0) + 1);
  const full = [...perSecond].filter(([s, n]) => n >= QPS && s * 1000 >= offAtMs).map(([s]) => s);
  return full.length === 0 ? undefined : Math.round((Math.min(...full) * 1000 - offAtMs) / 100) / 10;
}

const pct = (x: number): string => `${(x * 100).toFixed(2)} %`;

async function main(): Promise<void> {
  const seconds = arg('seconds', 65);
  const recovery = arg('recovery', 40);
  const latencyMs = arg('latency', 50);
  const callers = arg('callers', 16);
  const only = stringArg('only');
  const kinds = (['fixed', 'adaptive'] as const).filter((k) => only === undefined || only === k);
  process.stdout.write(`bench:pacing: qps ${QPS}, ${callers} callers, simulator latency ${latencyMs} ms, runs of ${seconds} s (+${recovery} s recovery), Redis ${REDIS_URL}\n\n`);
  const rows: string[] = ['| pacer | run | calls | answered | throttled | answered/s | ratio | after the competitor stops |', '|---|---|---:|---:|---:|---:|---:|---|'];
  for (const kind of kinds) {
    const alone = await run(kind, seconds, undefined, callers, latencyMs);
    const a = figures(alone.calls);
    rows.push(`| ${kind} | alone | ${a.calls} | ${a.answered} | ${pct(a.throttledShare)} | ${a.answeredPerS.toFixed(2)} | ${(a.answeredPerS / QPS).toFixed(3)} of ${QPS} | - |`);
    process.stdout.write(`${rows.at(-1)!}\n`);
    const shared = await run(kind, seconds + recovery, seconds, callers, latencyMs);
    const off = shared.offAtMs ?? Date.now();
    const s = figures(shared.calls, undefined, off);
    const after = figures(shared.calls, off + (recovery - 20) * 1000, off + recovery * 1000);
    const rec = recoveryS(shared.calls, off);
    rows.push(
      `| ${kind} | beside ${COMPETING} of ${QPS} | ${s.calls} | ${s.answered} | ${pct(s.throttledShare)} | ${s.answeredPerS.toFixed(2)} | ${(s.answeredPerS / (QPS - COMPETING)).toFixed(3)} of ${QPS - COMPETING} | first full second after ${rec === undefined ? `none in ${recovery}` : rec} s; last 20 s: ${after.answeredPerS.toFixed(2)}/s, ${pct(after.throttledShare)} throttled |`,
    );
    process.stdout.write(`${rows.at(-1)!}\n`);
  }
  process.stdout.write(`\n${rows.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:pacing failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
