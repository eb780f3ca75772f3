/**
 * The account's per-second quota, as strict as the real one: at most `qps` calls are accepted per
 * calendar second of arrival; every further call in that second is throttled. Pure: the arrival
 * time is a parameter.
 */
export class QuotaGate {
  private second = Number.NaN;
  private accepted = 0;

  constructor(readonly qps: number) {}

  /** True when a call arriving at `now` (epoch ms) is within the quota; it is then counted. */
  admit(now: number): boolean {
    const second = Math.floor(now / 1000);
    if (second !== this.second) {
      this.second = second;
      this.accepted = 0;
    }
    if (this.accepted >= this.qps) return false;
    this.accepted += 1;
    return true;
  }
}
