/**
 * The stop of a long-running command (`worker`, `sync`) on SIGINT/SIGTERM: wait for the close of its workers at
 * most `--drain-timeout` seconds, then give the close up. During a Redis or QuestDB outage a close can wait forever
 * (a job's last state cannot be written, a batch cannot be flushed); an operator's stop must not. Jobs still in
 * flight are not lost: their locks expire and another worker takes them again.
 */
import type { Logger } from '../core/logger.js';
import { EXIT_FAILED } from './command.js';

/** Seconds a stopping process waits for its chunks in flight (compose gives 60 s before SIGKILL). */
export const DEFAULT_DRAIN_S = 45;
/** Exit code of a stop whose drain did not end in time. */
export const EXIT_DRAIN_TIMEOUT = EXIT_FAILED;

/**
 * Waits for `closing` at most `drainS` seconds. True when it ended in time; false after calling `abandon()` and
 * logging why (the close is left to run, its failure ignored).
 *
 * @example if (!(await drainWithin(runtime.close(), 45, () => runtime.abandon(), logger))) return EXIT_DRAIN_TIMEOUT;
 */
export async function drainWithin(closing: Promise<void>, drainS: number, abandon: () => void, logger: Logger): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const drained = await Promise.race([
    closing.then(() => true),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), drainS * 1000))),
  ]);
  clearTimeout(timer);
  if (drained) return true;
  closing.catch(() => undefined);
  abandon();
  logger.error({ drainTimeoutS: drainS }, `drain timeout of ${drainS} s passed: chunks still in flight go back to the queue when their lock expires`);
  return false;
}
