/**
 * Client-side token buckets, one per CoinEx endpoint group (exchange-api.md §3),
 * so the bot throttles itself instead of collecting 4213 "too frequent" errors.
 *
 * Callers queue per bucket (first come, first served) and each runs its
 * `stamp` callback the moment it gets its token: the request timestamp and
 * signature are made at the instant the request is admitted, so what the
 * server sees is spaced exactly as the bucket allows.
 */

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private queue: Promise<unknown> = Promise.resolve();

  /** A bucket that holds `capacity` tokens and refills `perSecond` tokens each second; starts full. */
  constructor(
    readonly capacity: number,
    readonly perSecond: number,
    private readonly clock: Clock,
  ) {
    if (!(capacity >= 1) || !(perSecond > 0)) throw new Error(`invalid token bucket: capacity ${capacity}, rate ${perSecond}/s`);
    this.tokens = capacity;
    this.updatedAt = clock.now();
  }

  /** Waits for a token, then runs `stamp` synchronously and returns its result. */
  admit<T>(stamp: () => T): Promise<T> {
    const turn = this.queue.then(async () => {
      await this.takeToken();
      return stamp();
    });
    // A failed stamp must not block the callers behind it.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.perSecond) / 1000);
    this.updatedAt = now;
  }

  private async takeToken(): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.clock.sleep(Math.ceil(((1 - this.tokens) * 1000) / this.perSecond));
    }
  }
}

/** CoinEx endpoint groups and their per-second limits (exchange-api.md §3; pending-position uses the stricter 10/s). */
export const COINEX_RATE_LIMITS = {
  order: 20,
  position: 10,
  account: 10,
  history: 10,
  public: 400,
} as const;

export type RateGroup = keyof typeof COINEX_RATE_LIMITS;

export class RateLimiter {
  private readonly buckets = new Map<RateGroup, TokenBucket>();

  constructor(clock: Clock, limits: Record<RateGroup, number> = COINEX_RATE_LIMITS) {
    for (const group of Object.keys(limits) as RateGroup[]) {
      const perSecond = limits[group];
      this.buckets.set(group, new TokenBucket(perSecond, perSecond, clock));
    }
  }

  admit<T>(group: RateGroup, stamp: () => T): Promise<T> {
    const bucket = this.buckets.get(group);
    if (!bucket) throw new Error(`no rate limit configured for group ${group}`);
    return bucket.admit(stamp);
  }
}
