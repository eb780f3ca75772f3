/**
 * Issue 8, item 6: hostile input to real CLI processes is refused with exit 2 and a message naming the flag or
 * variable, before anything happens. "Nothing happens" is measured, not assumed: the API is a simulator that
 * counts every call, and Redis and QuestDB (HTTP and PG) are canaries: TCP listeners that count every
 * connection. A refused command must leave all four at zero.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS, startSimulator, type RunningSimulator } from '../../src/sim/simulator.js';
import { DAY, hoursRange, reliabilityPrefix, runCliProcess } from '../helpers/reliability-fixture.js';
import { requireBuild } from '../helpers/require-build.js';
import { startCanary } from '../helpers/reliability-servers.js';

const { from, to } = hoursRange(2, 2 * DAY);
const ok = 'r-ok.example.com';

type Case = readonly [name: string, argv: readonly string[], env: Readonly<Record<string, string>>, named: string, says: RegExp];

const backfill = (domains: string, f = from, t = to): string[] => ['backfill', '--domains', domains, '--from', f, '--to', t];

const CASES: readonly Case[] = [
  // Domain names: each would be a different series, a broken chunk id, or an injection attempt.
  ['a domain with a space', backfill('a b.example.com'), {}, '--domains', /whitespace/],
  ['a domain list with an empty name', backfill(`${ok},,b.example.com`), {}, '--domains', /empty name/],
  ['a domain list with a space after the comma', backfill(`${ok}, b.example.com`), {}, '--domains', /whitespace/],
  ["a domain with '='", backfill('a=b.example.com'), {}, '--domains', /'='/],
  ['a domain with a single quote (SQL)', backfill("x.example.com' OR '1'='1"), {}, '--domains', /quote|whitespace/],
  ['a domain with a double quote', backfill('a"b.example.com'), {}, '--domains', /quote/],
  ['a domain with a newline (log injection)', backfill('a.example.com\n{"level":30,"msg":"forged"}'), {}, '--domains', /whitespace/],
  ['a domain with a NUL byte stand-in (control character)', backfill('a\u0001b.example.com'), {}, '--domains', /control/],
  ['a non-ASCII domain', backfill('bücher.example.com'), {}, '--domains', /non-ASCII/],
  ['a domain with a semicolon (SQL)', backfill('a.example.com;DROP TABLE cdn_src_traffic'), {}, '--domains', /whitespace|letters, digits/],
  ['a domain with a port', backfill('a.example.com:443'), {}, '--domains', /bare host name/],
  ['a domain given as a URL', backfill('https://a.example.com/'), {}, '--domains', /bare host name/],
  ['a domain of 300 characters', backfill(`${'a'.repeat(60)}.`.repeat(5) + 'com'), {}, '--domains', /longer than 253/],
  // Ranges.
  ['an impossible month', backfill(ok, '2026-13-01T00:00:00Z'), {}, '--from', /not a real date/],
  ['February 30', backfill(ok, '2026-02-30'), {}, '--from', /not a real date/],
  ['--to before --from', backfill(ok, to, from), {}, '--to', /must be after --from/],
  ['an empty range (--to = --from)', backfill(ok, from, from), {}, '--to', /must be after --from/],
  ['an unknown offset (-00:00)', backfill(ok, from.replace('Z', '-00:00')), {}, '--from', /offset -00:00/],
  ['an offset no place uses', backfill(ok, from.replace('Z', '+15:00')), {}, '--from', /offset \+15:00/],
  ['a relative word', backfill(ok, 'yesterday'), {}, '--from', /not a time cdn-etl reads/],
  ['a relative time without a unit', backfill(ok, '-7'), {}, '--from', /not a duration/],
  ['a range ending in the year 9999', backfill(ok, from, '9999-12-31'), {}, '--to', /future/],
  ['a range wholly in the future', backfill(ok, '2100-01-01', '2100-01-02'), {}, '--from', /future/],
  ['a --retry-failed id with SQL in it', ['backfill', '--retry-failed', "bf-x' OR '1'='1"], {}, '--retry-failed', /not a backfill id/],
  // Rates and sizes.
  ['--qps 0', [...backfill(ok), '--qps', '0'], {}, '--qps', /whole number/],
  ['--qps=-5', [...backfill(ok), '--qps=-5'], {}, '--qps', /whole number/],
  ['--qps 1.5', [...backfill(ok), '--qps', '1.5'], {}, '--qps', /whole number/],
  ['CDN_API_QPS=0', backfill(ok), { CDN_API_QPS: '0' }, 'CDN_API_QPS', /whole number/],
  ['CDN_API_QPS=-1', backfill(ok), { CDN_API_QPS: '-1' }, 'CDN_API_QPS', /whole number/],
  ['CDN_API_QPS=NaN', backfill(ok), { CDN_API_QPS: 'NaN' }, 'CDN_API_QPS', /whole number/],
  ['CDN_API_QPS=0 for a worker', ['worker'], { CDN_API_QPS: '0' }, 'CDN_API_QPS', /whole number/],
  ['--concurrency 0', [...backfill(ok), '--concurrency', '0'], {}, '--concurrency', /whole number/],
  ['--concurrency 100000', ['worker', '--concurrency', '100000'], {}, '--concurrency', /whole number/],
  // URLs in the environment.
  ['CDN_ENDPOINT with ftp://', backfill(ok), { CDN_ENDPOINT: 'ftp://cdn.example.com' }, 'CDN_ENDPOINT', /http:\/\/ or https:\/\//],
  ['CDN_ENDPOINT not a URL', backfill(ok), { CDN_ENDPOINT: 'cdn aliyuncs com' }, 'CDN_ENDPOINT', /not a valid URL/],
  ['CDN_ENDPOINT with credentials', backfill(ok), { CDN_ENDPOINT: 'http://user:pw@127.0.0.1:1' }, 'CDN_ENDPOINT', /credentials/],
  ['CDN_ENDPOINT with a path and query', backfill(ok), { CDN_ENDPOINT: 'http://127.0.0.1:1/x?Action=Evil' }, 'CDN_ENDPOINT', /bare origin/],
  ['REDIS_URL with http://', backfill(ok), { REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL', /redis:\/\//],
  ['REDIS_URL with database 99', backfill(ok), { REDIS_URL: 'redis://127.0.0.1:6379/99' }, 'REDIS_URL', /0 to 15/],
  ['QUESTDB_HTTP with javascript:', ['worker'], { QUESTDB_HTTP: 'javascript:alert(1)' }, 'QUESTDB_HTTP', /http:\/\/ or https:\/\//],
  // A command reads only the variables it uses (issue 16): `worker` never reads QUESTDB_PG, `gaps` does.
  ['QUESTDB_PG with mysql://', ['gaps', '--domains', ok, '--from', from, '--to', to], { QUESTDB_PG: 'mysql://root@127.0.0.1/x' }, 'QUESTDB_PG', /postgres:\/\//],
  ['CDN_ETL_REDIS_PREFIX with a glob', backfill(ok), { CDN_ETL_REDIS_PREFIX: 'a b*' }, 'CDN_ETL_REDIS_PREFIX', /letters, digits/],
];

describe('hostile input is refused before anything is touched (issue 8, item 6)', () => {
  beforeAll(requireBuild);

  // Each case has its own simulator and canaries, so a case that gets through is caught by itself.
  it.concurrent.each(CASES)('refuses %s: exit 2, names it, no API call, no connection to Redis or QuestDB', async (_name, argv, env, named, says) => {
    const sim: RunningSimulator = await startSimulator({ domains: [{ name: ok }] });
    const [redis, questHttp, questPg] = await Promise.all([startCanary(), startCanary(), startCanary()]);
    try {
      const run = await runCliProcess(
        argv,
        {
          ALIBABA_CLOUD_ACCESS_KEY_ID: DEMO_CREDENTIALS.accessKeyId,
          ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEMO_CREDENTIALS.accessKeySecret,
          CDN_ENDPOINT: sim.url,
          CDN_ETL_REDIS_PREFIX: reliabilityPrefix(),
          REDIS_URL: `redis://127.0.0.1:${redis.port}`,
          QUESTDB_HTTP: `http://127.0.0.1:${questHttp.port}`,
          QUESTDB_PG: `postgres://admin:quest@127.0.0.1:${questPg.port}/qdb`,
          LOG_LEVEL: 'info',
          ...env,
        },
        // A guard against a hang, not a claim about speed: four CLI processes start side by side here, and on
        // two busy cores each can take 20 s to load before it refuses its input.
        120_000,
      );
      const firstLine = run.stderr.split('\n')[0] ?? '';
      expect(firstLine).toContain(named);
      expect(firstLine).toMatch(says);
      // A sentence without the internal code; the code is in the JSON log line that follows.
      expect(firstLine).not.toContain('CDN_ETL_INVALID_ARGUMENT');
      expect(JSON.parse(run.stderr.split('\n')[1]!)).toMatchObject({ level: 50, code: 'CDN_ETL_INVALID_ARGUMENT' });
      // One clear line, no stack trace.
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.code).toBe(2);
      expect(sim.stats().calls).toBe(0);
      expect({ redis: redis.connections(), questdbHttp: questHttp.connections(), questdbPg: questPg.connections() }).toEqual({ redis: 0, questdbHttp: 0, questdbPg: 0 });
    } finally {
      await Promise.all([sim.close(), redis.close(), questHttp.close(), questPg.close()]);
    }
  });
});
