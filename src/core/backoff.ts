/**
 * The one backoff: exponential from `baseMs`, doubled per failure, capped at `maxMs`, then jittered so several
 * clients that failed together do not come back together. Pure; the random number is injected for tests.
 *
 * Two jitters, for two kinds of caller: `equal` (half fixed, half random: never retries at once, for the loader
 * whose QuestDB is down) and `full` (uniform below the ceiling, for API retries that add a server's retry-after).
 */
export type Jitter = 'equal' | 'full';

export interface BackoffPolicy {
  /** Wait ceiling for the first retry, before jitter. */
  readonly baseMs: number;
  /** No single wait is longer than this. */
  readonly maxMs: number;
  /** Default `equal`. */
  readonly jitter?: Jitter;
}

/**
 * Wait before the next attempt after `failures` failed attempts (1 = the first failure). `random` is in [0, 1).
 *
 * @example backoffDelayMs(1, { baseMs: 250, maxMs: 15000 }, 0) // 125
 * @example backoffDelayMs(3, { baseMs: 500, maxMs: 30000, jitter: 'full' }, 0.5) // 1000
 */
export function backoffDelayMs(failures: number, policy: BackoffPolicy, random: number): number {
  // Exponent capped so 2^n stays finite; the ceiling is reached long before.
  const exponent = Math.max(0, Math.min(failures - 1, 52));
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  if (policy.jitter === 'full') return Math.floor((random >= 0 && random < 1 ? random : 0) * ceiling);
  return Math.round(ceiling / 2 + (ceiling / 2) * Math.min(Math.max(random, 0), 1));
}
