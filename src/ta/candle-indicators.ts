/**
 * Every indicator of one candle stream, updated together: the EMA ribbon
 * (8/13/21/34/55/89), TTM squeeze with its Bollinger/Keltner lines, RSI(14) and
 * Stoch RSI(14,14,3,3). The TA engine, the `ta` command and the benchmark share it.
 * Reads are plain getters (NaN during warm-up) so a hot loop allocates nothing.
 */
import type { Bar } from "./indicator.ts";
import { EmaRibbon } from "./ribbon.ts";
import { TtmSqueeze } from "./squeeze.ts";
import { StochRsi } from "./stoch-rsi.ts";

/** The outputs `writeRow` writes, in this order (the `ta` command's series names). */
export const CANDLE_OUTPUTS = [
  "ema8", "ema13", "ema21", "ema34", "ema55", "ema89", "rsi14", "stochrsi_k", "stochrsi_d",
  "bb_upper", "bb_middle", "bb_lower", "kc_upper", "kc_middle", "kc_lower",
  "squeeze_on", "squeeze_off", "squeeze_momentum",
] as const;

export class CandleIndicators {
  readonly ribbon = new EmaRibbon();
  readonly squeeze = new TtmSqueeze();
  readonly stochRsi = new StochRsi(14, 14, 3, 3);
  private inputs = 0;

  add(bar: Bar): void {
    this.inputs++;
    this.ribbon.add(bar.c);
    this.squeeze.add(bar);
    this.stochRsi.add(bar.c);
  }

  replace(bar: Bar): void {
    if (this.inputs === 0) return this.add(bar);
    this.ribbon.replace(bar.c);
    this.squeeze.replace(bar);
    this.stochRsi.replace(bar.c);
  }

  /** Number of inputs added so far. */
  get count(): number {
    return this.inputs;
  }

  /**
   * Writes every output of the newest bar into `row[offset …]`, in CANDLE_OUTPUTS
   * order: NaN during warm-up, flags as 1/0. One call instead of 18 getter reads, and
   * a row-major table (bar after bar in one Float64Array) instead of 18 columns:
   * equally long columns alias in the L1 cache and made each store several times dearer.
   */
  writeRow(row: Float64Array, offset: number): void {
    const r = this.ribbon;
    const s = this.squeeze;
    const st = this.stochRsi;
    row[offset] = r.ema8.raw;
    row[offset + 1] = r.ema13.raw;
    row[offset + 2] = r.ema21.raw;
    row[offset + 3] = r.ema34.raw;
    row[offset + 4] = r.ema55.raw;
    row[offset + 5] = r.ema89.raw;
    row[offset + 6] = st.rsi.raw;
    row[offset + 7] = st.k;
    row[offset + 8] = st.d;
    row[offset + 9] = s.bbUpper;
    row[offset + 10] = s.bbMiddle;
    row[offset + 11] = s.bbLower;
    row[offset + 12] = s.kcUpper;
    row[offset + 13] = s.kcMiddle;
    row[offset + 14] = s.kcLower;
    row[offset + 15] = s.on ? 1 : 0;
    row[offset + 16] = s.off ? 1 : 0;
    row[offset + 17] = s.momentum;
  }

  /** RSI(14), NaN during warm-up. */
  get rsi(): number {
    return this.stochRsi.rsi.raw;
  }
}
