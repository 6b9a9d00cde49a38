/**
 * A fixed-size ring of the last n inputs with running sums of x and x², both taken
 * relative to a shift K. It is the core of SMA and population stdev.
 *
 * Why the shift and the re-basing: sliding sums pick up one rounding error per
 * step, forever; and Σx²/n − mean² cancels catastrophically when the spread is tiny
 * next to the price. So every n additions the sums are recomputed exactly from the
 * ring around K = the newest value (and once at the second input, so the first window
 * is shifted too), which keeps both errors bounded (amortised O(1)).
 * Re-basing happens in `add` before the state is saved, never in `replace`, so
 * `add(a); replace(b)` is still bit-identical to `add(b)`.
 */
export class RollingWindow {
  readonly size: number;
  /** 1/size: a multiply is far cheaper than a divide, at most one ulp apart. */
  private readonly inverseSize: number;
  private readonly ring: Float64Array;
  /** Inputs added so far. */
  private count = 0;
  /** Slot of the last input. */
  private last = -1;
  private shift = 0;
  private sum = 0;
  private sumSq = 0;
  private addsSinceRebase = 0;
  // State before the last input.
  private sumBefore = 0;
  private sumSqBefore = 0;
  /** The input the last add pushed out of the window; the shift itself while filling (adds 0). */
  private evicted = 0;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`window size must be a positive integer, got ${size}`);
    this.size = size;
    this.inverseSize = 1 / size;
    this.ring = new Float64Array(size);
  }

  add(x: number): void {
    // Re-base at the second input too, so the first window is already shifted.
    if (this.addsSinceRebase >= this.size || this.count === 1) this.rebase();
    this.addsSinceRebase++;
    this.sumBefore = this.sum;
    this.sumSqBefore = this.sumSq;
    this.last = this.last + 1 === this.size ? 0 : this.last + 1;
    this.evicted = this.count >= this.size ? (this.ring[this.last] as number) : this.shift;
    this.count++;
    this.apply(x);
  }

  replace(x: number): void {
    if (this.count === 0) return this.add(x);
    this.apply(x);
  }

  private apply(x: number): void {
    this.ring[this.last] = x;
    const d = x - this.shift;
    const e = this.evicted - this.shift;
    this.sum = this.sumBefore - e + d;
    this.sumSq = this.sumSqBefore - e * e + d * d;
  }

  /** Recomputes the sums from the ring around the newest value. */
  private rebase(): void {
    const k = this.ring[this.last] as number;
    const filled = Math.min(this.count, this.size);
    let s = 0;
    let sq = 0;
    for (let i = 0; i < filled; i++) {
      const d = (this.ring[i] as number) - k;
      s += d;
      sq += d * d;
    }
    this.shift = k;
    this.sum = s;
    this.sumSq = sq;
    this.addsSinceRebase = 0;
  }

  get full(): boolean {
    return this.count >= this.size;
  }

  /** Mean of the window; NaN until it is full. */
  get mean(): number {
    return this.count >= this.size ? this.shift + this.sum * this.inverseSize : NaN;
  }

  /** Population (ddof 0) standard deviation of the window; NaN until it is full. */
  get stdev(): number {
    if (this.count < this.size) return NaN;
    const m = this.sum * this.inverseSize;
    const variance = this.sumSq * this.inverseSize - m * m;
    return variance > 0 ? Math.sqrt(variance) : 0;
  }
}
