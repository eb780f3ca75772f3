/**
 * The pacer's Lua scripts on the real Redis make exactly the decisions of their specification,
 * src/redis/pace-control.ts: a long seeded walk on a virtual clock (the scripts take `now` from the test instead
 * of Redis' TIME) through reservations, confirmations and throttles, compared step by step with the pure model,
 * state included. Then the real-clock pacer: a throttle closes the rest of the second for every caller.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { confirm, initialPaceState, recordThrottle, reserve, US_PER_S, type PaceParams } from '../../src/redis/pace-control.js';
import { createRedisPacer, maxGrantsInWindow, paceKeys, paceScripts, readGrants } from '../../src/redis/redis-pacer.js';
import { seededRandom } from '../../src/sim/fault-injector.js';
import { cleanPrefix, REDIS_URL, uniquePrefix } from '../helpers/pipeline-fixture.js';

describe('pacer Lua scripts', () => {
  const prefix = uniquePrefix();
  const redis = new Redis(REDIS_URL);
  afterAll(async () => {
    await redis.quit();
    await cleanPrefix(prefix);
  });

  it('decide exactly like pace-control.ts over 3,000 steps on a virtual clock (grants, waits, limit, probes)', async () => {
    const params: PaceParams = { qps: 10, guardMs: 200 };
    const key = `${prefix}:bk:pacer-mirror`;
    const scripts = paceScripts(redis, key, { ...params, label: 'mirror' });
    const model = initialPaceState(params);
    const random = seededRandom(42);
    let now = 1_800_000_000 * US_PER_S + 123_457;
    const grants: number[] = [];
    const outcomes = { grants: 0, waits: 0, throttles: 0, limits: new Set<number>(), steps: new Set<number>() };
    for (let step = 0; step < 3_000; step++) {
      now += Math.floor(random() * 60_000);
      const action = random();
      if (action < 0.35) {
        expect(await scripts.reserve(now), `reserve at step ${step}`).toBe(reserve(params, model, now));
      } else if (action < 0.985 || grants.length === 0 || step >= 2_000) {
        const expected = confirm(params, model, now);
        expect(await scripts.confirm(now), `confirm at step ${step}`).toEqual(expected);
        if ('grantUs' in expected) {
          grants.push(expected.grantUs);
          outcomes.grants++;
        } else outcomes.waits++;
      } else {
        // A throttle of one of the last few grants (answers come back within a second or so); none in the last
        // third of the walk, so probes hold and the limit climbs back.
        const grantUs = grants[grants.length - 1 - Math.floor(random() * Math.min(grants.length, 8))]!;
        expect(await scripts.throttle(grantUs, now), `throttle at step ${step}`).toBe(recordThrottle(params, model, grantUs, now));
        outcomes.throttles++;
      }
      const state = await redis.hmget(paceKeys(key).state, 'limit', 'step', 'streak', 'wait', 'probing');
      if (state[0] !== null) {
        expect(state.map(Number), `state after step ${step}`).toEqual([model.limit, model.step, model.streak, model.wait, model.probing ? 1 : 0]);
      }
      outcomes.limits.add(model.limit);
      outcomes.steps.add(model.step);
    }
    // The walk went through every branch: grants and refusals, throttles, every limit from 1 to full, and probes
    // that held (the step grows).
    expect(outcomes.grants).toBeGreaterThan(100);
    expect(outcomes.waits).toBeGreaterThan(100);
    expect(outcomes.throttles).toBeGreaterThan(20);
    expect([...outcomes.limits].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(Math.max(...outcomes.steps)).toBeGreaterThanOrEqual(4);
    // The record holds exactly the model's grants.
    expect((await readGrants(redis, key)).map((g) => g.atUs)).toEqual(grants);
  });

  it('decide alike for callers that come now and then (an idle pacer past the grid lets them call at once)', async () => {
    const params: PaceParams = { qps: 10, guardMs: 200 };
    const key = `${prefix}:bk:pacer-idle`;
    const scripts = paceScripts(redis, key, { ...params, label: 'idle' });
    const model = initialPaceState(params);
    const random = seededRandom(7);
    let now = 1_800_000_000 * US_PER_S + 654_321;
    let atOnceLate = 0;
    const granted: number[] = [];
    for (let step = 0; step < 400; step++) {
      // Mostly quiet spells of up to 1.5 s, sometimes a few callers close together.
      now += random() < 0.7 ? Math.floor(random() * 1_500_000) : Math.floor(random() * 20_000);
      const idle = model.nextUs <= now;
      const wait = reserve(params, model, now);
      expect(await scripts.reserve(now), `reserve at step ${step}`).toBe(wait);
      if (idle && wait === 0 && now % US_PER_S >= 400_000) atOnceLate++;
      const at = now + wait;
      const expected = confirm(params, model, at);
      expect(await scripts.confirm(at), `confirm at step ${step}`).toEqual(expected);
      if ('grantUs' in expected) granted.push(expected.grantUs);
    }
    // The branch was taken often: callers past the grid (400 ms at qps 10) and before the guard went at once.
    expect(atOnceLate).toBeGreaterThan(50);
    // And the quota held, by the record the scripts wrote: at most qps in any sliding second and in any calendar
    // second, none in a second's guard.
    const record = (await readGrants(redis, key)).map((g) => g.atUs);
    expect(record).toEqual(granted);
    expect(maxGrantsInWindow(record, 1000)).toBeLessThanOrEqual(params.qps);
    const perSecond = new Map<number, number>();
    for (const t of record) perSecond.set(Math.floor(t / US_PER_S), (perSecond.get(Math.floor(t / US_PER_S)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(params.qps);
    expect(record.filter((t) => t % US_PER_S >= (1000 - params.guardMs) * 1000)).toEqual([]);
  });

  it('a throttle reported on the real clock closes the rest of its second to every caller and lowers the limit', async () => {
    const key = `${prefix}:bk:pacer-throttle`;
    const a = createRedisPacer(redis, key, { qps: 10, guardMs: 200, label: 'a' });
    const b = createRedisPacer(redis, key, { qps: 10, guardMs: 200, label: 'b' });
    const first = await a.acquire();
    const holdMs = await a.onThrottle(first);
    // The queue holds back for the rest of the second the report came in (at most a second).
    expect(holdMs).toBeGreaterThanOrEqual(1);
    expect(holdMs).toBeLessThanOrEqual(1000);
    // One grant in that second, one of them refused: the account had 0 left, so the limit is 1 a second.
    expect(await redis.hget(paceKeys(key).state, 'limit')).toBe('1');
    const next = await b.acquire();
    expect(Math.floor(next / US_PER_S)).toBeGreaterThan(Math.floor(first / US_PER_S));
    const third = await a.acquire();
    expect(Math.floor(third / US_PER_S)).toBeGreaterThan(Math.floor(next / US_PER_S));
  });
});
