/**
 * The scoring interface: what a base score receives per coin and returns. The
 * product's own base score (base-score.ts) is one implementation; an owner's
 * module loaded with --scoring (scorer-module.ts) is another. Documented for
 * owners in README, "Bring your own scoring", with a worked adapter in
 * examples/scoring/.
 *
 *   export function score(input: ScoringInput): ScoreOutput | Promise<ScoreOutput>
 *
 * The input holds CLOSED candles only, oldest first, with the window lengths
 * live keeps (up to 1000 per timeframe), so a scorer decides on what the
 * trader decides on; a backtest hands it exactly the same, never a candle
 * beyond its clock.
 */
import type { Candle } from "../market/candle.ts";
import type { ScoreComponent } from "./base-score.ts";

/** 24 h figures as Binance's ticker gives them, from the last 288 closed 5m candles. */
export interface Ticker24h {
  open: number;
  high: number;
  low: number;
  last: number;
  /** (last − open) / open × 100. */
  change_pct: number;
  /** Base-asset volume. */
  volume: number;
  /** Σ volume × close, in USDT. */
  quote_volume: number;
}

export interface ScoringInput {
  symbol: string;
  /** The latest close. */
  price: number;
  candles: { "5m": readonly Candle[]; "1h": readonly Candle[]; "4h": readonly Candle[] };
  /** Null before 24 h of 5m candles. */
  ticker24h: Ticker24h | null;
}

export interface ScoreOutput {
  /** 0–100. */
  long: number;
  /** 0–100. */
  short: number;
  /** Shown in the scanner card's tooltip. */
  components?: { name: string; long: number; short: number; detail: string }[];
}

export interface Scorer {
  /** What the page says: "lib/indicators.ts (owner)" or "built-in base score". */
  readonly label: string;
  /** The built-in score runs inside the scanner's own streaming analyzer; others are called per closed candle. */
  readonly builtIn: boolean;
  score(input: ScoringInput): ScoreOutput | Promise<ScoreOutput>;
}

export type { ScoreComponent };

const DAY_5M = 288;

/** The input for one coin from its closed candles (shared by live and the backtester). */
export function scoringInput(symbol: string, candles: ScoringInput["candles"]): ScoringInput | null {
  const five = candles["5m"];
  const last = five[five.length - 1];
  if (!last) return null;
  return { symbol, price: last.c, candles, ticker24h: ticker24h(five) };
}

export function ticker24h(five: readonly Candle[]): Ticker24h | null {
  if (five.length < DAY_5M) return null;
  const day = five.slice(-DAY_5M);
  let high = -Infinity;
  let low = Infinity;
  let volume = 0;
  let quote = 0;
  for (const c of day) {
    if (c.h > high) high = c.h;
    if (c.l < low) low = c.l;
    volume += c.v;
    quote += c.v * c.c;
  }
  const open = day[0]!.o;
  const last = day[day.length - 1]!.c;
  return { open, high, low, last, change_pct: open > 0 ? ((last - open) / open) * 100 : 0, volume, quote_volume: quote };
}
