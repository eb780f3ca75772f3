/**
 * `cdn-etl verify` against the simulator: archived final slots at every resolution are re-fetched at their stored
 * resolution and compared value by value; one tampered slot makes it exit 1 and names it; a sample checks fewer
 * slots with fewer calls; bad input exits 2 before any call.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { FETCH_QUEUE } from '../../src/pipeline/pipeline-keys.js';
import { finalSlotValue } from '../../src/sim/simulator.js';
import { TrafficLoader, type LoadRow } from '../../src/store/traffic-loader.js';
import { waitUntilVisible } from '../../src/store/wal-visibility.js';
import { cliEnv, QUESTDB_HTTP, REDIS_URL, runCli, uniqueDomains, useTestScope } from '../helpers/pipeline-fixture.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('cdn-etl verify', () => {
  const scope = useTestScope();
  const [a, b] = uniqueDomains(2) as [string, string];
  const now = Date.now();
  const m1 = Math.floor((now - 2 * DAY) / HOUR) * HOUR;
  const m5 = Math.floor((now - 20 * DAY) / HOUR) * HOUR;
  const h1 = Math.floor((now - 50 * DAY) / HOUR) * HOUR;
  const b5 = Math.floor((now - 10 * DAY) / HOUR) * HOUR;
  const TAMPERED = b5 + 35 * MIN;

  async function load(): Promise<void> {
    const rows: LoadRow[] = [];
    for (let i = 0; i < 60; i++) rows.push({ ts: m1 + i * MIN, domain: a, intervalS: 60, value: finalSlotValue(a, 60, m1 + i * MIN) });
    for (let i = 0; i < 12; i++) rows.push({ ts: m5 + i * 5 * MIN, domain: a, intervalS: 300, value: finalSlotValue(a, 300, m5 + i * 5 * MIN) });
    for (let i = 0; i < 6; i++) rows.push({ ts: h1 + i * HOUR, domain: a, intervalS: 3600, value: finalSlotValue(a, 3600, h1 + i * HOUR) });
    for (let i = 0; i < 12; i++) {
      const ts = b5 + i * 5 * MIN;
      rows.push({ ts, domain: b, intervalS: 300, value: finalSlotValue(b, 300, ts) + (ts === TAMPERED ? 1 : 0) });
    }
    // A slot archived while still provisional (fetched a minute after it ended) is not checkable.
    rows.push({ ts: m1 - HOUR, domain: b, intervalS: 60, value: 1, fetchedAt: m1 - HOUR + 2 * MIN });
    const loader = await TrafficLoader.create({ questdbHttp: QUESTDB_HTTP });
    try {
      await loader.load(rows, { fetchedAt: now });
    } finally {
      await loader.close();
    }
    await waitUntilVisible(QUESTDB_HTTP, 'cdn_src_traffic');
  }

  beforeAll(load);

  it('--all: every slot checked at its resolution, the tampered one named, exit 1', async () => {
    const sim = await scope.simulator([a, b], { qps: 40 });
    const env = cliEnv(sim, scope.prefix());
    const r = await runCli(['verify', '--domains', `${a},${b}`, '--from', new Date(now - 60 * DAY).toISOString(), '--to', new Date(now).toISOString(), '--all'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('every checkable slot, 4 API call(s)\n');
    const w = Math.max(a.length, b.length, 'domain'.length);
    const line = (d: string, rest: string): string => `${d.padEnd(w)}  ${rest}`;
    expect(r.stdout).toContain(
      [
        line('domain', 'interval  checked  match  mismatch  absent  max drift'),
        line(a, '    60 s       60     60         0       0          0'),
        line(a, '   300 s       12     12         0       0          0'),
        line(a, '  3600 s        6      6         0       0          0'),
        line(b, '   300 s       12     11         1       0          1'),
      ].join('\n'),
    );
    expect(r.stdout).toContain(`1 mismatch(es):\n  ${b} ${new Date(TAMPERED).toISOString().replace('.000Z', 'Z')} @ 300 s: archived ${finalSlotValue(b, 300, TAMPERED) + 1}, API now ${finalSlotValue(b, 300, TAMPERED)}\n`);
    expect(sim.stats().calls).toBe(4);
  });

  it('--sample 5: five slots spread over the resolutions, two calls, all match, exit 0', async () => {
    const sim = await scope.simulator([a], { qps: 40 });
    const r = await runCli(['verify', '--domains', a, '--from', new Date(now - 60 * DAY).toISOString(), '--to', new Date(now).toISOString(), '--sample', '5'], cliEnv(sim, scope.prefix()));
    expect([r.code, r.stderr]).toEqual([0, '']);
    // Slots in (interval, ts) order: 60 of 1 minute, 12 of 5 minutes, 6 hourly; picks 0, 15, 31, 46 and 62.
    expect(r.stdout).toContain('a sample of up to 5 slot(s) per domain, 2 API call(s)\n');
    expect(r.stdout).toContain(
      [
        `${'domain'.padEnd(a.length)}  interval  checked  match  mismatch  absent  max drift`,
        `${a}      60 s        4      4         0       0          0`,
        `${a}     300 s        1      1         0       0          0`,
      ].join('\n'),
    );
    expect(r.stdout).toContain('every checked slot (5) matches the API\n');
    expect(sim.stats().calls).toBe(2);
  });

  it('takes the lowest priority: makes no call while the fetch queue holds work, then runs', async () => {
    const sim = await scope.simulator([a], { qps: 40 });
    const prefix = scope.prefix();
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(FETCH_QUEUE, { connection: redis, prefix });
    try {
      await queue.add('chunk', { pending: true }, { jobId: 'pending-chunk' });
      const run = runCli(['verify', '--domains', a, '--from', new Date(now - 60 * DAY).toISOString(), '--to', new Date(now).toISOString(), '--sample', '1'], cliEnv(sim, prefix));
      // Once verify is connected to Redis it has read QuestDB and planned its call; it must wait for the queue.
      for (let i = 0; !String(await redis.call('CLIENT', 'LIST')).includes('name=cdn-etl-verify'); i++) {
        if (i > 200) throw new Error('verify never connected to Redis');
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 2_500));
      expect(sim.stats().calls).toBe(0);
      await queue.obliterate({ force: true });
      const r = await run;
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(r.stdout).toContain('1 API call(s)');
      expect(sim.stats().calls).toBe(1);
    } finally {
      await queue.close();
      redis.disconnect();
    }
  });

  it.each([
    [['--sample', '0'], '--sample'],
    [['--all', '--sample', '3'], '--sample: give --sample N or --all, not both'],
    [['--from', '2026-11-01'], '--to: give both --from and --to, or neither'],
  ])('refuses %j with exit 2 before any call', async (extra, message) => {
    const sim = await scope.simulator([a], { qps: 40 });
    const r = await runCli(['verify', '--domains', a, ...extra], cliEnv(sim, scope.prefix()));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(sim.stats().calls).toBe(0);
  });
});
