/**
 * The account's per-second quota, as strict as the real one: at most `qps` calls are accepted per
 * calendar second of arrival; every further call in that second is throttled. Other programs on the same
 * account (the console, other tools) spend the same quota: a competing consumer's calls of a second are
 * counted as spent as soon as it starts, the way a client with a fixed-window limiter bursts at the start
 * of each second, so only the rest is left for the caller. Pure: the arrival time is a parameter.
 */
export class QuotaGate {
  private second = Number.NaN;
  private accepted = 0;
  private elsewhere = 0;

  constructor(readonly qps: number) {}

  /**
   * True when a call arriving at `now` (epoch ms) is within the quota; it is then counted. `spentElsewhere`:
   * calls of this second another program on the account spends (a competing consumer).
   *
   * @example new QuotaGate(10).admit(Date.now(), 4) // true: 6 of the second's 10 are left
   */
  admit(now: number, spentElsewhere = 0): boolean {
    const second = Math.floor(now / 1000);
    if (second !== this.second) {
      this.second = second;
      this.accepted = 0;
      this.elsewhere = 0;
    }
    // Calls the other program made this second stay spent even if it stops within the second.
    this.elsewhere = Math.max(this.elsewhere, spentElsewhere);
    if (this.accepted + this.elsewhere >= this.qps) return false;
    this.accepted += 1;
    return true;
  }
}
