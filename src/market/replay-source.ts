/**
 * Replays real recorded candles (JSON arrays of {t,o,h,l,c,v}, oldest first): the
 * first `warmupCandles` 5m candles are history, the rest play forward, a few per
 * tick, as closed 5m candles with the matching 1h/4h updates.
 *
 * Where candles come from, per symbol:
 * - `dir`: files named SYMBOL-TF.json (e.g. BTCUSDT-5m.json). A symbol needs its 5m
 *   file; a 1h or 4h file, when present, is used for that timeframe, otherwise that
 *   timeframe is aggregated from the 5m candles (so it agrees with them, as live).
 * - `file`: one 5m file mapped onto every symbol that has no file of its own, scaled
 *   so its first close sits at the coin's usual price level (coin-profiles.ts) and its
 *   mean volume at the coin's usual volume. The shape of the moves is the recording's.
 *
 * Candle times are the recorded ones. Replay is marked simulated: live trading is
 * refused on it.
 */
import { readFileSync, existsSync } from "node:fs";
import { basename, join } from "node:path";
import type { Candle, CandleUpdate, Timeframe } from "./candle.ts";
import { TIMEFRAME_MS } from "./candle.ts";
import { checkCandle } from "./candle-check.ts";
import type { Clock } from "./clock.ts";
import { systemClock } from "./clock.ts";
import { aggregateCandles, bucketStart, mergeCandles } from "./aggregate.ts";
import { coinProfile, priceRounder } from "./coin-profiles.ts";
import type { MarketSource, MarketSourceStatus } from "./source.ts";
import { DEFAULT_SYMBOLS, validateSymbols } from "./symbols.ts";
import { logger } from "../log.ts";

export const REPLAY_BANNER = "Replaying recorded candles — prices are not live";

export interface ReplaySourceOptions {
  symbols?: readonly string[];
  /** Directory of SYMBOL-TF.json files. */
  dir?: string;
  /** One 5m file (name ending -5m.json) mapped, scaled, onto every symbol without its own file. */
  file?: string;
  /** 5m candles served as history before playing starts. Default: min(1000, half the series). */
  warmupCandles?: number;
  /** Most candles per timeframe returned by history(). Default 1000. */
  historyCandles?: number;
  /** Wall-clock ms between ticks. Default 1000. */
  tickMs?: number;
  /** 5m candles played per tick. Default 1. */
  candlesPerTick?: number;
  clock?: Clock;
}

const FIVE_MIN = TIMEFRAME_MS["5m"];
const HIGHER: readonly ("1h" | "4h")[] = ["1h", "4h"];

/**
 * Reads and checks one recorded candle file (JSON, or gzip-compressed JSON when
 * the name ends in .gz); `timeframe` is the spacing its times must respect.
 * Errors name the file and the candle's index and line (the shared format has
 * one candle per line after the opening bracket, so candle i is on line i + 2).
 * Gaps are allowed here: the caller reports them.
 */
export function readCandleFile(path: string, timeframe: Timeframe, label = "replay"): Candle[] {
  let data: unknown;
  try {
    const bytes = readFileSync(path);
    data = JSON.parse(path.endsWith(".gz") ? new TextDecoder().decode(Bun.gunzipSync(bytes)) : bytes.toString("utf8"));
  } catch (error) {
    throw new Error(`${label}: cannot read ${path}: ${(error as Error).message}`);
  }
  if (!Array.isArray(data)) throw new Error(`${label}: ${path} must hold a JSON array of {t,o,h,l,c,v}`);
  if (data.length === 0) throw new Error(`${label}: ${path} holds no candles`);
  const size = TIMEFRAME_MS[timeframe];
  const at = (index: number) => `${label}: ${path}[${index}] (line ${index + 2})`;
  // The location text is built only for a bad candle: a backtest set has 600,000 good ones.
  const candles = data.map((item, index) => {
    try {
      return checkCandle(item, "candle");
    } catch (error) {
      throw new Error((error as Error).message.replace(/^candle/, at(index)));
    }
  });
  candles.forEach((candle, index) => {
    if (candle.t % size !== 0) throw new Error(`${at(index)} t=${candle.t} is not on a ${timeframe} boundary`);
    const previous = candles[index - 1];
    if (previous && candle.t <= previous.t) {
      throw new Error(`${at(index)} t=${candle.t} is not after the previous candle (t=${previous.t})`);
    }
  });
  return candles;
}

/** The timeframe in a file name like ETH_BTC-5m.json. */
function timeframeOfFile(path: string): Timeframe {
  const match = /-(5m|1h|4h)\.json$/.exec(basename(path));
  if (!match) throw new Error(`replay: cannot tell the timeframe of ${path}; name it NAME-5m.json`);
  return match[1] as Timeframe;
}

