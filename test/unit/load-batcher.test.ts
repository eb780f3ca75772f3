import { describe, expect, it } from 'vitest';
import type { TrafficRow } from '../../src/core/model.js';
import type { LedgerEntry } from '../../src/store/chunk-ledger.js';
import { LoadBatcher } from '../../src/pipeline/load-batcher.js';

/** A row sink that keeps what each flush wrote, in order. */
class RecordingSink {
  readonly loads: TrafficRow[][] = [];
  async load(rows: readonly TrafficRow[]): Promise<void> {
    this.loads.push([...rows]);
  }
}

function rows(domain: string, n: number): TrafficRow[] {
  return Array.from({ length: n }, (_, i) => ({ ts: Date.UTC(2026, 10, 1) + i * 60_000, domain, intervalS: 60, value: i }));
}

function entry(domain: string): LedgerEntry {
  const start = Date.UTC(2026, 10, 1);
  return { domain, intervalS: 60, start, end: start + 3_600_000, rows: 60, fetchedAt: start + 86_400_000, final: true };
}

/** Resolves after pending timers of 0 ms and every promise they started. */
const turn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('LoadBatcher flush timing (group commit)', () => {
  it('writes a lone chunk after a quiet moment at once, not after maxWaitMs', async () => {
    const sink = new RecordingSink();
    const recorded: LedgerEntry[][] = [];
    // A wait of an hour: the submit below can only resolve if the idle batcher flushed without it.
    const batcher = new LoadBatcher(sink, { maxWaitMs: 3_600_000, ledger: { record: async (e) => void recorded.push([...e]) } });
    await batcher.submit(rows('a.example.com', 60), entry('a.example.com'));
    expect(batcher.flushes).toBe(1);
    expect(sink.loads).toEqual([rows('a.example.com', 60)]);
    expect(recorded).toEqual([[entry('a.example.com')]]);
  });

  it('holds rows that come within maxWaitMs of the last flush for the next one, which takes them together', async () => {
    let now = 1_000_000;
    const sink = new RecordingSink();
    const batcher = new LoadBatcher(sink, { maxWaitMs: 3_600_000, now: () => now });
    await batcher.submit(rows('a.example.com', 2));
    now += 10;
    const second = batcher.submit(rows('b.example.com', 2));
    const third = batcher.submit(rows('c.example.com', 2));
    await turn();
    // Busy: nothing written until the next flush is due.
    expect(batcher.flushes).toBe(1);
    expect(sink.loads).toHaveLength(1);
    await batcher.drain();
    await Promise.all([second, third]);
    expect(batcher.flushes).toBe(2);
    expect(sink.loads[1]).toEqual([...rows('b.example.com', 2), ...rows('c.example.com', 2)]);
  });

  it('flushes at once again once maxWaitMs has passed since the last flush began', async () => {
    let now = 1_000_000;
    const sink = new RecordingSink();
    const batcher = new LoadBatcher(sink, { maxWaitMs: 250, now: () => now });
    await batcher.submit(rows('a.example.com', 1));
    now += 250;
    await batcher.submit(rows('b.example.com', 1));
    expect(batcher.flushes).toBe(2);
    expect(sink.loads).toEqual([rows('a.example.com', 1), rows('b.example.com', 1)]);
  });

  it('gives rows handed over in the same turn one flush, and flushes at maxRows without waiting', async () => {
    const sink = new RecordingSink();
    const together = new LoadBatcher(sink, { maxWaitMs: 3_600_000 });
    await Promise.all(['a', 'b', 'c'].map((d) => together.submit(rows(`${d}.example.com`, 3))));
    expect(together.flushes).toBe(1);
    expect(sink.loads[0]).toHaveLength(9);
    const full = new LoadBatcher(sink, { maxWaitMs: 3_600_000, maxRows: 4 });
    await full.submit(rows('d.example.com', 1));
    await full.submit(rows('e.example.com', 4));
    expect(full.flushes).toBe(2);
  });
});
