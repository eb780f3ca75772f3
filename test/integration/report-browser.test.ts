/**
 * `cdn-etl report` end to end: rows with a hole made on purpose are loaded, the command writes the HTML
 * file and the text summary, and the file is opened in headless Chromium (Debian's package, driven by
 * playwright-core): it renders without any network, the chart has points, the coverage map shows the hole,
 * the console stays clean, and a screenshot goes to test-output/.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { TrafficLoader, type LoadRow } from '../../src/store/traffic-loader.js';
import { waitForRollups } from '../helpers/rollup-refresh.js';
import { QUESTDB_HTTP } from '../helpers/test-services.js';

const HTTP = QUESTDB_HTTP;
const OUT_DIR = resolve('test-output');
const CHROMIUM = '/usr/bin/chromium';
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY0 = Date.UTC(2025, 4, 10);
const FINAL = Date.UTC(2025, 5, 1);

const uid = randomUUID().slice(0, 8);
const P = `p.${uid}.report-test.example.com`;
const Q = `q.${uid}.report-test.example.com`;

/** P: 5-minute data with hours 06 and 07 missing and hour 20 fetched 10 minutes after its slots; Q: 1 minute then hourly. */
function rows(): LoadRow[] {
  const out: LoadRow[] = [];
  for (let h = 0; h < 24; h++) {
    if (h === 6 || h === 7) continue;
    for (let i = 0; i < 12; i++) {
      const ts = DAY0 + h * HOUR + i * 5 * MIN;
      out.push({ ts, domain: P, intervalS: 300, value: 300 * (1_000_000 + h * 10_000), fetchedAt: h === 20 ? ts + 10 * MIN : FINAL });
    }
  }
  for (let m = 0; m < 12 * 60; m++) out.push({ ts: DAY0 + m * MIN, domain: Q, intervalS: 60, value: 60 * 500_000, fetchedAt: FINAL });
  for (let h = 12; h < 24; h++) out.push({ ts: DAY0 + h * HOUR, domain: Q, intervalS: 3600, value: 3600 * 400_000, fetchedAt: FINAL });
  return out;
}

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = capture();
  const err = capture();
  const code = await main(argv, { stdout: out.stream, stderr: err.stream, signal: new AbortController().signal, env: { ...process.env } });
  return { code, stdout: out.text(), stderr: err.text() };
}

