/**
 * The archive-mode sync scheduler on a virtual clock (`npm run bench:sync-schedule`): 36,000 domains for 8 days at
 * 10 calls/s (the account's limit at one call per domain-hour), passes every 5 minutes. Prints whether every 1-minute
 * slot was archived before it expired, the freshness lag (now - watermark at every pass start, every domain) as
 * p50/p95/max, the pass lengths, the quota used; then the same selection 5% over the quota, and the estimator's
 * figures for today's fresh mode on the same selection as the baseline. Pure: no servers, no timers.
 * Options after `--`: --domains N (36000), --days D (8), --qps Q (10), --every-min M (5), --over F (1.05).
 */
import { estimateSync } from '../src/sync/sync-estimate.js';
import { simulateArchiveSchedule, type ScheduleSimResult } from '../src/sync/sync-schedule-sim.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `d${String(i).padStart(6, '0')}.example.com`);
const hm = (ms: number): string => `${Math.floor(ms / HOUR)}h${String(Math.round((ms % HOUR) / MIN)).padStart(2, '0')}m`;

function run(label: string, domains: number, days: number, qps: number, everyMs: number): ScheduleSimResult {
  const started = performance.now();
  const r = simulateArchiveSchedule({ domains: names(domains), start: Date.UTC(2026, 11, 1), durationMs: days * DAY, callsPerSecond: qps, everyMs });
  const took = (performance.now() - started) / 1000;
  const used = r.calls / (qps * ((r.lastPassStart - Date.UTC(2026, 11, 1)) / 1000 + r.passMs.maxMs / 1000));
  console.log(`\n${label}: ${domains.toLocaleString('en-US')} domains, ${days} days, ${qps} calls/s, passes every ${everyMs / MIN} min (simulated in ${took.toFixed(1)} s)`);
  console.log(`  passes ${r.passes}, calls ${r.calls.toLocaleString('en-US')} (${(r.calls / domains / (days * 24)).toFixed(3)} per domain-hour, quota used ${used.toFixed(3)})`);
  console.log(`  1-minute hours archived ${r.archivedBlocks.toLocaleString('en-US')}, expired ${r.expiredBlocks}, fetched out of order ${r.outOfOrderBlocks}, provisional ${r.provisionalBlocks}, due but missed ${r.missedBlocks}`);
  console.log(`  freshness lag (now - watermark): p50 ${hm(r.lag.p50Ms)}, p95 ${hm(r.lag.p95Ms)}, max ${hm(r.lag.maxMs)}`);
  console.log(`  pass length: p50 ${(r.passMs.p50Ms / 1000).toFixed(0)} s, p95 ${(r.passMs.p95Ms / 1000).toFixed(0)} s, max ${(r.passMs.maxMs / 1000).toFixed(0)} s; busiest pass ${r.maxCallsPerPass.toLocaleString('en-US')} calls`);
  return r;
}

const domains = arg('domains', 36_000);
const days = arg('days', 8);
const qps = arg('qps', 10);
const everyMs = arg('every-min', 5) * MIN;
const over = arg('over', 1.05);

const main = run('archive mode', domains, days, qps, everyMs);
const verdict = main.expiredBlocks === 0 && main.missedBlocks === 0 && main.outOfOrderBlocks === 0 && main.provisionalBlocks === 0;
console.log(`  every 1-minute slot archived before it expired: ${verdict ? 'yes' : 'NO'}`);
const estimate = estimateSync({ archiveDomains: domains, freshDomains: 0, everyMs, lookbackMs: 30 * MIN, callsPerSecond: qps });
if (estimate.archiveWatermarkLagMaxMs !== undefined) {
  console.log(`  estimator's worst lag ${hm(estimate.archiveWatermarkLagMaxMs)}: simulated max / estimated ${(main.lag.maxMs / estimate.archiveWatermarkLagMaxMs).toFixed(3)}`);
}

run(`over the quota (x${over})`, Math.round(domains * over), days, qps, everyMs);

const fresh = estimateSync({ archiveDomains: 0, freshDomains: domains, everyMs, lookbackMs: 30 * MIN, callsPerSecond: qps });
console.log(`\nbaseline, fresh mode (today's sync) on the same selection, estimated:`);
console.log(
  `  ${fresh.freshCallsPerDomainHour.toFixed(2)} calls per domain-hour at the effective period of ${fresh.effectivePeriodMs === undefined ? 'none (no steady state)' : hm(fresh.effectivePeriodMs)}; ` +
    `watermark lag up to ${fresh.freshWatermarkLagMaxMs === undefined ? 'unbounded' : hm(fresh.freshWatermarkLagMaxMs)}; every 1-minute slot archived: ${fresh.archivesEveryFinestSlot ? 'yes' : 'no'}`,
);
const small = estimateSync({ archiveDomains: 0, freshDomains: 1500, everyMs, lookbackMs: 30 * MIN, callsPerSecond: qps });
console.log(`  the most fresh mode holds at its period: ~1,500 domains (${small.callsPerHour.toLocaleString('en-US')} calls/h, ${(small.quotaShare * 100).toFixed(1)}% of the quota): archive mode holds ${(domains / 1500).toFixed(0)}x as many`);
process.exit(verdict ? 0 : 1);