/** Scales a recording onto `symbol`'s usual price and volume level. */
function scaleOnto(candles: readonly Candle[], symbol: string): Candle[] {
  const profile = coinProfile(symbol);
  const first = candles[0];
  if (!first) return [];
  const priceFactor = profile.price / first.c;
  const meanVolume = candles.reduce((sum, c) => sum + c.v, 0) / candles.length;
  const volumeFactor = meanVolume > 0 ? profile.volume5m / meanVolume : 1;
  const round = priceRounder(profile.price);
  return candles.map((c) => ({
    t: c.t,
    o: round(c.o * priceFactor),
    h: round(c.h * priceFactor),
    l: round(c.l * priceFactor),
    c: round(c.c * priceFactor),
    v: Math.round(c.v * volumeFactor * 1000) / 1000,
  }));
}

interface HigherSeries {
  /** From a file: all its candles; aggregated: null. */
  recorded: Candle[] | null;
  /** Next recorded candle to emit. */
  next: number;
  /** Aggregated mode: closed 5m candles of the current bucket, merged. */
  partial: Candle | null;
  history: Candle[];
}

interface ReplayCoin {
  five: Candle[];
  cursor: number;
  higher: Record<"1h" | "4h", HigherSeries>;
}

export class ReplaySource implements MarketSource {
  readonly name = "replay" as const;
  private readonly symbols: string[];
  private readonly coins = new Map<string, ReplayCoin>();
  private readonly historyCandles: number;
  private readonly tickMs: number;
  private readonly candlesPerTick: number;
  private readonly clock: Clock;
  private readonly lastUpdate: Record<Timeframe, number | null> = { "5m": null, "1h": null, "4h": null };
  private banner = REPLAY_BANNER;
  private listener: ((update: CandleUpdate) => void) | null = null;
  private abort: AbortController | null = null;
  private readonly log = logger("market");

  constructor(options: ReplaySourceOptions) {
    this.symbols = validateSymbols(options.symbols ?? DEFAULT_SYMBOLS, "replay symbols");
    this.historyCandles = options.historyCandles ?? 1000;
    this.tickMs = options.tickMs ?? 1000;
    this.candlesPerTick = options.candlesPerTick ?? 1;
    this.clock = options.clock ?? systemClock;
    if (!options.dir && !options.file) throw new Error("replay: give a directory of SYMBOL-TF.json files (dir) or one 5m file (file)");
    if (!(this.tickMs > 0)) throw new Error(`replay: tickMs must be > 0, got ${this.tickMs}`);
    if (!Number.isInteger(this.candlesPerTick) || this.candlesPerTick < 1) {
      throw new Error(`replay: candlesPerTick must be a whole number ≥ 1, got ${this.candlesPerTick}`);
    }
    let shared: Candle[] | null = null;
    if (options.file) {
      if (timeframeOfFile(options.file) !== "5m") throw new Error(`replay: ${options.file} must be a 5m file (NAME-5m.json)`);
      shared = readCandleFile(options.file, "5m");
    }
    for (const symbol of this.symbols) {
      const own = options.dir ? join(options.dir, `${symbol}-5m.json`) : null;
      let five: Candle[];
      if (own && existsSync(own)) five = readCandleFile(own, "5m");
      else if (shared) five = scaleOnto(shared, symbol);
      else throw new Error(`replay: no recorded candles for ${symbol}: expected ${own} (or give a file to map onto every symbol)`);
      this.coins.set(symbol, this.prepare(symbol, five, options));
    }
  }

  async history(symbol: string, timeframe: Timeframe): Promise<Candle[]> {
    const coin = this.coins.get(symbol);
    if (!coin) throw new Error(`replay: ${symbol} is not one of the replayed symbols`);
    this.lastUpdate[timeframe] = this.clock.now();
    const list = timeframe === "5m" ? coin.five.slice(0, coin.cursor) : coin.higher[timeframe].history;
    return list.slice(-this.historyCandles);
  }

  start(onUpdate: (update: CandleUpdate) => void): void {
    if (this.abort) throw new Error("replay: already started");
    this.listener = onUpdate;
    const abort = new AbortController();
    this.abort = abort;
    this.log.info("replaying recorded candles", { symbols: this.symbols.length, tickMs: this.tickMs });
    void (async () => {
      while (!abort.signal.aborted) {
        await this.clock.sleep(this.tickMs, abort.signal);
        if (abort.signal.aborted) break;
        if (!this.tick()) {
          this.banner = `${REPLAY_BANNER} (replay finished: every recorded candle has been played)`;
          this.log.info("replay finished: every recorded candle has been played");
          break;
        }
      }
    })();
  }

