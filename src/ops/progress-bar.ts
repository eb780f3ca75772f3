/**
 * Terminal progress for a running backfill: a redrawn one-line bar on a TTY (chunks done/total, rows, calls per
 * second, throttles, ETA), otherwise a plain line every few seconds. Fed with bookkeeping summaries; no I/O of
 * its own beyond writing to the given stream.
 */
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
}

export interface ProgressOptions {
  readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Force the bar (true) or plain lines (false); default: bar when the stream is a TTY. */
  readonly tty?: boolean;
  /** Plain mode: one line at most this often, ms (default 5000). */
  readonly plainIntervalMs?: number;
  readonly label?: string;
  readonly now?: () => number;
}

export interface ProgressReporter {
  update(snapshot: ProgressSnapshot): void;
  /** Leaves the last bar on screen (TTY) or writes a last plain line. */
  finish(snapshot: ProgressSnapshot): void;
}

/** Rate and ETA from a sliding window of snapshots, pure. */
export function progressLine(snapshot: ProgressSnapshot, rates: { callsPerS: number; chunksPerS: number }, width: number): string {
  const { total, ended } = snapshot;
  const fraction = total === 0 ? 1 : ended / total;
  const barWidth = Math.max(10, Math.min(30, width - 90));
  const filled = Math.round(fraction * barWidth);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]`;
  const remaining = total - ended;
  const eta = remaining === 0 ? '0s' : rates.chunksPerS > 0 ? formatEta((remaining / rates.chunksPerS) * 1000) : '?';
  return (
    `${bar} ${ended}/${total} chunks  ${snapshot.rows.toLocaleString('en-US')} rows  ` +
    `${rates.callsPerS.toFixed(1)} calls/s  ${snapshot.throttles} throttled  ${snapshot.failed} failed  ` +
    `${snapshot.reused} reused  ETA ${eta}`
  );
}

export function createProgressReporter(options: ProgressOptions): ProgressReporter {
  const now = options.now ?? Date.now;
  const tty = options.tty ?? options.stream.isTTY === true;
  const plainIntervalMs = options.plainIntervalMs ?? 5_000;
  const label = options.label ? `${options.label} ` : '';
  // Rates over the last ~10 s of snapshots.
  const window: Array<{ at: number; calls: number; ended: number }> = [];
  let lastPlain = Number.NEGATIVE_INFINITY;

  const rates = (s: ProgressSnapshot): { callsPerS: number; chunksPerS: number } => {
    const t = now();
    window.push({ at: t, calls: s.calls, ended: s.ended });
    while (window.length > 2 && t - window[0]!.at > 10_000) window.shift();
    const first = window[0]!;
    const dt = (t - first.at) / 1000;
    return dt > 0 ? { callsPerS: (s.calls - first.calls) / dt, chunksPerS: (s.ended - first.ended) / dt } : { callsPerS: 0, chunksPerS: 0 };
  };

  return {
    update(s) {
      const r = rates(s);
      if (tty) {
        options.stream.write(`\r\x1b[K${label}${progressLine(s, r, options.stream.columns ?? 120)}`);
      } else if (now() - lastPlain >= plainIntervalMs) {
        lastPlain = now();
        options.stream.write(`${label}${progressLine(s, r, 0)}\n`);
      }
    },
    finish(s) {
      const r = rates(s);
      options.stream.write(tty ? `\r\x1b[K${label}${progressLine(s, r, options.stream.columns ?? 120)}\n` : `${label}${progressLine(s, r, 0)}\n`);
    },
  };
}
