/**
 * Every worker process keeps the windows of all unfinished backfills topped up, now and then, besides the top-up
 * that follows each chunk's end: so a backfill never stalls because the process that submitted it, or the one that
 * was refilling it, died. It also sweeps: chunks of a window that lost their job are queued again, and finished or
 * halted backfills leave the active set.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../core/logger.js';
import type { BackfillStore } from './backfill-store.js';
import type { BackfillWindow } from './backfill-window.js';

export interface WindowKeeperOptions {
  readonly store: BackfillStore;
  readonly window: BackfillWindow;
  /** How often the windows are looked at, ms (default 5 s). */
  readonly everyMs?: number;
  /** How often lost jobs are looked for, ms (default 30 s). */
  readonly sweepEveryMs?: number;
  /** How long a chunk may sit in a window without a job before it is queued again, ms. */
  readonly staleMs?: number;
  readonly logger?: Logger | undefined;
}

export interface WindowKeeper {
  /** One round now (tests, and the first round at start). */
  round(sweep: boolean): Promise<void>;
  stop(): Promise<void>;
}

export function startWindowKeeper(options: WindowKeeperOptions): WindowKeeper {
  const { store, window, logger } = options;
  const everyMs = options.everyMs ?? 5_000;
  const sweepEvery = Math.max(1, Math.round((options.sweepEveryMs ?? 30_000) / everyMs));
  let ticks = 0;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  const workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const round = async (sweep: boolean): Promise<void> => {
    // `status` tells a running backfill that no worker advances (interrupted) by these beats.
    await store.beat(workerId, Date.now());
    for (const id of await store.active()) {
      if (stopped) return;
      const m = await store.meta(id);
      if (!m || m.halt_code || (m.finished_at && Number(m.cursor) >= Number(m.size))) {
        await store.deactivate(id);
        continue;
      }
      await window.fill(id);
      if (sweep) await window.sweep(id, options.staleMs);
    }
  };
  // A first round at once: the heartbeat, and any window left short by a process that died.
  running = round(false).catch((err: unknown) => logger?.warn({ err: (err as Error).message }, 'could not keep the backfill windows topped up; trying again'));
  const timer = setInterval(() => {
    ticks += 1;
    running = running
      .then(() => round(ticks % sweepEvery === 0))
      .catch((err: unknown) => logger?.warn({ err: (err as Error).message }, 'could not keep the backfill windows topped up; trying again'));
  }, everyMs);
  timer.unref();
  return {
    round,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      // A worker that stops cleanly advances nothing from now on: `status` need not wait for its beat to age.
      await store.silence(workerId).catch(() => undefined);
    },
  };
}
