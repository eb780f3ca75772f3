/**
 * Shared set-up for sync integration tests: a sync pass run in this process against the simulator with an
 * injected data clock, the watermarks of a prefix, and the rows a pass must leave.
 */
import { Redis } from 'ioredis';
import type { Tier } from '../../src/aliyun/tiers.js';
import { CdnClient } from '../../src/aliyun/cdn-client.js';
import { DEMO_CREDENTIALS, finalSlotValue, slotValue, type RunningSimulator } from '../../src/sim/simulator.js';
import { TrafficLoader } from '../../src/store/traffic-loader.js';
import type { SyncPassReport, SyncSelection } from '../../src/sync/sync-pass.js';
import { startSyncService, type RunningSync, type SyncServiceOptions } from '../../src/sync/sync-service.js';
import { WatermarkStore } from '../../src/sync/watermark-store.js';
import type { DomainWatermark } from '../../src/sync/sync-plan.js';
import { QUESTDB_HTTP, REDIS_URL, type StoredRow } from './pipeline-fixture.js';
import { MIN } from './time-ranges.js';

export { sortRows } from './expected-rows.js';
export { DAY, HOUR, MIN } from './time-ranges.js';

export interface SyncHarnessOptions {
  readonly sim: RunningSimulator;
  readonly prefix: string;
  readonly selection: SyncSelection;
  readonly now: () => number;
  readonly tiers?: readonly Tier[];
  readonly marginMs?: number;
  readonly qps?: number;
}

/** A started sync service with its own API client and loader; close() stops all of it. */
export async function startTestSync(
  h: SyncHarnessOptions,
  extra: Partial<SyncServiceOptions> & { readonly everyMs?: number; readonly once?: boolean },
): Promise<RunningSync & { readonly api: CdnClient }> {
  const api = new CdnClient({ endpoint: h.sim.url, credentials: DEMO_CREDENTIALS });
  const loader = await TrafficLoader.create({ questdbHttp: QUESTDB_HTTP });
  const sync = await startSyncService({
    redisUrl: REDIS_URL,
    prefix: h.prefix,
    qps: h.qps ?? 40,
    api,
    sink: loader,
    selection: h.selection,
    lookbackMs: 30 * MIN,
    everyMs: 60_000,
    now: h.now,
    tiers: h.tiers,
    marginMs: h.marginMs,
    pollMs: 50,
    guardMs: 20,
    ...extra,
  });
  return {
    api,
    workers: sync.workers,
    oncePass: sync.oncePass,
    async close() {
      await sync.close();
      await loader.close();
      await api.close();
    },
    abandon() {
      sync.abandon();
    },
  };
}

/** Runs one `--once` pass to its end and returns its report. */
export async function runOncePass(h: SyncHarnessOptions, extra: Partial<SyncServiceOptions> = {}): Promise<SyncPassReport> {
  const sync = await startTestSync(h, { ...extra, once: true });
  try {
    return await sync.oncePass!;
  } finally {
    await sync.close();
  }
}

export async function watermarksOf(prefix: string, domains: readonly string[]): Promise<Map<string, DomainWatermark>> {
  const redis = new Redis(REDIS_URL);
  try {
    return await new WatermarkStore(redis, prefix).get(domains);
  } finally {
    await redis.quit();
  }
}

/** Slots [from, to) of one domain and interval with the value the API served at `at` (final when `at` is undefined). */
export function slots(domain: string, intervalS: number, from: number, to: number, at?: number, tiers?: readonly Tier[]): StoredRow[] {
  const out: StoredRow[] = [];
  for (let ts = from; ts < to; ts += intervalS * 1000) {
    out.push({ ts, domain, intervalS, value: at === undefined ? finalSlotValue(domain, intervalS, ts) : slotValue(domain, intervalS, ts, at, tiers) });
  }
  return out;
}

