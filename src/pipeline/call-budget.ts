/**
 * The call budget (issue 17): an operator caps what one backfill or the sync may take of the account's quota
 * (`--max-qps N`, stored in the backfill's or pass's meta as `max_qps`); the rest is shared by priority. The fetch
 * stage asks the budget before the pacer: each backfill keeps a bounded record of its recent calls in Redis
 * (call-budget.lua, atomic across workers), and a chunk whose backfill already spent its N calls in the last second
 * is delayed, without using an attempt, to a reserved time when the cap allows it. The same record tells `status`
 * who is spending the quota (calls per second over the last RATE_WINDOW_MS).
 *
 * budgetSlot() is the decision call-budget.lua makes, kept pure here so that it is unit tested; the Lua mirrors it.
 */

/** How long the record keeps calls: the window `status` reports a rate over. */
export const CALL_RECORD_MS = 10_000;
/** The rate `status` shows is over this window. */
export const RATE_WINDOW_MS = CALL_RECORD_MS;
/** Most entries one record keeps: above MAX_QPS_CAP for one second, the window's reservations, and 10 s of history. */
export const CALL_RECORD_MAX = 4_096;
/** The highest `--max-qps` accepted (well above any account's quota; keeps a second inside the bounded record). */
export const MAX_QPS_CAP = 1_000;

/**
 * When a call of a backfill capped at `cap` calls per second may go, given the times (ms, ascending) of its calls
 * and reservations after `now - 1000`: `now` while fewer than `cap` are there, else the first time after the last
 * one at which the second before it holds fewer than `cap`. Any one-second window of a record built this way holds
 * at most `cap` entries. `cap` 0 or less: no cap. Pure.
 */
export function budgetSlot(recent: readonly number[], cap: number, now: number): number {
  if (cap <= 0 || recent.length < cap) return now;
  const oldest = recent[recent.length - cap]!;
  return Math.max(now, recent[recent.length - 1]!, oldest + 1000);
}

/** The most calls of a record (times in ms, any order) inside any one-second window (t - 1000, t]. Pure. */
export function busiestSecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let i = 0; i < sorted.length; i += 1) {
    while (sorted[first]! <= sorted[i]! - 1000) first += 1;
    most = Math.max(most, i - first + 1);
  }
  return most;
}

/** Calls per second from a count over RATE_WINDOW_MS. */
export function callRate(calls: number): number {
  return calls / (RATE_WINDOW_MS / 1000);
}

/** `max_qps` of a meta hash: a positive cap, or undefined for none. */
export function maxQpsOf(meta: Readonly<Record<string, string | undefined>>): number | undefined {
  const n = Number(meta.max_qps ?? 0);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}