describe('cdn-etl report', () => {
  let browser: Browser;
  const file = join(OUT_DIR, `report-${uid}.html`);

  beforeAll(async () => {
    mkdirSync(OUT_DIR, { recursive: true });
    const loader = await TrafficLoader.create({ questdbHttp: HTTP });
    try {
      await loader.load(rows());
    } finally {
      await loader.close();
    }
    await waitForRollups(HTTP, { timeoutMs: 120_000 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('refuses bad input with exit 2, naming the flag, before touching anything', async () => {
    const cases: [string[], string][] = [
      [['--domains', P, '--from', '2025-05-10', '--out', file], '--to is required.'],
      [['--domains', 'not a domain', '--from', '2025-05-10', '--to', '2025-05-11', '--out', file], '--domains: invalid domain'],
      [['--domains', P, '--from', '2025-05-11', '--to', '2025-05-10', '--out', file], '--to must be after --from'],
      [['--domains', P, '--from', '2025-05-10T00:00:00-00:00', '--to', '2025-05-11', '--out', file], '--from: "2025-05-10T00:00:00-00:00" has the offset -00:00'],
      [['--domains', P, '--from', '2025-05-10', '--to', '2025-05-11', '--out', '/nonexistent-dir/r.html'], '--out: the folder'],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['report', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
      // The sentence carries no internal code; the JSON log line after it does.
      expect(r.stderr).not.toContain('[CDN_ETL_INVALID_ARGUMENT]');
      expect(JSON.parse(r.stderr.split('\n')[1]!)).toMatchObject({ level: 50, command: 'report', code: 'CDN_ETL_INVALID_ARGUMENT' });
    }
  });

  it('writes the HTML file and prints the summary with the hole and the provisional hour', async () => {
    const r = await runCli(['report', '--domains', `${P},${Q}`, '--from', '2025-05-10T00:00:00Z', '--to', '2025-05-11T00:00:00Z', '--out', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('cdn-etl report: 2 domain(s), 2025-05-10T00:00Z .. 2025-05-11T00:00Z (UTC, hourly cells)');
    expect(r.stdout).toContain(`${P}\n`);
    expect(r.stdout).toContain('  hourly cells: 21 complete, 1 provisional, 0 partial, 2 missing, 0 future\n  resolution used: 5 min x22\n  missing 2025-05-10T06:00Z .. 2025-05-10T08:00Z\n');
    expect(r.stdout).toContain('  hourly cells: 24 complete, 0 provisional, 0 partial, 0 missing, 0 future\n  resolution used: 1 min x12, 1 h x12\n');
    expect(r.stdout).toContain(`wrote ${file}`);
    expect(readFileSync(file, 'utf8')).toContain('<svg id="coverage-map"');
    // Figures from the seam-exact views, in bytes (the test installation's unit) and bit/s. P's true peak is its
    // busiest 5-minute slot (23:00, 1.23 MB/s); Q's its 1-minute slots (500 kB/s), above its hourly average.
    expect(r.stdout).toContain(`${P}\n  traffic 88.7 GB (88668000000 bytes), true peak 9.84 Mbit/s (finest resolution archived)\n  p95 2025-05 (UTC): 0 bit/s, 264 of 8928 5-minute points held, 446 dropped\n`);
    expect(r.stdout).toContain(`${Q}\n  traffic 38.9 GB (38880000000 bytes), true peak 4.00 Mbit/s (finest resolution archived)\n  p95 2025-05 (UTC): 0 bit/s, 144 of 8928 5-minute points held, 446 dropped\n`);
    // The account: both domains' 5-minute points summed (11:00 is P's 8.88 plus Q's 4 Mbit/s).
    expect(r.stdout).toContain('all domains\n  traffic 128 GB (127548000000 bytes), peak 12.9 Mbit/s (5-minute points summed over the domains)\n  p95 2025-05 (UTC): 0 bit/s, 288 of 8928 5-minute points held\n');
  });

  it('--tz with daily cells: the cells are local days', async () => {
    const daily = join(OUT_DIR, `report-${uid}-daily.html`);
    const r = await runCli(['report', '--domains', P, '--from', '2025-05-01T00:00:00Z', '--to', '2025-05-20T00:00:00Z', '--tz', 'Asia/Shanghai', '--out', daily]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('cdn-etl report: 1 domain(s), 2025-05-01 .. 2025-05-21 (Asia/Shanghai, daily cells)\n  (requested 2025-05-01 08:00 .. 2025-05-20 08:00, widened to whole days)\n');
    // 10 May in Shanghai is 9 May 16:00 .. 10 May 16:00 UTC: P's first 16 hours less its 2-hour hole; 11 May its last 8.
    expect(r.stdout).toContain(
      '  daily cells: 0 complete, 0 provisional, 2 partial, 18 missing, 0 future\n  resolution used: 5 min x2\n' +
        '  missing 2025-05-01 .. 2025-05-10\n  partial 2025-05-10 .. 2025-05-12\n  missing 2025-05-12 .. 2025-05-21\n',
    );
    const html = readFileSync(daily, 'utf8');
    expect([...html.matchAll(/data-status="partial" data-start="([^"]+)"/g)].map((m) => m[1])).toEqual(['2025-05-09T16:00:00.000Z', '2025-05-10T16:00:00.000Z']);
  });

  it('--tz Asia/Shanghai shows local times and billing months; a bad zone is refused with exit 2', async () => {
    const local = join(OUT_DIR, `report-${uid}-shanghai.html`);
    const r = await runCli(['report', '--domains', `${P},${Q}`, '--from', '2025-05-10T00:00:00Z', '--to', '2025-05-11T00:00:00Z', '--tz', 'Asia/Shanghai', '--out', local]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('cdn-etl report: 2 domain(s), 2025-05-10 08:00 .. 2025-05-11 08:00 (Asia/Shanghai, hourly cells)');
    expect(r.stdout).toContain('  missing 2025-05-10 14:00 .. 2025-05-10 16:00\n');
    expect(r.stdout).toContain('  p95 2025-05 (Asia/Shanghai): 0 bit/s, 264 of 8928 5-minute points held, 446 dropped\n');
    const html = readFileSync(local, 'utf8');
    expect(html).toContain('2025-05-10 08:00 .. 2025-05-11 08:00 Asia/Shanghai');
    const bad = await runCli(['report', '--domains', P, '--from', '2025-05-10', '--to', '2025-05-11', '--tz', 'Asia/Nowhere', '--out', local]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--tz is not a time zone');
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    try {
      const page = await context.newPage();
      await page.goto(pathToFileURL(local).href, { waitUntil: 'load' });
      // The chart fills the page width (1400 less the body's 24 px margins), with the total and the p95 line.
      expect((await page.locator('#traffic-chart').boundingBox())!.width).toBe(1400 - 48);
      expect(await page.locator('#traffic-chart g.total path').count()).toBe(1);
      expect(await page.locator('#traffic-chart g.p95 line.p95-line').count()).toBe(1);
      expect(await page.locator('#traffic-chart g.axis text').allTextContents()).toContain('2025-05-10 12:00');
      await page.screenshot({ path: join(OUT_DIR, 'report-asia-shanghai.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('renders in headless Chromium with no network, a chart with points, the hole in the map and a clean console', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    const consoleProblems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') consoleProblems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleProblems.push(`pageerror: ${e.message}`));
    page.on('request', (req) => {
      if (!req.url().startsWith('file:')) requests.push(req.url());
    });
    try {
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      expect(await page.title()).toContain('cdn-etl report');
      expect(await page.locator('h1').textContent()).toBe('Origin-pull traffic report');
      // 22 archived hours of P and 24 of Q.
      expect(await page.locator(`#traffic-chart g.series[data-domain="${P}"] circle.point`).count()).toBe(22);
      expect(await page.locator(`#traffic-chart g.series[data-domain="${Q}"] circle.point`).count()).toBe(24);
      const box = await page.locator('#traffic-chart').boundingBox();
      expect(box!.width).toBeGreaterThan(500);
      const pRow = page.locator(`#coverage-map g.coverage-row[data-domain="${P}"]`);
      expect(await pRow.locator('rect.cell').count()).toBe(24);
      expect(await pRow.locator('rect[data-status="missing"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-start')))).toEqual([
        '2025-05-10T06:00:00.000Z',
        '2025-05-10T07:00:00.000Z',
      ]);
      expect(await pRow.locator('rect[data-status="provisional"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-start')))).toEqual(['2025-05-10T20:00:00.000Z']);
      expect(await page.locator(`#coverage-map g.coverage-row[data-domain="${Q}"] rect[data-status="complete"]`).count()).toBe(24);
      // The hole is drawn in the missing colour, as the browser computed it.
      const fill = await pRow.locator('rect[data-status="missing"]').first().evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { fill: string } }).getComputedStyle(el).fill);
      expect(fill).toBe('rgb(198, 40, 40)');
      await page.screenshot({ path: join(OUT_DIR, 'report.png'), fullPage: true });
      expect(consoleProblems).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
