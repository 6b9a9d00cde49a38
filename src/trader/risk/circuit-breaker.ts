/**
 * Circuit breaker: counts consecutive failed exchange calls. Any success resets
 * the count; reaching the threshold trips it once, and the caller writes the
 * lockfile (reason, time, count) so no new order goes out until the owner
 * clears it from the dashboard.
 */
export class CircuitBreaker {
  private consecutive = 0;
  private lastError: string | null = null;

  get failures(): number {
    return this.consecutive;
  }

  get lastFailure(): string | null {
    return this.lastError;
  }

  recordSuccess(): void {
    this.consecutive = 0;
    this.lastError = null;
  }

  /** Returns true exactly when this failure reaches the threshold. */
  recordFailure(message: string, threshold: number): boolean {
    this.consecutive += 1;
    this.lastError = message;
    return this.consecutive === threshold || (this.consecutive > threshold && this.consecutive % threshold === 0);
  }

  reset(): void {
    this.recordSuccess();
  }
}
