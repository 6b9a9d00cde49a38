/**
 * Rolling maximum / minimum over the last n inputs with a monotonic deque
 * (amortised O(1) per input).
 *
 * Why the deque holds every input except the last: `replace` changes only the last
 * input, and a deque that had already absorbed it could not take it back (it may
 * have popped older entries). So the deque covers the closed part of the window and
 * the last input is combined with its front at read time, which makes `replace` a
 * single assignment.
 *
 * The minimum is the maximum of the negated inputs, negated back: negation is exact
 * in floating point, and one specialised loop is faster than a direction flag.
 */
import { nullIfNaN, type StreamingIndicator } from "./indicator.ts";

export class RollingMax implements StreamingIndicator<number, number> {
  readonly period: number;
  // Deque as a power-of-two ring: values and the input index each came from.
  private readonly values: Float64Array;
  private readonly indexes: Int32Array;
  private readonly mask: number;
  /** Ring position of the front, and the deque length. */
  private head = 0;
  private length = 0;
  private count = 0;
  private lastInput = NaN;

  constructor(period: number) {
    if (!Number.isInteger(period) || period < 1) throw new Error(`window size must be a positive integer, got ${period}`);
    this.period = period;
    let capacity = 1;
    while (capacity < period) capacity *= 2;
    this.mask = capacity - 1;
    this.values = new Float64Array(capacity);
    this.indexes = new Int32Array(capacity);
  }

  add(x: number): void {
    const values = this.values;
    const mask = this.mask;
    const head = this.head;
    const count = this.count;
    let tail = head + this.length; // one past the back, unwrapped
    if (count > 0) {
      // The previous last input is final now: it joins the deque, dropping every
      // entry it dominates from the back (they can never be the maximum again).
      const v = this.lastInput;
      while (tail > head && (values[(tail - 1) & mask] as number) <= v) tail--;
      values[tail & mask] = v;
      this.indexes[tail & mask] = count - 1;
      tail++;
    }
    this.count = count + 1;
    this.lastInput = x;
    // The window is now inputs count−n+1 … count; indexes grow by one per add, so at
    // most the front entry can have fallen out.
    let front = head;
    if (front < tail && (this.indexes[front & mask] as number) <= count - this.period) front++;
    this.head = front & mask;
    this.length = tail - front;
  }

  replace(x: number): void {
    if (this.count === 0) return this.add(x);
    this.lastInput = x;
  }

  /** The maximum of the window, NaN until it has n inputs. */
  get raw(): number {
    if (this.count < this.period) return NaN;
    const x = this.lastInput;
    if (this.length === 0) return x;
    const front = this.values[this.head] as number;
    return front > x ? front : x;
  }

  get value(): number | null {
    return nullIfNaN(this.raw);
  }

  get isStable(): boolean {
    return this.count >= this.period;
  }
}

/** Lowest of the last n inputs: −max(−x). */
export class RollingMin implements StreamingIndicator<number, number> {
  private readonly negated: RollingMax;

  constructor(period: number) {
    this.negated = new RollingMax(period);
  }

  add(x: number): void {
    this.negated.add(-x);
  }

  replace(x: number): void {
    this.negated.replace(-x);
  }

  get raw(): number {
    return -this.negated.raw;
  }

  get value(): number | null {
    return nullIfNaN(this.raw);
  }

  get isStable(): boolean {
    return this.negated.isStable;
  }
}
