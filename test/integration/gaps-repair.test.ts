/**
 * `gaps` and `gaps --repair` through the CLI (in this process): holes made on purpose by loading every slot but
 * some, found as ranges, and refilled exactly from the simulator at the finest resolution it still holds.
 */
import { describe, expect, it } from 'vitest';
import { TrafficLoader } from '../../src/store/traffic-loader.js';
import { cliEnv, QUESTDB_HTTP, readRows, runCli, uniqueDomains, useTestScope, type StoredRow } from '../helpers/pipeline-fixture.js';
import { DAY, HOUR, MIN, slots, sortRows } from '../helpers/sync-fixture.js';

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
/** How the CLI prints an instant on a whole minute. */
const shown = (ms: number): string => new Date(ms).toISOString().replace(':00.000Z', 'Z');
const inAny = (ts: number, holes: readonly [number, number][]): boolean => holes.some(([a, b]) => ts >= a && ts < b);

async function load(rows: readonly StoredRow[]): Promise<void> {
  const loader = await TrafficLoader.create({ questdbHttp: QUESTDB_HTTP });
  try {
    await loader.load(rows);
  } finally {
    await loader.close();
  }
}

describe('gaps', () => {
  const scope = useTestScope();

  it('finds holes made on purpose as ranges, and --repair fills them exactly at 1-minute and 5-minute resolution', async () => {
    const [recent, old] = uniqueDomains(2) as [string, string];
    const prefix = scope.prefix();
    const sim = await scope.simulator([recent, old], { qps: 40 });
    const env = cliEnv(sim, prefix, { CDN_API_QPS: '40' });
    const h = Math.floor(Date.now() / HOUR) * HOUR;
    // Recent: 1-minute data of two hours that ended an hour ago, three holes (one at the very end).
    const r0 = h - 3 * HOUR;
    const r1 = h - HOUR;
    const recentHoles: [number, number][] = [[r0 + 10 * MIN, r0 + 25 * MIN], [r0 + 59 * MIN, r0 + 61 * MIN], [r1 - 3 * MIN, r1]];
    // Old: 5-minute data of two hours ten days ago, one hole of 15 minutes.
    const o0 = h - 10 * DAY;
    const o1 = o0 + 2 * HOUR;
    const oldHoles: [number, number][] = [[o0 + 30 * MIN, o0 + 45 * MIN]];
    const recentAll = slots(recent, 60, r0, r1);
    const oldAll = slots(old, 300, o0, o1);
    await load([...recentAll.filter((r) => !inAny(r.ts, recentHoles)), ...oldAll.filter((r) => !inAny(r.ts, oldHoles))]);

    const found = await runCli(['gaps', '--domains', recent, '--from', iso(r0), '--to', iso(r1)], env);
    expect(found.code).toBe(0);
    expect(found.stdout).toBe(
      [
        `missing in [${shown(r0)}, ${shown(r1)}) (slots of any resolution, on the 60 s grid):`,
        `  ${recent}  [${shown(r0 + 10 * MIN)}, ${shown(r0 + 25 * MIN)})  15 slot(s), 15 min`,
        `  ${recent}  [${shown(r0 + 59 * MIN)}, ${shown(r0 + 61 * MIN)})  2 slot(s), 2 min`,
        `  ${recent}  [${shown(r1 - 3 * MIN)}, ${shown(r1)})  3 slot(s), 3 min`,
        '3 missing range(s), 20 slot(s) of 60 s',
        '',
      ].join('\n'),
    );
    expect(sim.stats().calls).toBe(0);

    const oldFound = await runCli(['gaps', '--domains', old, '--from', iso(o0), '--to', iso(o1), '--interval', '300'], env);
    expect(oldFound.code).toBe(0);
    expect(oldFound.stdout).toContain(`  ${old}  [${shown(o0 + 30 * MIN)}, ${shown(o0 + 45 * MIN)})  3 slot(s), 15 min\n1 missing range(s), 3 slot(s) of 300 s\n`);
    // Measured at 1 minute, the same hole: 5-minute slots cover their minutes.
    const oldAny = await runCli(['gaps', '--domains', old, '--from', iso(o0), '--to', iso(o1)], env);
    expect(oldAny.stdout).toContain('1 missing range(s), 15 slot(s) of 60 s\n');

    const repaired = await runCli(['gaps', '--repair', '--domains', recent, '--from', iso(r0), '--to', iso(r1)], env);
    expect(repaired.stderr).not.toMatch(/failed/);
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toMatch(/repair bf-\S+: 2\/2 chunks done, 0 failed, 120 rows loaded, 2 API calls/);
    expect(repaired.stdout).toContain('still missing after the repair:\n  ' + recent + '  none\n0 missing range(s)');
    const oldRepaired = await runCli(['gaps', '--repair', '--domains', old, '--from', iso(o0), '--to', iso(o1)], env);
    expect(oldRepaired.code).toBe(0);
    expect(oldRepaired.stdout).toMatch(/1\/1 chunks done, 0 failed, 12 rows loaded, 1 API calls/);
    expect(sim.stats().calls).toBe(3);

    // Exactly the rows a complete load would have: no slot twice, none outside the loaded hours, final values.
    expect(await readRows([recent, old])).toEqual(sortRows([...recentAll, ...oldAll]));
  }, 120_000);

  it('names the holes the API no longer has and makes no call for them', async () => {
    const [gone] = uniqueDomains(1) as [string];
    const prefix = scope.prefix();
    const sim = await scope.simulator([gone], { qps: 40 });
    const env = cliEnv(sim, prefix);
    const from = Math.floor((Date.now() - 200 * DAY) / HOUR) * HOUR;
    const result = await runCli(['gaps', '--repair', '--domains', gone, '--from', iso(from), '--to', iso(from + HOUR)], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`  cannot repair, no longer available from the API (beyond every horizon): ${gone} [${shown(from)}, ${shown(from + HOUR)})\n`);
    expect(result.stdout).toContain('nothing the API still has to repair\n');
    expect(sim.stats().calls).toBe(0);
  }, 60_000);

  it('refuses bad input with exit 2 before touching anything', async () => {
    const env = { QUESTDB_PG: 'postgres://admin:quest@127.0.0.1:1/qdb' };
    const cases: [string[], RegExp][] = [
      [['gaps', '--domains', 'a.com', '--from', '2026-01-02', '--to', '2026-01-01'], /--to must be after --from/],
      [['gaps', '--domains', 'a.com', '--from', '2026-01-01', '--to', '2026-01-02', '--interval', '120'], /--interval must be any, 60, 300 or 3600/],
      [['gaps', '--domains', 'a b.com', '--from', '2026-01-01', '--to', '2026-01-02'], /--domains: invalid domain/],
      [['gaps', '--repair', '--domains', 'a.com', '--from', '2026-01-01', '--to', '2026-01-02'], /ALIBABA_CLOUD_ACCESS_KEY_ID/],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli(argv, env);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
