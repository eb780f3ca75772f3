/** The terminal progress line and the status tables: pure formatting. */
import { describe, expect, it } from 'vitest';
import { formatEta as formatDuration } from '../../src/core/time-format.js';
import { progressLine, createProgressReporter, fitWidth, oneLine } from '../../src/ops/progress-bar.js';
import { describeRange, formatFailures, formatList, formatWarnings } from '../../src/commands/status.js';
import type { BackfillSummary } from '../../src/pipeline/backfill-store.js';
import { PassThrough } from 'node:stream';

const base = { total: 200, ended: 50, failed: 2, rows: 123456, calls: 60, throttles: 3, reused: 10 };

describe('formatDuration', () => {
  it.each([
    { ms: 0, text: '0s' },
    { ms: 12_400, text: '12s' },
    { ms: 185_000, text: '3m05s' },
    { ms: 3_720_000, text: '1h02m' },
  ])('$ms ms -> $text', ({ ms, text }) => expect(formatDuration(ms)).toBe(text));
});

describe('progressLine', () => {
  it.each([
    {
      name: 'a quarter done at 5 chunks/s',
      snapshot: base,
      rates: { callsPerS: 9.6, chunksPerS: 5 },
      text: '[###.........]  50/200 chunks  123,456 rows  9.6 calls/s  3 throttled  2 failed  10 reused  ETA 30s',
    },
    {
      name: 'no rate yet: unknown ETA',
      snapshot: base,
      rates: { callsPerS: 0, chunksPerS: 0 },
      text: '[###.........]  50/200 chunks  123,456 rows  0.0 calls/s  3 throttled  2 failed  10 reused  ETA ?',
    },
    {
      name: 'all ended',
      snapshot: { ...base, ended: 200 },
      rates: { callsPerS: 10, chunksPerS: 1 },
      text: '[############]  200/200 chunks  123,456 rows  10.0 calls/s  3 throttled  2 failed  10 reused  ETA 0s',
    },
  ])('$name', ({ snapshot, rates, text }) => {
    expect(progressLine(snapshot, rates, 102)).toBe(text);
  });

  it('plain mode writes a line at most every interval, and always at the end', () => {
    let t = 0;
    const stream = new PassThrough();
    let out = '';
    stream.on('data', (d: Buffer) => (out += d.toString()));
    const p = createProgressReporter({ stream, tty: false, plainIntervalMs: 5_000, now: () => t });
    p.update(base);
    t = 1_000;
    p.update({ ...base, ended: 60, calls: 70 });
    t = 6_000;
    p.update({ ...base, ended: 100, calls: 110 });
    p.finish({ ...base, ended: 200, calls: 210 });
    const lines = out.trim().split('\n');
    expect(lines.length).toBe(3);
    expect(lines[0]).toContain('50/200 chunks');
    expect(lines[1]).toContain('100/200 chunks  123,456 rows  8.3 calls/s');
    expect(lines[2]).toContain('200/200 chunks');
  });
});

function summary(over: Partial<BackfillSummary>): BackfillSummary {
  return {
    id: 'bf-20261129T1930Z-abc123',
    createdAt: Date.UTC(2026, 10, 29, 19, 30, 5),
    finishedAt: undefined,
    domains: ['a.example.com', 'b.example.com', 'c.example.com'],
    domainCount: 3,
    workClass: 'backfill',
    kind: 'grid',
    waiting: 0,
    halt: undefined,
    from: Date.UTC(2026, 10, 1),
    to: Date.UTC(2026, 10, 8),
    refetch: false,
    unavailable: [],
    total: 10,
    counts: { pending: 2, fetching: 1, loading: 0, loaded: 5, empty: 1, failed: 1, replanned: 0, refused: 0 },
    done: 6,
    ended: 7,
    calls: 8,
    throttles: 0,
    retries: 0,
    reused: 0,
    rows: 300,
    state: 'running',
    maxQps: undefined,
    callRate: 0,
    ...over,
  };
}

