/**
 * Circuit breaker: trips when the exchange keeps failing, so no new order goes
 * out until the owner has looked (the caller writes the lockfile with reason,
 * time and count; only the dashboard's Clear resets it).
 *
 * Two counts, because a read and an order fail for different reasons and a
 * working read says nothing about whether orders work:
 * - `reads`: consecutive failed reads (balance, positions, market info, price).
 *   A successful read resets it.
 * - `orders`: consecutive failed order calls (leverage, open, exchange-side
 *   stops). ONLY a filled order resets it; reads never do, nor does a leverage
 *   or stop call that went through. Each cycle starts with reads, so with one
 *   shared count ten cycles that each ended in a rejected order would never
 *   have tripped it.
 * It trips when either count reaches the threshold (and again at every further
 * multiple of it, so a breaker the owner cleared trips again if it goes on).
 */
export type CallKind = "read" | "order";

export class CircuitBreaker {
  private counts: Record<CallKind, number> = { read: 0, order: 0 };
  private lastError: string | null = null;

  /** The larger of the two counts (what the lockfile and the page report). */
  get failures(): number {
    return Math.max(this.counts.read, this.counts.order);
  }

  failuresOf(kind: CallKind): number {
    return this.counts[kind];
  }

  get lastFailure(): string | null {
    return this.lastError;
  }

  recordSuccess(kind: CallKind): void {
    this.counts[kind] = 0;
    if (this.failures === 0) this.lastError = null;
  }

  /** Returns true exactly when this failure reaches the threshold (or a multiple of it). */
  recordFailure(kind: CallKind, message: string, threshold: number): boolean {
    this.counts[kind] += 1;
    this.lastError = message;
    const count = this.counts[kind];
    return count >= threshold && count % threshold === 0;
  }

  reset(): void {
    this.counts = { read: 0, order: 0 };
    this.lastError = null;
  }
}
