/**
 * Exchange-side triggers of the paper exchange, checked on every price update
 * between trader cycles: which prices a position has met since it was last
 * checked (from 5m candle events, forming or closed), and which trigger, if
 * any, those prices hit.
 *
 * A forming candle's high and low include prices from before the last check
 * (and before a position was opened or its stops were set). Counting those
 * again would fire stops on prices the position never saw, so each update is
 * compared with the previous one of the same candle: only a new high or low,
 * and the way from the previous close to the new close, are prices met since.
 * This assumes the price moves continuously between two updates.
 */
import type { PositionSide } from "./types.ts";

/** One candle event as the market feed reports it; `t` is the candle's open time. */
export interface MarketUpdate {
  symbol: string;
  t: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

/** The prices a position met since the last check. */
export interface PriceRange {
  low: number;
  high: number;
  /**
   * The open of a candle that began after the last check, else null. A stop
   * that this open is already beyond was jumped over (a gap) and fills here.
   */
  gapOpen: number | null;
}

interface Seen {
  /** Open time of the last candle observed, null when only an anchor price is known. */
  t: number | null;
  high: number;
  low: number;
  close: number;
  /** When an anchor (a fill, a stop change) was set since the last observation. */
  anchoredAt: number | null;
}

/** What this exchange last saw of each symbol's price, to tell new prices from old ones. */
export class PricePaths {
  private readonly seen = new Map<string, Seen>();

  /** Records `update` and returns the prices met since the previous observation; null for a stale (older candle) update. */
  observe(update: MarketUpdate): PriceRange | null {
    const prev = this.seen.get(update.symbol);
    let range: PriceRange;
    if (!prev) {
      // Nothing seen since this process started: only the current price is surely new.
      range = point(update.close);
    } else if (prev.t !== null && update.t < prev.t) {
      return null;
    } else if (prev.t !== null && update.t === prev.t) {
      range = {
        low: Math.min(prev.close, update.close, update.low < prev.low ? update.low : Number.POSITIVE_INFINITY),
        high: Math.max(prev.close, update.close, update.high > prev.high ? update.high : Number.NEGATIVE_INFINITY),
        gapOpen: null,
      };
    } else if (prev.anchoredAt !== null && update.t < prev.anchoredAt) {
      // A candle first seen now that began before the anchor: its extremes may predate it.
      range = { low: Math.min(prev.close, update.close), high: Math.max(prev.close, update.close), gapOpen: null };
    } else {
      range = { low: update.low, high: update.high, gapOpen: update.open };
    }
    const sameCandle = prev !== undefined && prev.t === update.t;
    this.seen.set(update.symbol, {
      t: update.t,
      high: Math.max(update.high, update.close, sameCandle ? prev.high : Number.NEGATIVE_INFINITY),
      low: Math.min(update.low, update.close, sameCandle ? prev.low : Number.POSITIVE_INFINITY),
      close: update.close,
      anchoredAt: null,
    });
    return range;
  }

  /**
   * Marks `price` at time `at` as where the position's path starts (a fill, a
   * stop change): extremes seen before it belong to the past.
   */
  anchor(symbol: string, price: number, at: number): void {
    const prev = this.seen.get(symbol);
    this.seen.set(
      symbol,
      prev
        ? { t: prev.t, close: price, high: Math.max(prev.high, price), low: Math.min(prev.low, price), anchoredAt: at }
        : { t: null, close: price, high: price, low: price, anchoredAt: at },
    );
  }
}

export function point(price: number): PriceRange {
  return { low: price, high: price, gapOpen: null };
}

export interface TriggerLevels {
  side: PositionSide;
  liquidation_price: number | null;
  stop_loss_price: number | null;
  take_profit_price: number | null;
}

export type Trigger =
  | { kind: "liquidation"; price: number }
  /** `price`: what the closing market order fills from (before slippage): the trigger, or the gap open. */
  | { kind: "stop_loss" | "take_profit"; price: number };

/**
 * The trigger `range` hits, checked in this order: liquidation, stop-loss,
 * take-profit. Both stops touched in one update → the stop-loss (we cannot
 * tell which came first; assume the worse). A long's liquidation and
 * stop-loss are hit at or below their price, its take-profit at or above;
 * a short mirrors this.
 */
export function findTrigger(levels: TriggerLevels, range: PriceRange): Trigger | null {
  const long = levels.side === "long";
  const againstUs = (level: number) => (long ? range.low <= level : range.high >= level);
  const forUs = (level: number) => (long ? range.high >= level : range.low <= level);
  const gapped = (level: number, hit: (open: number) => boolean) => (range.gapOpen !== null && hit(range.gapOpen) ? range.gapOpen : level);

  const liq = levels.liquidation_price;
  if (liq !== null && againstUs(liq)) return { kind: "liquidation", price: liq };
  const sl = levels.stop_loss_price;
  if (sl !== null && againstUs(sl)) return { kind: "stop_loss", price: gapped(sl, (open) => (long ? open <= sl : open >= sl)) };
  const tp = levels.take_profit_price;
  if (tp !== null && forUs(tp)) return { kind: "take_profit", price: gapped(tp, (open) => (long ? open >= tp : open <= tp)) };
  return null;
}