describe('status formatting', () => {
  it('describes a half-open range', () => {
    expect(describeRange(Date.UTC(2026, 10, 1), Date.UTC(2026, 10, 1, 0, 30))).toBe('[2026-11-01T00:00Z, 2026-11-01T00:30Z)');
  });

  it('lists backfills as an aligned table; re-planned chunks do not count in done/total', () => {
    const text = formatList([summary({}), summary({ id: 'bf-20261129T1800Z-zzz999', domains: ['a.example.com'], domainCount: 1, total: 4, counts: { pending: 0, fetching: 0, loading: 0, loaded: 3, empty: 0, failed: 0, replanned: 1, refused: 0 }, done: 3, state: 'done' })]);
    expect(text.split('\n')).toEqual([
      'ID                        CREATED               RANGE                                   DOMAINS                         DONE  FAILED  STATE',
      'bf-20261129T1930Z-abc123  2026-11-29T19:30:05Z  [2026-11-01T00:00Z, 2026-11-08T00:00Z)  a.example.com,b.example.com +1  6/10  1       running',
      'bf-20261129T1800Z-zzz999  2026-11-29T19:30:05Z  [2026-11-01T00:00Z, 2026-11-08T00:00Z)  a.example.com                   3/3   0       done',
      '',
    ]);
  });

  it('names each failed domain and range with its code', () => {
    const chunk = { id: 'x', domain: 'gone.example.com', intervalS: 60, start: Date.UTC(2026, 10, 1, 10), end: Date.UTC(2026, 10, 1, 11), callStart: 0, callEnd: 0 };
    expect(formatFailures([{ chunk, code: 'InvalidDomain.NotFound', message: 'InvalidDomain.NotFound: The domain\nwas not found', at: 0 }])).toBe(
      'failed chunks (1):\n  gone.example.com [2026-11-01T10:00Z, 2026-11-01T11:00Z) 60s  InvalidDomain.NotFound  The domain was not found\n',
    );
    expect(formatFailures([])).toBe('');
  });
});

/** A fake terminal: records writes, has columns, and can be resized. */
function terminal(columns: number): PassThrough & { columns: number; isTTY: true; text: () => string } {
  const stream = Object.assign(new PassThrough(), { columns, isTTY: true as const, text: () => out });
  let out = '';
  stream.on('data', (d: Buffer) => (out += d.toString()));
  return stream;
}

