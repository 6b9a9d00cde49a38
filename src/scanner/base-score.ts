/**
 * The product's own base score: how attractive a long and a short are on one coin,
 * 0–100 each, from plain market signals. Deterministic: same inputs, same points.
 *
 * The original product's formulas are not available; this is our design from common
 * signals, every component and its points listed here and nowhere else:
 *
 * | component      | max | long points                                  | short points (mirror)            |
 * |----------------|-----|----------------------------------------------|----------------------------------|
 * | trend_1h       | 20  | +10 price > EMA21(1h), +10 EMA21 > EMA55(1h) | price < EMA21, EMA21 < EMA55     |
 * | trend_4h       | 15  | +8 price > EMA21(4h), +7 EMA21 > EMA55(4h)   | price < EMA21, EMA21 < EMA55     |
 * | rsi_1h         | 15  | 15·(70 − RSI)/40, clamped 0–15 (RSI ≤ 30 full)| 15·(RSI − 30)/40 (RSI ≥ 70 full) |
 * | change_24h     | 15  | 15·change%/5, clamped 0–15 (+5 % full)       | 15·(−change%)/5 (−5 % full)      |
 * | volume_surge   | 15  | 15·(ratio − 1)/2, clamped, if last hour rose | same, if last hour fell          |
 * | range_position | 20  | 20·(1 − position in the 24h high–low range)  | 20·position                      |
 *
 * - Trend components follow the trend; RSI and range position reward room to run (a
 *   long near the 24h low with RSI low has more upside left), so a coin that is both
 *   trending and stretched scores in the middle rather than at the top.
 * - Volume ratio = volume of the last 12 5m candles ÷ (volume of the last 288 ÷ 24),
 *   i.e. the last hour against the 24h hourly average; 3× average is full marks. The
 *   points go to the side of the last hour's move (close now vs 12 candles ago).
 * - Each component is rounded to whole points; a component whose data is not there
 *   yet (warm-up, new listing) gives 0 to both sides and says what it waits for.
 */
export interface ScoreComponent {
  name: string;
  long: number;
  short: number;
  detail: string;
}

export interface BaseScore {
  long: number;
  short: number;
  components: ScoreComponent[];
}

/** What the base score reads; null where the data is not there yet. */
export interface BaseScoreInputs {
  price: number;
  ema21_1h: number | null;
  ema55_1h: number | null;
  ema21_4h: number | null;
  ema55_4h: number | null;
  rsi_1h: number | null;
  change_24h_pct: number | null;
  /** Last hour's volume ÷ the 24h hourly average. */
  volume_ratio: number | null;
  /** Close now minus close 12 5m candles ago. */
  last_hour_move: number | null;
  high_24h: number | null;
  low_24h: number | null;
}

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);
const fmt = (x: number, digits = 2): string => x.toFixed(digits);

/**
 * A component whose `detail` text is written only when someone reads it (the
 * scanner's tooltip): the trader and the backtester read only the points, and
 * formatting numbers into text for every coin at every scan was a fifth of a
 * backtest's time. A class, not an object literal with a getter: hundreds of
 * thousands are made per backtest, and a literal with an accessor is several
 * times slower to create. JSON (toJSON) shows the text as before.
 */
class LazyComponent implements ScoreComponent {
  #describe: (() => string) | null;
  #text = "";

  constructor(
    readonly name: string,
    readonly long: number,
    readonly short: number,
    describe: () => string,
  ) {
    this.#describe = describe;
  }

  get detail(): string {
    if (this.#describe) {
      this.#text = this.#describe();
      this.#describe = null;
    }
    return this.#text;
  }

  toJSON(): { name: string; long: number; short: number; detail: string } {
    return { name: this.name, long: this.long, short: this.short, detail: this.detail };
  }
}

function component(name: string, long: number, short: number, detail: () => string): ScoreComponent {
  return new LazyComponent(name, long, short, detail);
}

function waiting(name: string, what: string): ScoreComponent {
  return { name, long: 0, short: 0, detail: `waiting for ${what}` };
}

function trend(name: string, tf: string, price: number, ema21: number | null, ema55: number | null, pricePts: number, crossPts: number): ScoreComponent {
  if (ema21 === null || ema55 === null) return waiting(name, `EMA21/EMA55 on ${tf}`);
  const long = (price > ema21 ? pricePts : 0) + (ema21 > ema55 ? crossPts : 0);
  const short = (price < ema21 ? pricePts : 0) + (ema21 < ema55 ? crossPts : 0);
  const side = (a: number, b: number): string => (a > b ? ">" : a < b ? "<" : "=");
  return component(name, long, short, () => `price ${side(price, ema21)} EMA21 ${side(ema21, ema55)} EMA55 on ${tf}`);
}

function rsiZone(rsi: number | null): ScoreComponent {
  if (rsi === null) return waiting("rsi_1h", "RSI(14) on 1h");
  return component("rsi_1h", Math.round(15 * clamp01((70 - rsi) / 40)), Math.round(15 * clamp01((rsi - 30) / 40)), () => `RSI(14) 1h ${fmt(rsi, 1)}`);
}

function change24h(change: number | null): ScoreComponent {
  if (change === null) return waiting("change_24h", "24h of 5m candles");
  return component("change_24h", Math.round(15 * clamp01(change / 5)), Math.round(15 * clamp01(-change / 5)), () => `24h change ${change >= 0 ? "+" : ""}${fmt(change)}%`);
}

function volumeSurge(ratio: number | null, move: number | null): ScoreComponent {
  if (ratio === null || move === null) return waiting("volume_surge", "24h of 5m candles");
  const points = Math.round(15 * clamp01((ratio - 1) / 2));
  const direction = move > 0 ? "up" : move < 0 ? "down" : "flat";
  return component("volume_surge", direction === "up" ? points : 0, direction === "down" ? points : 0, () => `last hour volume ${fmt(ratio)}× the 24h average, price ${direction}`);
}

function rangePosition(price: number, high: number | null, low: number | null): ScoreComponent {
  if (high === null || low === null) return waiting("range_position", "5m candles");
  if (!(high > low)) return { name: "range_position", long: 0, short: 0, detail: "24h range is flat" };
  const position = clamp01((price - low) / (high - low));
  return component("range_position", Math.round(20 * (1 - position)), Math.round(20 * position), () => `at ${Math.round(100 * position)}% of the 24h range`);
}

export function baseScore(inputs: BaseScoreInputs): BaseScore {
  const { price } = inputs;
  const components = [
    trend("trend_1h", "1h", price, inputs.ema21_1h, inputs.ema55_1h, 10, 10),
    trend("trend_4h", "4h", price, inputs.ema21_4h, inputs.ema55_4h, 8, 7),
    rsiZone(inputs.rsi_1h),
    change24h(inputs.change_24h_pct),
    volumeSurge(inputs.volume_ratio, inputs.last_hour_move),
    rangePosition(price, inputs.high_24h, inputs.low_24h),
  ];
  let long = 0;
  let short = 0;
  for (const c of components) {
    long += c.long;
    short += c.short;
  }
  return { long: Math.min(100, long), short: Math.min(100, short), components };
}
