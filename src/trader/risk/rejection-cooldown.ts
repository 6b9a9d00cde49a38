/**
 * One coin the exchange keeps refusing (delisted, trading halted, code 4117 …)
 * must not cost every other coin its turn, nor be retried forever: after
 * `limit` rejections in a row a coin rests for `cooldownMs`. A success clears
 * its count. Kept in memory: a restart gives every coin a fresh try.
 */
export interface RejectionState {
  symbol: string;
  rejections: number;
  last_error: string;
  /** ms; null while the coin is not resting. */
  until: number | null;
}

export class RejectionCooldown {
  private readonly coins = new Map<string, RejectionState>();

  constructor(
    readonly limit = 2,
    readonly cooldownMs = 60 * 60_000,
  ) {}

  /** Why `symbol` may not be ordered now, or null. */
  blocked(symbol: string, now: number): string | null {
    const state = this.coins.get(symbol);
    if (!state || state.until === null || now >= state.until) return null;
    const minutes = Math.ceil((state.until - now) / 60_000);
    return `rejected ${state.rejections}× in a row (last: ${state.last_error}); resting ${minutes} more min`;
  }

  /** Records a rejection; returns true when it starts a cooldown. */
  rejected(symbol: string, error: string, now: number): boolean {
    const previous = this.coins.get(symbol);
    // After a rest is over the coin starts counting again from its next rejection.
    const fresh = !previous || (previous.until !== null && now >= previous.until);
    const rejections = fresh ? 1 : previous.rejections + 1;
    const until = rejections >= this.limit ? now + this.cooldownMs : null;
    this.coins.set(symbol, { symbol, rejections, last_error: error, until });
    return rejections === this.limit;
  }

  succeeded(symbol: string): void {
    this.coins.delete(symbol);
  }

  /** Coins resting now, for the page. */
  resting(now: number): RejectionState[] {
    return [...this.coins.values()].filter((s) => s.until !== null && now < s.until);
  }
}
