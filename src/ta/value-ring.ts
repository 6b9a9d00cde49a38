/**
 * The last n inputs, newest replaceable, read by how far back they are. The scanner
 * keeps 5m closes in one for the 24h change and the sparkline.
 */
export class ValueRing {
  readonly size: number;
  private readonly ring: Float64Array;
  private last = -1;
  private count = 0;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`ring size must be a positive integer, got ${size}`);
    this.size = size;
    this.ring = new Float64Array(size);
  }

  add(x: number): void {
    this.last = this.last + 1 === this.size ? 0 : this.last + 1;
    this.ring[this.last] = x;
    this.count++;
  }

  replace(x: number): void {
    if (this.count === 0) return this.add(x);
    this.ring[this.last] = x;
  }

  /** How many values are held (at most `size`). */
  get length(): number {
    return this.count < this.size ? this.count : this.size;
  }

  /** The value `back` inputs before the newest (0 = newest); NaN when not held. */
  at(back: number): number {
    if (back < 0 || back >= this.length) return NaN;
    let i = this.last - back;
    if (i < 0) i += this.size;
    return this.ring[i] as number;
  }

  /** The newest `n` values (fewer while filling), oldest first. */
  latest(n: number): number[] {
    const k = Math.min(n, this.length);
    const out = new Array<number>(k);
    for (let j = 0; j < k; j++) out[j] = this.at(k - 1 - j);
    return out;
  }
}
