/**
 * Client-side request-weight budget for Binance US (REQUEST_WEIGHT, default 1200 per
 * minute per IP). Going over earns 429s and then an IP ban (418), so the client
 * waits here before every request instead of finding out from the server.
 *
 * Two guards:
 * 1. Our own sliding window: the weights sent in the last `windowMs` never exceed
 *    `limit`. A sliding window is stricter than the exchange's per-minute counter,
 *    so staying inside it keeps us inside theirs.
 * 2. The server's own count (`X-MBX-USED-WEIGHT-1M`), which also includes anything
 *    else using this IP: once it reaches `slowDownAt` × limit, no request is sent
 *    until the next minute starts (plus a margin for clock skew).
 *
 * Requests are admitted one at a time in arrival order, so concurrent callers cannot
 * both see the last free unit.
 */
import type { Clock } from "./clock.ts";
import { systemClock } from "./clock.ts";

export interface WeightLimiterOptions {
  /** Weight allowed per window. Default 1200 (Binance US, documented 2023-09-06). */
  limit?: number;
  /** Window length in ms. Default 60 000. */
  windowMs?: number;
  /** Fraction of `limit` in the server-reported minute count at which we pause. Default 0.9. */
  slowDownAt?: number;
  /** Extra wait past the server's minute boundary, for clock skew. Default 1000 ms. */
  minuteMarginMs?: number;
  clock?: Clock;
}

const SERVER_MINUTE_MS = 60_000;

export class WeightLimiter {
  readonly limit: number;
  readonly windowMs: number;
  private readonly slowDownAt: number;
  private readonly minuteMarginMs: number;
  private readonly clock: Clock;
  private readonly sent: { at: number; weight: number }[] = [];
  private usedInWindowTotal = 0;
  private serverPauseUntil = 0;
  private turn: Promise<void> = Promise.resolve();

  constructor(options: WeightLimiterOptions = {}) {
    this.limit = options.limit ?? 1200;
    this.windowMs = options.windowMs ?? 60_000;
    this.slowDownAt = options.slowDownAt ?? 0.9;
    this.minuteMarginMs = options.minuteMarginMs ?? 1000;
    this.clock = options.clock ?? systemClock;
    if (!Number.isInteger(this.limit) || this.limit < 1) {
      throw new Error(`weight limiter: limit must be a whole number ≥ 1, got ${this.limit}`);
    }
    if (!(this.windowMs > 0)) throw new Error(`weight limiter: windowMs must be > 0, got ${this.windowMs}`);
    if (!(this.slowDownAt > 0 && this.slowDownAt <= 1)) {
      throw new Error(`weight limiter: slowDownAt must be in (0, 1], got ${this.slowDownAt}`);
    }
  }

  /**
   * Waits until `weight` fits in the budget, then books it. Rejects if `signal`
   * aborts while waiting (nothing is booked then).
   */
  acquire(weight = 1, signal?: AbortSignal): Promise<void> {
    if (!Number.isInteger(weight) || weight < 1 || weight > this.limit) {
      return Promise.reject(
        new Error(`weight limiter: a request of weight ${weight} can never fit a limit of ${this.limit}`),
      );
    }
    const mine = this.turn.then(() => this.waitForRoom(weight, signal));
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  /** Feeds the server's `X-MBX-USED-WEIGHT-1M` value back in. */
  observeServerUsedWeight(used: number): void {
    if (!Number.isFinite(used) || used < this.limit * this.slowDownAt) return;
    const now = this.clock.now();
    const nextMinute = Math.floor(now / SERVER_MINUTE_MS) * SERVER_MINUTE_MS + SERVER_MINUTE_MS;
    this.serverPauseUntil = Math.max(this.serverPauseUntil, nextMinute + this.minuteMarginMs);
  }

  /** Weight booked in the current window (for status pages and tests). */
  usedInWindow(): number {
    this.prune(this.clock.now());
    return this.usedInWindowTotal;
  }

  private async waitForRoom(weight: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw new Error("request cancelled while waiting for Binance US request weight");
      const now = this.clock.now();
      this.prune(now);
      if (now < this.serverPauseUntil) {
        await this.clock.sleep(this.serverPauseUntil - now, signal);
        continue;
      }
      if (this.usedInWindowTotal + weight <= this.limit) {
        this.sent.push({ at: now, weight });
        this.usedInWindowTotal += weight;
        return;
      }
      // Wait for just enough of the oldest bookings to leave the window.
      let remaining = this.usedInWindowTotal;
      let freeAt = now;
      for (const booking of this.sent) {
        remaining -= booking.weight;
        freeAt = booking.at + this.windowMs;
        if (remaining + weight <= this.limit) break;
      }
      await this.clock.sleep(Math.max(1, freeAt - now), signal);
    }
  }

  /** Drops bookings older than the window: a booking at `at` counts during [at, at + windowMs). */
  private prune(now: number): void {
    while (this.sent.length > 0 && this.sent[0]!.at + this.windowMs <= now) {
      this.usedInWindowTotal -= this.sent.shift()!.weight;
    }
  }
}
