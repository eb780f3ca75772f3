/**
 * Terminal progress for a running backfill. On a terminal: one line, redrawn in place, never wider than the
 * terminal (fields of least use are dropped first, so the line never wraps into a stack of stale copies), redrawn
 * when the terminal is resized; log lines go above it, one line each, never glued to it (`log`). Elsewhere: a plain
 * line every few seconds. Warnings seen during the run are kept for the closing summary (`warnings`). Colours only
 * when the caller says so (NO_COLOR/FORCE_COLOR are decided by core/terminal-color.ts). Fed with bookkeeping
 * summaries; no I/O of its own beyond writing to the given stream.
 *
 * Why not cli-progress: its single bar has no way to print a line above itself, and it crops a line by characters
 * (cutting through colour codes), where dropping whole fields keeps the line readable at 80 columns.
 */
import { Writable } from 'node:stream';
import { formatEta } from '../core/time-format.js';

/** What the progress needs from a backfill summary. */
export interface ProgressSnapshot {
  readonly total: number;
  readonly ended: number;
  readonly failed: number;
  readonly rows: number;
  readonly calls: number;
  readonly throttles: number;
  readonly reused: number;
  /** Other runs (backfills, sync passes) whose queued chunks this run's wait behind: said, never silent. */
  readonly waitingBehind?: number | undefined;
}

export type ProgressStream = NodeJS.WritableStream & {
  isTTY?: boolean;
  columns?: number;
  on?(event: 'resize', listener: () => void): unknown;
  off?(event: 'resize', listener: () => void): unknown;
};

export interface ProgressOptions {
  readonly stream: ProgressStream;
  /** Force the bar (true) or plain lines (false); default: bar when the stream is a TTY. */
  readonly tty?: boolean;
  /** Colour the bar (default false). */
  readonly color?: boolean;
  /** Plain mode: one line at most this often, ms (default 5000). */
  readonly plainIntervalMs?: number;
  readonly label?: string;
  readonly now?: () => number;
}

export interface ProgressReporter {
  update(snapshot: ProgressSnapshot): void;
  /** Leaves the last bar on screen (TTY) or writes a last plain line, and stops following resizes. */
  finish(snapshot: ProgressSnapshot): void;
  /** Prints `text` above the bar as one line (new lines folded into spaces), then redraws the bar. */
  log(text: string): void;
  /** Remembers a warning for the closing summary (a logger prints it; see core/logger.ts onWarning). */
  noteWarning(text: string): void;
  /** The warnings seen so far, in order. */
  readonly warnings: readonly string[];
  /** A stream for a logger's pretty output: each line written goes through `log`. */
  readonly logStream: Writable;
}

interface Rates {
  readonly callsPerS: number;
  readonly chunksPerS: number;
}

const ESC = '\x1b[';
const GREEN = `${ESC}32m`;
const RED = `${ESC}31m`;
const RESET = `${ESC}0m`;

/**
 * The progress line for a terminal `width` columns wide (0: no limit), at most width - 1 characters so that the
 * cursor never wraps. Fields are dropped from the least useful (reused) up to the ETA; the bar narrows first.
 * Pure.
 */
export function progressLine(snapshot: ProgressSnapshot, rates: Rates, width: number, label = ''): string {
  return fitLine(progressFields(snapshot, rates, width), width, label).text;
}

interface Field {
  readonly text: string;
  /** Lower stays longer. */
  readonly rank: number;
  readonly color?: string;
}

function progressFields(snapshot: ProgressSnapshot, rates: Rates, width: number): Field[] {
  const { total, ended } = snapshot;
  const fraction = total === 0 ? 1 : ended / total;
  const barWidth = width === 0 ? 12 : Math.max(10, Math.min(30, width - 90));
  const filled = Math.round(fraction * barWidth);
  const remaining = total - ended;
  const eta = remaining === 0 ? '0s' : rates.chunksPerS > 0 ? formatEta((remaining / rates.chunksPerS) * 1000) : '?';
  return [
    { text: `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]`, rank: 2, color: GREEN },
    { text: `${ended}/${total} chunks`, rank: 0 },
    { text: `${snapshot.rows.toLocaleString('en-US')} rows`, rank: 3 },
    { text: `${rates.callsPerS.toFixed(1)} calls/s`, rank: 4 },
    { text: `${snapshot.throttles} throttled`, rank: 5 },
    { text: `${snapshot.failed} failed`, rank: 1, ...(snapshot.failed > 0 ? { color: RED } : {}) },
    { text: `${snapshot.reused} reused`, rank: 6 },
    { text: `ETA ${eta}`, rank: 1 },
    ...(snapshot.waitingBehind ? [{ text: `waiting behind ${snapshot.waitingBehind} other run${snapshot.waitingBehind === 1 ? '' : 's'}`, rank: 1 }] : []),
  ];
}

