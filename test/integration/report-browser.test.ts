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
import { waitUntilVisible } from '../../src/store/wal-visibility.js';
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
      out.push({ ts, domain: P, intervalS: 300, bits: 300 * (1_000_000 + h * 10_000), fetchedAt: h === 20 ? ts + 10 * MIN : FINAL });
    }
  }
  for (let m = 0; m < 12 * 60; m++) out.push({ ts: DAY0 + m * MIN, domain: Q, intervalS: 60, bits: 60 * 500_000, fetchedAt: FINAL });
  for (let h = 12; h < 24; h++) out.push({ ts: DAY0 + h * HOUR, domain: Q, intervalS: 3600, bits: 3600 * 400_000, fetchedAt: FINAL });
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
    await waitUntilVisible(HTTP, 'cdn_src_traffic');
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
      [['--domains', P, '--from', '2025-05-10', '--out', file], '--to: is required'],
      [['--domains', 'not a domain', '--from', '2025-05-10', '--to', '2025-05-11', '--out', file], '--domains: invalid domain'],
      [['--domains', P, '--from', '2025-05-11', '--to', '2025-05-10', '--out', file], '--to: must be after --from'],
      [['--domains', P, '--from', '2025-05-10T00:00:00+08:00', '--to', '2025-05-11', '--out', file], '--from:'],
      [['--domains', P, '--from', '2025-05-10', '--to', '2025-05-11', '--out', '/nonexistent-dir/r.html'], '--out: the folder'],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['report', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain('[CDN_ETL_INVALID_ARGUMENT]');
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
