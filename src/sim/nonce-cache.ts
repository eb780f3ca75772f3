/**
 * Remembers signature nonces per access key long enough to refuse a replay: a request is only
 * accepted within the clock tolerance either side of the server's clock, so a nonce older than twice
 * that tolerance can be forgotten. Memory stays proportional to the call rate, not to the run time.
 */

export class NonceCache {
  private readonly seen = new Set<string>();
  /** Insertion order is expiry order, since every entry lives equally long. */
  private readonly expiries: { key: string; at: number }[] = [];
  private head = 0;

  /** @param retentionMs how long a nonce is remembered (default 30 min: twice the 15-min tolerance) */
  constructor(private readonly retentionMs = 30 * 60_000) {}

  /** Records the nonce; false when this key already used it within the retention time. */
  use(accessKeyId: string, nonce: string, now: number): boolean {
    this.prune(now);
    const key = `${accessKeyId}\n${nonce}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    this.expiries.push({ key, at: now + this.retentionMs });
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private prune(now: number): void {
    while (this.head < this.expiries.length && this.expiries[this.head]!.at <= now) {
      this.seen.delete(this.expiries[this.head]!.key);
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.expiries.length) {
      this.expiries.splice(0, this.head);
      this.head = 0;
    }
  }
}
