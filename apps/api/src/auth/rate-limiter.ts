/**
 * A token bucket per key: `ratePerSecond` tokens a second, holding up to twice that, so a
 * client may burst after a quiet spell but not sustain more than its rate.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly capacity: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly now: () => number = () => performance.now(),
    /** Buckets untouched this long are full again and are dropped. */
    private readonly idleMs = 60_000,
  ) {
    this.capacity = ratePerSecond * 2;
  }

  /** Takes a token for `key`; answers 0 when allowed, else the seconds until one is free. */
  take(key: string): number {
    const at = this.now();
    const tokens = this.tokensAt(key, at);
    if (tokens >= 1) {
      this.buckets.set(key, { tokens: tokens - 1, at });
      if (this.buckets.size > 10_000) this.sweep(at);
      return 0;
    }
    this.buckets.set(key, { tokens, at });
    return Math.max(1, Math.ceil((1 - tokens) / this.ratePerSecond));
  }

  /** The seconds until `key` has a token, without taking one; 0 when it has one now. */
  waitFor(key: string): number {
    const tokens = this.tokensAt(key, this.now());
    return tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - tokens) / this.ratePerSecond));
  }

  private tokensAt(key: string, at: number): number {
    const bucket = this.buckets.get(key);
    return bucket
      ? Math.min(this.capacity, bucket.tokens + ((at - bucket.at) / 1000) * this.ratePerSecond)
      : this.capacity;
  }

  private sweep(at: number): void {
    for (const [key, bucket] of this.buckets) {
      if (at - bucket.at > this.idleMs) this.buckets.delete(key);
    }
  }
}