/** Joins the fields that fit in width - 1 columns (dropping the highest rank first); plain text and coloured. */
function fitLine(fields: readonly Field[], width: number, label: string): { text: string; colored: string } {
  const limit = width > 0 ? width - 1 : Number.POSITIVE_INFINITY;
  let kept = [...fields];
  const join = (fs: readonly Field[]): string => label + fs.map((f) => f.text).join('  ');
  while (kept.length > 1 && join(kept).length > limit) {
    const worst = Math.max(...kept.map((f) => f.rank));
    const at = kept.map((f) => f.rank).lastIndexOf(worst);
    kept = kept.filter((_, i) => i !== at);
  }
  let text = join(kept);
  let colored = label + kept.map((f) => (f.color ? `${f.color}${f.text}${RESET}` : f.text)).join('  ');
  if (text.length > limit) {
    // Only a label wider than the terminal gets here: cut it, plainly (no colour to cut through).
    text = `${text.slice(0, Math.max(0, limit - 1))}…`;
    colored = text;
  }
  return { text, colored };
}

/** `text` cut to width - 1 visible columns with an ellipsis; colour codes do not count and are never cut through. */
export function fitWidth(text: string, width: number): string {
  const limit = width - 1;
  // eslint-disable-next-line no-control-regex
  const parts = text.split(/(\x1b\[[0-9;]*m)/);
  let visible = 0;
  let out = '';
  for (const part of parts) {
    if (part.startsWith('\x1b[')) {
      out += part;
      continue;
    }
    if (visible + part.length <= limit) {
      out += part;
      visible += part.length;
      continue;
    }
    out += `${part.slice(0, Math.max(0, limit - visible - 1))}…${text.includes('\x1b[') ? RESET : ''}`;
    return out;
  }
  return out;
}

/** One line of text for above the bar: no new lines, no carriage returns, no trailing blanks. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trimEnd();
}

export function createProgressReporter(options: ProgressOptions): ProgressReporter {
  const now = options.now ?? Date.now;
  const stream = options.stream;
  const tty = options.tty ?? stream.isTTY === true;
  const color = options.color === true;
  const plainIntervalMs = options.plainIntervalMs ?? 5_000;
  const label = options.label ? `${options.label} ` : '';
  const warnings: string[] = [];
  // Rates over the last ~10 s of snapshots.
  const window: Array<{ at: number; calls: number; ended: number }> = [];
  let lastPlain = Number.NEGATIVE_INFINITY;
  let last: { snapshot: ProgressSnapshot; rates: Rates } | undefined;
  let drawn = false;
  let finished = false;

  const rates = (s: ProgressSnapshot): Rates => {
    const t = now();
    window.push({ at: t, calls: s.calls, ended: s.ended });
    while (window.length > 2 && t - window[0]!.at > 10_000) window.shift();
    const first = window[0]!;
    const dt = (t - first.at) / 1000;
    return dt > 0 ? { callsPerS: (s.calls - first.calls) / dt, chunksPerS: (s.ended - first.ended) / dt } : { callsPerS: 0, chunksPerS: 0 };
  };

  const bar = (): string => {
    if (!last) return '';
    const width = stream.columns ?? 80;
    const line = fitLine(progressFields(last.snapshot, last.rates, width), width, label);
    return color ? line.colored : line.text;
  };
  const draw = (): void => {
    if (!last || finished) return;
    stream.write(`\r${ESC}K${bar()}`);
    drawn = true;
  };
  const onResize = (): void => draw();
  if (tty) stream.on?.('resize', onResize);

  const log = (text: string): void => {
    const line = oneLine(text);
    if (tty && drawn && !finished) {
      // Cut to the width too: a wrapped line above a redrawn bar is how stacks of stale bars start. The closing
      // summary and the JSON log hold every detail.
      stream.write(`\r${ESC}K${fitWidth(line, stream.columns ?? 80)}\n`);
      draw();
    } else {
      stream.write(`${line}\n`);
    }
  };

  const logStream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      for (const line of String(chunk).split('\n')) if (line.trim() !== '') log(line);
      callback();
    },
  });

  return {
    update(s) {
      // Waiting behind other work is said at once, not at the next plain line.
      const newlyWaiting = (s.waitingBehind ?? 0) > 0 && (last?.snapshot.waitingBehind ?? 0) === 0;
      last = { snapshot: s, rates: rates(s) };
      if (tty) {
        draw();
      } else if (newlyWaiting || now() - lastPlain >= plainIntervalMs) {
        lastPlain = now();
        stream.write(`${label}${progressLine(s, last.rates, 0)}\n`);
      }
    },
    finish(s) {
      last = { snapshot: s, rates: rates(s) };
      if (tty) {
        draw();
        stream.write('\n');
        stream.off?.('resize', onResize);
      } else {
        stream.write(`${label}${progressLine(s, last.rates, 0)}\n`);
      }
      finished = true;
    },
    log,
    noteWarning(text) {
      warnings.push(oneLine(text));
    },
    warnings,
    logStream,
  };
}