  stop(): void {
    this.abort?.abort();
    this.abort = null;
    this.listener = null;
  }

  /** Plays `candlesPerTick` candles per symbol; false once nothing is left to play. */
  tick(): boolean {
    let played = false;
    for (let i = 0; i < this.candlesPerTick; i++) {
      for (const [symbol, coin] of this.coins) {
        const candle = coin.five[coin.cursor];
        if (!candle) continue;
        coin.cursor++;
        played = true;
        this.emit({ symbol, timeframe: "5m", candle, closed: true });
        for (const tf of HIGHER) this.followHigher(symbol, tf, coin.higher[tf], candle);
      }
    }
    return played;
  }

  status(): MarketSourceStatus {
    return {
      source: "replay",
      simulated: true,
      banner: this.banner,
      lastUpdate: { ...this.lastUpdate },
      lastError: null,
      symbols: [...this.symbols],
    };
  }

  private prepare(symbol: string, fiveAll: Candle[], options: ReplaySourceOptions): ReplayCoin {
    const recorded: Record<"1h" | "4h", Candle[] | null> = { "1h": null, "4h": null };
    for (const tf of HIGHER) {
      const path = options.dir ? join(options.dir, `${symbol}-${tf}.json`) : null;
      if (path && existsSync(path)) recorded[tf] = readCandleFile(path, tf);
    }
    // Aggregated timeframes need whole buckets: skip a partial 4h bucket at the start.
    let five = fiveAll;
    if (!recorded["1h"] || !recorded["4h"]) {
      const firstWhole = fiveAll.findIndex((c) => c.t === bucketStart(c.t, "4h"));
      if (firstWhole < 0) throw new Error(`replay: ${symbol} has no 5m candle on a 4h boundary to start from`);
      five = fiveAll.slice(firstWhole);
    }
    const warmup = Math.min(options.warmupCandles ?? Math.min(1000, Math.floor(five.length / 2)), five.length);
    if (!Number.isInteger(warmup) || warmup < 1) throw new Error(`replay: warmupCandles must be a whole number ≥ 1`);
    const warm = five.slice(0, warmup);
    const startClose = warm[warm.length - 1]!.t + FIVE_MIN;
    const higher = {} as Record<"1h" | "4h", HigherSeries>;
    for (const tf of HIGHER) {
      const file = recorded[tf];
      if (file) {
        const next = file.findIndex((c) => c.t + TIMEFRAME_MS[tf] > startClose);
        const cut = next < 0 ? file.length : next;
        higher[tf] = { recorded: file, next: cut, partial: null, history: file.slice(0, cut) };
      } else {
        const { closed, forming } = aggregateCandles(warm, "5m", tf);
        higher[tf] = { recorded: null, next: 0, partial: forming, history: closed };
      }
    }
    return { five, cursor: warmup, higher };
  }

  /** After 5m `candle` closed: the 1h/4h updates it implies. */
  private followHigher(symbol: string, tf: "1h" | "4h", series: HigherSeries, candle: Candle): void {
    const size = TIMEFRAME_MS[tf];
    const closeTime = candle.t + FIVE_MIN;
    if (series.recorded) {
      for (let next = series.recorded[series.next]; next && next.t + size <= closeTime; next = series.recorded[series.next]) {
        series.next++;
        this.closeHigher(symbol, tf, series, next);
      }
      return;
    }
    const start = bucketStart(candle.t, tf);
    // A gap in the recording skipped the end of the previous bucket: it is as complete as it will get.
    if (series.partial && series.partial.t !== start) {
      this.closeHigher(symbol, tf, series, series.partial);
      series.partial = null;
    }
    const merged = series.partial ? mergeCandles(start, [series.partial, candle]) : mergeCandles(start, [candle]);
    if (closeTime === start + size) {
      series.partial = null;
      this.closeHigher(symbol, tf, series, merged);
    } else {
      series.partial = merged;
      this.emit({ symbol, timeframe: tf, candle: merged, closed: false });
    }
  }

  private closeHigher(symbol: string, tf: "1h" | "4h", series: HigherSeries, candle: Candle): void {
    series.history.push(candle);
    if (series.history.length > 2 * this.historyCandles) series.history.splice(0, series.history.length - this.historyCandles);
    this.emit({ symbol, timeframe: tf, candle, closed: true });
  }

  private emit(update: CandleUpdate): void {
    this.lastUpdate[update.timeframe] = this.clock.now();
    try {
      this.listener?.(update);
    } catch (error) {
      this.log.error("replay: update listener failed", { error: (error as Error).message });
    }
  }
}
