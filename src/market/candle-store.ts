/**
 * The latest candles per symbol × timeframe, bounded: a ring buffer of closed candles
 * (capacity default 1000, oldest dropped first) plus the one forming candle.
 *
 * `apply` enforces the order a market source promises: closed candles strictly
 * ascending by open time, a forming candle never older than the newest closed one.
 * Anything else is refused with an error naming symbol, timeframe and times, instead
 * of quietly corrupting the series every indicator reads.
 */
import type { Candle, CandleUpdate, Timeframe } from "./candle.ts";
import { TIMEFRAME_MS } from "./candle.ts";
import { checkCandle } from "./candle-check.ts";
import { outOfOrder, seriesKey as key } from "./series-order.ts";

export interface CandleStoreOptions {
  /** Closed candles kept per symbol × timeframe. Default 1000. */
  capacity?: number;
}

/** Raised when an update would put a series out of order. */
export class CandleOrderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CandleOrderError";
  }
}

/** Fixed-size ring of candles, oldest first. */
class CandleRing {
  private readonly slots: (Candle | undefined)[];
  private head = 0;
  size = 0;

  constructor(private readonly capacity: number) {
    this.slots = new Array<Candle | undefined>(capacity);
  }

  push(candle: Candle): void {
    this.slots[(this.head + this.size) % this.capacity] = candle;
    if (this.size < this.capacity) this.size++;
    else this.head = (this.head + 1) % this.capacity;
  }

  last(): Candle | undefined {
    return this.size === 0 ? undefined : this.slots[(this.head + this.size - 1) % this.capacity];
  }

  toArray(): Candle[] {
    const out: Candle[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.slots[(this.head + i) % this.capacity]!);
    return out;
  }
}

interface Series {
  closed: CandleRing;
  forming: Candle | null;
}

export class CandleStore {
  readonly capacity: number;
  private readonly series = new Map<string, Series>();

  constructor(options: CandleStoreOptions = {}) {
    this.capacity = options.capacity ?? 1000;
    if (!Number.isInteger(this.capacity) || this.capacity < 1) {
      throw new Error(`candle store: capacity must be a whole number ≥ 1, got ${this.capacity}`);
    }
  }

  /**
   * Adds one update. Closed: appended (replacing the forming candle of the same open
   * time, dropping an older forming one). Forming: replaces the forming candle of the
   * same open time, or becomes the new forming candle. Throws on bad or out-of-order input.
   */
  apply(update: CandleUpdate): void {
    const { symbol, timeframe, closed } = update;
    if (typeof symbol !== "string" || symbol === "") throw new Error(`candle store: update without a symbol`);
    const size = TIMEFRAME_MS[timeframe as Timeframe];
    if (size === undefined) throw new Error(`candle store: ${symbol}: unknown timeframe ${JSON.stringify(timeframe)}`);
    if (typeof closed !== "boolean") throw new Error(`candle store: ${symbol} ${timeframe}: "closed" must be true or false`);
    const kind = closed ? "closed" : "forming";
    const candle = checkCandle(update.candle, `candle store: ${symbol} ${timeframe} ${kind} candle`);
    if (candle.t % size !== 0) {
      throw new Error(`candle store: ${symbol} ${timeframe} ${kind} candle t=${stamp(candle.t)} is not on a ${timeframe} boundary`);
    }
    const series = this.seriesFor(symbol, timeframe);
    const lastClosed = series.closed.last()?.t ?? null;
    const broken = outOfOrder(candle.t, lastClosed, series.forming?.t ?? null);
    if (broken) {
      const why = broken === "behind-closed" ? `the newest closed candle is already t=${stamp(lastClosed!)}` : `a newer candle t=${stamp(series.forming!.t)} is already forming`;
      throw new CandleOrderError(`candle store: ${symbol} ${timeframe} ${kind} candle t=${stamp(candle.t)} is out of order: ${why}`);
    }
    if (closed) {
      series.closed.push(candle);
      series.forming = null;
    } else {
      series.forming = candle;
    }
  }

  /** Closed candles, oldest first (with the forming one last when asked for and present). */
  candles(symbol: string, timeframe: Timeframe, options: { includeForming?: boolean } = {}): Candle[] {
    const series = this.series.get(key(symbol, timeframe));
    if (!series) return [];
    const out = series.closed.toArray();
    if (options.includeForming && series.forming) out.push(series.forming);
    return out;
  }

  /** The newest candle, forming or closed. */
  last(symbol: string, timeframe: Timeframe): Candle | undefined {
    const series = this.series.get(key(symbol, timeframe));
    return series?.forming ?? series?.closed.last();
  }

  /** The newest closed candle. */
  lastClosed(symbol: string, timeframe: Timeframe): Candle | undefined {
    return this.series.get(key(symbol, timeframe))?.closed.last();
  }

  /** The forming candle, if any. */
  forming(symbol: string, timeframe: Timeframe): Candle | null {
    return this.series.get(key(symbol, timeframe))?.forming ?? null;
  }

  /** The latest 5m close, forming candle included: the best "current price" the feed has. */
  lastPrice(symbol: string): number | undefined {
    return this.last(symbol, "5m")?.c;
  }

  /** Symbols with at least one candle. */
  symbols(): string[] {
    const out = new Set<string>();
    for (const k of this.series.keys()) out.add(k.split(" ")[0]!);
    return [...out];
  }

  private seriesFor(symbol: string, timeframe: Timeframe): Series {
    const k = key(symbol, timeframe);
    let series = this.series.get(k);
    if (!series) {
      series = { closed: new CandleRing(this.capacity), forming: null };
      this.series.set(k, series);
    }
    return series;
  }
}

function stamp(t: number): string {
  return `${t} (${new Date(t).toISOString()})`;
}
