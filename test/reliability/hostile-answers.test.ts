/**
 * Issue 8, item 5: hostile API answers. Every successful-looking answer of the API is wrong in one way (the
 * simulator's hostile modes, and a stand-in server with bodies far beyond the client's 4 MiB limit). The chunk
 * must end failed with a clear reason naming what was wrong, after exactly the attempts the fetch stage
 * allows (a content error is retried like a transient one), and nothing of it may reach QuestDB. A harmless
 * oddity (the same slot twice with the same value) loads the exact rows.
 *
 * Each case is a one-hour backfill of its own domain through the `backfill` command (in-process workers, so
 * the cases run side by side); the retries' backoff makes each failing case last about 1.5 to 2 minutes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CONTENT_ATTEMPTS } from '../../src/pipeline/pipeline-jobs.js';
import { DEMO_CREDENTIALS, startSimulator, type HostileMode } from '../../src/sim/simulator.js';
import { runCli } from '../helpers/pipeline-fixture.js';
import {
  backfillIdOf,
  doneChunks,
  failedChunks,
  cleanPrefix,
  DAY,
  expectedRows,
  hoursRange,
  readRows,
  reliabilityDomains,
  reliabilityPrefix,
  SHARED_QUESTDB_HTTP,
  SHARED_QUESTDB_PG,
  SHARED_REDIS_URL,
} from '../helpers/reliability-fixture.js';
import { startHugeBodyServer } from '../helpers/reliability-servers.js';

type Expect = { readonly fails: RegExp; readonly says: RegExp } | { readonly loads: true };

const SIM_CASES: ReadonlyArray<readonly [HostileMode, Expect]> = [
  ['huge-value', { fails: /ResponseInvalid\.VALUE_NOT_NUMERIC/, says: /"1e400"/ }],
  ['negative-value', { fails: /ResponseInvalid\.VALUE_NEGATIVE/, says: /-5/ }],
  ['nan-value', { fails: /ResponseInvalid\.VALUE_NOT_NUMERIC/, says: /"NaN"/ }],
  ['empty-value', { fails: /ResponseInvalid\.VALUE_NOT_NUMERIC/, says: /""/ }],
  ['bad-timestamp', { fails: /ResponseInvalid\.TIMESTAMP_INVALID/, says: /is not YYYY-MM-DDThh:mm:ssZ/ }],
  ['misaligned-slot', { fails: /ResponseInvalid\.(SLOT_NOT_ALIGNED|INTERVAL_CONTRADICTED)/, says: /:30Z/ }],
  ['out-of-range-slot', { fails: /ResponseInvalid\.SLOT_OUT_OF_RANGE/, says: /outside the asked range/ }],
  ['conflicting-duplicate', { fails: /ResponseInvalid\.SLOT_CONFLICT/, says: /appears twice with values/ }],
  ['interval-mismatch', { fails: /ResponseInvalid\.INTERVAL_CONTRADICTED/, says: /closer than DataInterval/ }],
  ['wrong-content-type', { fails: /Response\.Unparsable/, says: /content type "text\/html.*" is not JSON/ }],
  ['not-json', { fails: /Response\.Unparsable/, says: /not a JSON object/ }],
  ['duplicate-slot', { loads: true }],
];

describe('hostile API answers fail their chunk with a clear reason and load nothing (issue 8, item 5)', () => {
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const p of prefixes) await cleanPrefix(SHARED_REDIS_URL, p);
  });

  /** A one-chunk backfill of `domain` against `endpoint`; returns its result, summary line and failures. */
  async function backfillOne(domain: string, endpoint: string) {
    const prefix = reliabilityPrefix();
    prefixes.push(prefix);
    const { from, to } = hoursRange(1, 2 * DAY);
    const run = await runCli(['backfill', '--domains', domain, '--from', from, '--to', to], {
      ALIBABA_CLOUD_ACCESS_KEY_ID: DEMO_CREDENTIALS.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEMO_CREDENTIALS.accessKeySecret,
      CDN_ENDPOINT: endpoint,
      CDN_ETL_REDIS_PREFIX: prefix,
      REDIS_URL: SHARED_REDIS_URL,
      QUESTDB_HTTP: SHARED_QUESTDB_HTTP,
      QUESTDB_PG: SHARED_QUESTDB_PG,
      CDN_API_QPS: '10',
      LOG_LEVEL: 'warn',
    });
    const id = backfillIdOf(run.stdout + run.stderr);
    const failures = (await failedChunks(SHARED_REDIS_URL, prefix, id)).map((f) => f.chunk);
    const loaded = await doneChunks(SHARED_REDIS_URL, prefix, id);
    return { run, failures, loaded, from: Date.parse(from), to: Date.parse(to) };
  }

  it.concurrent.each(SIM_CASES)('%s', async (mode, expected) => {
    const [domain] = reliabilityDomains(1) as [string];
    const sim = await startSimulator({ domains: [{ name: domain }], hostile: { modes: [mode], rate: 1 } });
    try {
      const { run, failures, loaded, from } = await backfillOne(domain, sim.url);
      if ('loads' in expected) {
        expect(run.code).toBe(0);
        expect(failures).toEqual([]);
        expect(loaded.length).toBe(1);
        expect(sim.stats().calls).toBe(1);
        const rows = await readRows([domain]);
        expect(rows.length).toBe(60);
        expect(rows).toEqual(expectedRows(loaded));
        return;
      }
      expect(run.code).toBe(1);
      // The summary names the chunk, its range and the reason; the message says what was wrong.
      expect(run.stdout).toContain('failed chunks (1)');
      const line = run.stdout.split('\n').find((l) => l.includes(domain) && expected.fails.test(l));
      expect(line, `no failure line naming ${expected.fails} in:\n${run.stdout}`).toBeDefined();
      expect(line).toContain(new Date(from).toISOString().slice(0, 16));
      expect(run.stdout).toMatch(expected.says);
      expect(failures.length).toBe(1);
      expect(loaded).toEqual([]);
      // A wrong answer gets one more try, no more (CONTENT_ATTEMPTS); nothing of the answer is in QuestDB.
      expect(sim.stats().calls).toBe(CONTENT_ATTEMPTS);
      expect(await readRows([domain])).toEqual([]);
    } finally {
      await sim.close();
    }
  }, 240_000);

  it.concurrent.each([['declared' as const], ['chunked' as const]])('a huge body (%s length) fails Response.TooLarge without being read', async (mode) => {
    const [domain] = reliabilityDomains(1) as [string];
    const huge = await startHugeBodyServer(mode);
    try {
      const { run, failures } = await backfillOne(domain, huge.url);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('failed chunks (1)');
      expect(run.stdout).toMatch(new RegExp(`${domain.replace(/\./g, '\\.')} .*Response\\.TooLarge`));
      expect(failures.length).toBe(1);
      expect(huge.requests()).toBe(CONTENT_ATTEMPTS);
      // The client stops reading at its limit: far less than one body (512 MiB) was ever sent in all.
      expect(huge.bytesSent()).toBeLessThan(CONTENT_ATTEMPTS * 64 * 1024 * 1024);
      expect(await readRows([domain])).toEqual([]);
    } finally {
      await huge.close();
    }
  }, 240_000);

});
