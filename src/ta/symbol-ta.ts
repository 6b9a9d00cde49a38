/**
 * The TA engine of one symbol: feed it every candle event of 5m and 1h (forming and
 * closed) and read the product's TA result at any time.
 *
 * 5m drives everything but the 1h ribbon: ribbon, TTM squeeze (timeframe "5m"),
 * Stoch RSI and its divergence. 1h feeds the 1h ribbon. 4h events are accepted and
 * ignored (the base score in src/scanner reads 4h itself). Each event is one O(1)
 * update per indicator; `result()` only reads.
 */
import type { CandleUpdate } from "../market/candle.ts";
import { taBonus } from "./bonus.ts";
import { describeCandleProblem } from "../market/candle-check.ts";
import { type CandleAction, CandleClock } from "./candle-clock.ts";
import { CandleIndicators } from "./candle-indicators.ts";
import { StochDivergence } from "./divergence.ts";
import { nullIfNaN } from "./indicator.ts";
import type { TaResult } from "./result.ts";
import { EmaRibbon } from "./ribbon.ts";

export type UpdateOutcome = CandleAction | "ignored";

export class SymbolTa {
  readonly symbol: string;
  private readonly clock5m = new CandleClock();
  private readonly clock1h = new CandleClock();
  private readonly indicators5m = new CandleIndicators();
  private readonly divergence5m = new StochDivergence();
  private readonly ribbon1h = new EmaRibbon();

  constructor(symbol: string) {
    this.symbol = symbol;
  }

  /**
   * Applies one candle event. Throws when the event is for another symbol or the
   * candle is malformed (the message names symbol, timeframe, open time and fault).
   * Returns what was done: "add", "replace", "stale" (older than the newest candle,
   * dropped) or "ignored" (4h).
   */
  update(u: CandleUpdate): UpdateOutcome {
    if (u.symbol !== this.symbol) throw new Error(`TA for ${this.symbol} got a candle for ${u.symbol}`);
    const problem = describeCandleProblem(u.candle);
    if (problem) throw new Error(`${u.symbol} ${u.timeframe} candle ${u.candle.t}: ${problem}`);
    if (u.timeframe === "5m") {
      const action = this.clock5m.next(u.candle.t);
      if (action === "add") {
        this.indicators5m.add(u.candle);
        this.divergence5m.add({ close: u.candle.c, k: this.indicators5m.stochRsi.k });
      } else if (action === "replace") {
        this.indicators5m.replace(u.candle);
        this.divergence5m.replace({ close: u.candle.c, k: this.indicators5m.stochRsi.k });
      }
      return action;
    }
    if (u.timeframe === "1h") {
      const action = this.clock1h.next(u.candle.t);
      if (action === "add") this.ribbon1h.add(u.candle.c);
      else if (action === "replace") this.ribbon1h.replace(u.candle.c);
      return action;
    }
    return "ignored";
  }

  /** Indicators of the 5m stream (read-only use: the scanner reads RSI from here). */
  get fiveMinute(): CandleIndicators {
    return this.indicators5m;
  }

  /** The TA result for the newest 5m candle; null before the first 5m candle. */
  result(): TaResult | null {
    const timestamp = this.clock5m.last;
    if (timestamp === null) return null;
    const ind = this.indicators5m;
    const sq = ind.squeeze;
    const momentum = nullIfNaN(sq.momentum);
    const squeeze: TaResult["ttm_squeeze"] = {
      squeeze: sq.on ? "on" : sq.fired ? "fired" : "none",
      momentum,
      direction: momentum === null || momentum === 0 ? "neutral" : momentum > 0 ? "bullish" : "bearish",
      bars_in_squeeze: sq.on ? sq.run : sq.fired ? sq.previousRun : 0,
      timeframe: "5m",
    };
    const div = this.divergence5m.value;
    const divergence: TaResult["stoch_rsi_divergence"] = {
      divergence: div?.divergence ?? "none",
      strength: div?.strength ?? 0,
      candles_ago: div?.candles_ago ?? null,
      stoch_k: nullIfNaN(ind.stochRsi.k),
      stoch_d: nullIfNaN(ind.stochRsi.d),
    };
    const state5m = ind.ribbon.state;
    const state1h = this.ribbon1h.state;
    return {
      symbol: this.symbol,
      timestamp,
      ema_ribbon: {
        state_5m: state5m,
        state_1h: state1h,
        spread_5m: ind.ribbon.spread("5m"),
        spread_1h: this.ribbon1h.spread("1h"),
        values: { "5m": ind.ribbon.values, "1h": this.ribbon1h.values },
      },
      ttm_squeeze: squeeze,
      stoch_rsi_divergence: divergence,
      composite_score_adjustment: taBonus({ ribbon5m: state5m, ribbon1h: state1h, squeeze, divergence }),
    };
  }
}
