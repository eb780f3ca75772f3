#!/usr/bin/env node
// The main job on built-in defaults (`npm run demo`, after `npm run services:up`): start the local API
// simulator, apply the migrations, backfill the simulator's online domains over the last days at the finest
// tiers the API still has, then print what was loaded and a query to try. Runs the compiled CLI (dist/), so
// what it shows is exactly what `npx cdn-etl ...` does.
import { main } from '../dist/cli.js';
import { DEFAULT_SIM_DOMAINS, DEMO_CREDENTIALS, startSimulator } from '../dist/sim/simulator.js';
import { QuestDbPg } from '../dist/store/questdb-pg.js';
import { loadConfig } from '../dist/core/config.js';
import { formatBandwidth, formatTraffic } from '../dist/report/report-format.js';

const DAYS = Number(process.env.CDN_ETL_DEMO_DAYS ?? 3);
const HOUR = 3_600_000;

function fail(message) {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(2);
}

if (!Number.isInteger(DAYS) || DAYS < 1 || DAYS > 180) fail('CDN_ETL_DEMO_DAYS must be a whole number of days from 1 to 180');

const credentials = {
  accessKeyId: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID || DEMO_CREDENTIALS.accessKeyId,
  accessKeySecret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET || DEMO_CREDENTIALS.accessKeySecret,
};
const simulator = await startSimulator({ port: 0, credentials });
const env = {
  ...process.env,
  CDN_ENDPOINT: simulator.url,
  ALIBABA_CLOUD_ACCESS_KEY_ID: credentials.accessKeyId,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: credentials.accessKeySecret,
};
const domains = DEFAULT_SIM_DOMAINS.filter((d) => (d.status ?? 'online') === 'online').map((d) => d.name);
// Whole hours, ending at the last hour the API has fully published.
const to = Math.floor(Date.now() / HOUR) * HOUR;
const from = to - DAYS * 24 * HOUR;
const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');

process.stderr.write(`demo: API simulator on ${simulator.url}; domains ${domains.join(', ')}; ${iso(from)} to ${iso(to)}\n`);
let code = 0;
try {
  code = await main(['migrate'], { env });
  if (code === 0) {
    code = await main(['backfill', '--domains', domains.join(','), '--from', iso(from), '--to', iso(to)], { env });
  }
} finally {
  await simulator.close();
}
if (code !== 0) {
  process.stderr.write(`demo: stopped with exit code ${code}\n`);
  process.exit(code);
}

const config = loadConfig(env);
const pg = new QuestDbPg({ url: config.questdbPg });
try {
  const placeholders = domains.map((_, i) => `$${i + 3}`).join(', ');
  const rows = await pg.query(
    `SELECT domain, interval_s, count() AS slots, min(ts) AS first_slot, max(ts) AS last_slot, sum(value) AS value
     FROM cdn_src_traffic WHERE ts >= $1 AND ts < $2 AND domain IN (${placeholders}) ORDER BY domain, interval_s`,
    [new Date(from).toISOString(), new Date(to).toISOString(), ...domains],
  );
  process.stdout.write('\nLoaded into QuestDB table cdn_src_traffic:\n');
  // Totals in human units beside the raw figure: the value's unit is the installation's (CDN_VALUE_UNIT).
  const bytesPerValue = config.valueUnit === 'bit' ? 1 / 8 : 1;
  process.stdout.write(`  ${'domain'.padEnd(20)} ${'interval'.padStart(8)} ${'slots'.padStart(7)}  first slot            last slot             traffic (raw sum of value, ${config.valueUnit}s), average rate\n`);
  for (const r of rows) {
    const bytes = Number(r.value) * bytesPerValue;
    const seconds = Number(r.slots) * Number(r.interval_s);
    const rate = seconds > 0 ? formatBandwidth((bytes * 8) / seconds) : '-';
    process.stdout.write(
      `  ${String(r.domain).padEnd(20)} ${`${r.interval_s}s`.padStart(8)} ${String(r.slots).padStart(7)}  ${iso(Number(r.first_slot))}  ${iso(Number(r.last_slot))}  ${formatTraffic(bytes)} (${Math.round(Number(r.value))}), ${rate}\n`,
    );
  }
  process.stdout.write(
    [
      '',
      `Try it in the web console (${config.questdbHttp}) or with ${psqlHint(config.questdbPg)}:`,
      '',
      "  SELECT ts, domain, bytes, avg_bps, peak_bps FROM cdn_src_traffic_1h_best WHERE ts > dateadd('d', -1, now());",
      '',
      'More queries: docs/QUERIES.md. Backfill status: npx cdn-etl status',
      '',
    ].join('\n'),
  );
} finally {
  await pg.close();
}

/** The psql command for the configured QUESTDB_PG; the password is named only when it is QuestDB's public default. */
function psqlHint(pgUrl) {
  const url = new URL(pgUrl);
  const db = url.pathname.replace(/^\//, '') || 'qdb';
  const password = url.password === '' ? 'PGPASSWORD' : decodeURIComponent(url.password) === 'quest' ? 'password quest' : 'the password in QUESTDB_PG';
  return `psql -h ${url.hostname} -p ${url.port || '5432'} -U ${decodeURIComponent(url.username) || 'admin'} ${db} (${password})`;
}