/** What a terminal shows after the writes: \r returns to column 0, ESC[K clears the rest of the line. */
function screen(raw: string): string[] {
  const lines: string[] = [''];
  for (const part of raw.split(/(\r|\n|\x1b\[K)/)) {
    if (part === '\r') lines[lines.length - 1] = '\u0000' + lines[lines.length - 1]!;
    else if (part === '\n') lines.push('');
    else if (part === '\x1b[K') lines[lines.length - 1] = lines[lines.length - 1]!.startsWith('\u0000') ? '\u0000' : lines[lines.length - 1]!;
    else lines[lines.length - 1] = lines[lines.length - 1]!.startsWith('\u0000') ? part : lines[lines.length - 1]! + part;
  }
  return lines.map((l) => l.replace(/^\u0000/, ''));
}

describe('progress bar on a terminal (issue 16)', () => {
  const wide = { ...base, rows: 1_234_567_890, throttles: 12_345, reused: 99_999, failed: 1_234 };
  it.each([40, 60, 80, 100, 160])('never reaches the last column of a %i-column terminal', (columns) => {
    const line = progressLine(wide, { callsPerS: 123.4, chunksPerS: 0.01 }, columns, 'bf-20261206T1807Z-abc123 ');
    expect(line.length).toBeLessThan(columns);
    expect(line).toContain('50/200 chunks');
  });

  it('drops the least useful fields first: at 80 columns reused, throttled and calls/s go; chunks, failed and ETA stay', () => {
    const line = progressLine(wide, { callsPerS: 9.6, chunksPerS: 5 }, 80);
    expect(line).toBe('[###.......]  50/200 chunks  1,234,567,890 rows  1234 failed  ETA 30s');
  });

  it('cuts only a label wider than the terminal, with an ellipsis', () => {
    expect(progressLine(base, { callsPerS: 0, chunksPerS: 0 }, 20, 'x'.repeat(40))).toBe(`${'x'.repeat(18)}…`);
  });

  it('redraws in place, fitted to the new width after a resize, and ends with one new line', () => {
    const tty = terminal(160);
    const p = createProgressReporter({ stream: tty, now: () => 0 });
    p.update(wide);
    tty.columns = 50;
    tty.emit('resize');
    p.finish({ ...wide, ended: 200 });
    const shown = screen(tty.text());
    expect(shown).toHaveLength(2);
    expect(shown[0]!.length).toBeLessThan(50);
    expect(shown[0]).toContain('200/200 chunks');
    expect(shown[1]).toBe('');
    expect(tty.text().split('\r').filter((w) => w !== '').every((w) => w.replace(/\x1b\[K/, '').length < 160)).toBe(true);
  });

  it('prints log lines above the bar, one line each and never glued to it, then redraws the bar', () => {
    const tty = terminal(60);
    const p = createProgressReporter({ stream: tty, now: () => 0 });
    p.update(base);
    p.log('[18:35:06Z] WARN: failed {\n  "domain": "a.example.com"\n}');
    p.logStream.write('[18:35:07Z] WARN: a second line that is far too long for a sixty column terminal, so it is cut\n');
    p.update({ ...base, ended: 60 });
    const shown = screen(tty.text());
    expect(shown).toEqual([
      '[18:35:06Z] WARN: failed { "domain": "a.example.com" }',
      '[18:35:07Z] WARN: a second line that is far too long for a…',
      expect.stringContaining('60/200 chunks'),
    ]);
    expect(shown[0]!.length).toBeLessThan(61);
  });

  it('colours only when asked: green bar, red failures; the width ignores the colour codes', () => {
    const plain = terminal(80);
    createProgressReporter({ stream: plain, now: () => 0 }).update(base);
    expect(plain.text()).not.toMatch(/\x1b\[3\dm/);
    const colored = terminal(80);
    createProgressReporter({ stream: colored, now: () => 0, color: true }).update(base);
    expect(colored.text()).toContain('\x1b[32m[');
    expect(colored.text()).toContain('\x1b[31m2 failed\x1b[0m');
    expect(colored.text().replace(/\x1b\[\d*m/g, '').replace('\r\x1b[K', '')).toBe(plain.text().replace('\r\x1b[K', ''));
  });

  it('keeps warnings for the closing summary, each once with a count', () => {
    const p = createProgressReporter({ stream: terminal(80), now: () => 0 });
    p.noteWarning('chunk failed');
    p.noteWarning('Redis does not answer;\nwaiting');
    p.noteWarning('chunk failed');
    expect(formatWarnings(p.warnings)).toBe('warnings during the run (3):\n  chunk failed (2 times)\n  Redis does not answer; waiting\n');
    expect(formatWarnings([])).toBe('');
  });

  it('fitWidth and oneLine', () => {
    expect(fitWidth('abcdef', 5)).toBe('abc…');
    expect(fitWidth('abc', 5)).toBe('abc');
    expect(fitWidth('\x1b[31mabcdef\x1b[0m', 5)).toBe('\x1b[31mabc…\x1b[0m');
    expect(oneLine('a\r\n  b\nc  ')).toBe('a b c');
  });
});

describe('a run that waits behind other work says so (issue 16)', () => {
  it('names the other runs on the line, and drops nothing else for it on a wide terminal', () => {
    const s = { total: 10, ended: 2, failed: 0, rows: 120, calls: 2, throttles: 0, reused: 0 };
    expect(progressLine({ ...s, waitingBehind: 2 }, { callsPerS: 0, chunksPerS: 0 }, 200)).toContain('waiting behind 2 other runs');
    expect(progressLine({ ...s, waitingBehind: 1 }, { callsPerS: 0, chunksPerS: 0 }, 200)).toContain('waiting behind 1 other run');
    expect(progressLine(s, { callsPerS: 0, chunksPerS: 0 }, 200)).not.toContain('waiting');
    // On 80 columns it outranks the counters that matter less.
    expect(progressLine({ ...s, waitingBehind: 3 }, { callsPerS: 0, chunksPerS: 0 }, 80)).toContain('waiting behind 3 other runs');
  });
});
