/**
 * Live candles from Binance US: one polling loop per timeframe (5m every 30 s, 1h and
 * 4h every 5 min by default) over every symbol.
 *
 * Each poll asks only for what is new: klines starting right after the last closed
 * candle already delivered. Newly closed candles are emitted once each, in order, as
 * `closed: true`; the newest row, while it is still forming, is emitted as
 * `closed: false` (only when it changed). A newly closed candle is one with closeTime
 * < now − `settleMs`, or one that a newer row follows; the small settle margin keeps a
 * local clock running slightly fast from finalising a bar the exchange still updates.
 *
 * One symbol failing (bad symbol, timeouts, 5xx) is recorded in status() and logged;
 * the other symbols and timeframes carry on. All requests share one client, hence one
 * weight budget and one 429/418 pause.
 */
import type { Candle, CandleUpdate, Timeframe } from "./candle.ts";
import { TIMEFRAME_MS, TIMEFRAMES } from "./candle.ts";
import type { Clock } from "./clock.ts";
import { systemClock } from "./clock.ts";
import type { BinanceUsClient } from "./binance-client.ts";
import { splitClosed, type KlineRow } from "./kline-rows.ts";
import { runLimited } from "./run-limited.ts";
import type { MarketSource, MarketSourceStatus } from "./source.ts";
import { DEFAULT_SYMBOLS, validateSymbols } from "./symbols.ts";
import { seriesKey } from "./series-order.ts";
import { logger } from "../log.ts";

export interface BinanceSourceOptions {
  client: BinanceUsClient;
  symbols?: readonly string[];
  /** Poll interval per timeframe, ms. Default 5m: 30 000, 1h: 300 000, 4h: 300 000. */
  pollMs?: Partial<Record<Timeframe, number>>;
  /** Klines requested by history() (1–1000); the forming one is dropped. Default 1000. */
  historyLimit?: number;
  /** A candle counts as closed once its close time is this far in the past. Default 2000 ms. */
  settleMs?: number;
  /** Symbols fetched at the same time within one poll. Default 4. */
  concurrency?: number;
  clock?: Clock;
}

export const DEFAULT_POLL_MS: Record<Timeframe, number> = { "5m": 30_000, "1h": 300_000, "4h": 300_000 };

/** History below this many closed candles is logged: TA warm-up needs it. */
const MIN_HISTORY = 500;

export class BinanceSource implements MarketSource {
  readonly name = "binance" as const;
  private readonly client: BinanceUsClient;
  private readonly symbols: string[];
  private readonly pollMs: Record<Timeframe, number>;
  private readonly historyLimit: number;
  private readonly settleMs: number;
  private readonly concurrency: number;
  private readonly clock: Clock;
  /** Open time of the newest closed candle delivered, per "SYMBOL tf". */
  private readonly lastClosed = new Map<string, number>();
  private readonly lastForming = new Map<string, Candle>();
  /** Outstanding failures per "SYMBOL tf", newest last. */
  private readonly failures = new Map<string, string>();
  private readonly lastUpdate: Record<Timeframe, number | null> = { "5m": null, "1h": null, "4h": null };
  private abort: AbortController | null = null;
  private readonly log = logger("market");

  constructor(options: BinanceSourceOptions) {
    this.client = options.client;
    this.symbols = validateSymbols(options.symbols ?? DEFAULT_SYMBOLS, "binance symbols");
    this.pollMs = { ...DEFAULT_POLL_MS, ...options.pollMs };
    this.historyLimit = options.historyLimit ?? 1000;
    this.settleMs = options.settleMs ?? 2000;
    this.concurrency = options.concurrency ?? 4;
    this.clock = options.clock ?? systemClock;
    for (const tf of TIMEFRAMES) {
      if (!(this.pollMs[tf] > 0)) throw new Error(`binance: poll interval for ${tf} must be > 0 ms, got ${this.pollMs[tf]}`);
    }
    if (!Number.isInteger(this.historyLimit) || this.historyLimit < 2 || this.historyLimit > 1000) {
      throw new Error(`binance: historyLimit must be a whole number 2–1000, got ${this.historyLimit}`);
    }
  }

  async history(symbol: string, timeframe: Timeframe): Promise<Candle[]> {
    const key = seriesKey(symbol, timeframe);
    try {
      const rows = await this.client.klines(symbol, timeframe, { limit: this.historyLimit, signal: this.abort?.signal });
      const { closed } = this.split(rows);
      const newest = closed[closed.length - 1];
      if (newest) this.lastClosed.set(key, newest.t);
      if (closed.length < Math.min(MIN_HISTORY, this.historyLimit - 1)) {
        this.log.warn(`binance: only ${closed.length} closed ${timeframe} candles for ${symbol}`, { wanted: MIN_HISTORY });
      }
      this.succeeded(key, timeframe);
      return closed;
    } catch (error) {
      this.failed(key, error as Error);
      throw error;
    }
  }

  start(onUpdate: (update: CandleUpdate) => void): void {
    if (this.abort) throw new Error("binance: already started");
    const abort = new AbortController();
    this.abort = abort;
    this.log.info("Binance US polling started", { symbols: this.symbols.length, pollMs: this.pollMs, baseUrl: this.client.baseUrl });
    for (const tf of TIMEFRAMES) {
      void (async () => {
        while (!abort.signal.aborted) {
          await this.poll(tf, onUpdate, abort.signal);
          if (abort.signal.aborted) break;
          await this.clock.sleep(this.pollMs[tf], abort.signal);
        }
      })();
    }
  }

  stop(): void {
    this.abort?.abort();
    this.abort = null;
  }

  status(): MarketSourceStatus {
    const messages = [...this.failures.values()];
    const newest = messages[messages.length - 1] ?? null;
    return {
      source: "binance",
      simulated: false,
      banner: null,
      lastUpdate: { ...this.lastUpdate },
      lastError: newest && messages.length > 1 ? `${newest} (and ${messages.length - 1} more failing)` : newest,
      symbols: [...this.symbols],
    };
  }

  /** One pass over every symbol for one timeframe. */
  private async poll(timeframe: Timeframe, onUpdate: (update: CandleUpdate) => void, signal: AbortSignal): Promise<void> {
    await runLimited(this.symbols, this.concurrency, async (symbol) => {
      if (signal.aborted) return;
      const key = seriesKey(symbol, timeframe);
      try {
        const updates = await this.fetchNew(symbol, timeframe, signal);
        if (signal.aborted) return;
        this.succeeded(key, timeframe);
        for (const update of updates) {
          try {
            onUpdate(update);
          } catch (error) {
            this.log.error("binance: update listener failed", { symbol, timeframe, error: (error as Error).message });
          }
        }
      } catch (error) {
        if (!signal.aborted) this.failed(key, error as Error);
      }
    });
  }

  /** The updates one poll of one symbol produces, in order; advances the delivered marker. */
  private async fetchNew(symbol: string, timeframe: Timeframe, signal: AbortSignal): Promise<CandleUpdate[]> {
    const key = seriesKey(symbol, timeframe);
    const last = this.lastClosed.get(key);
    // Without history yet (never loaded, or its request failed): fetch a history's worth now.
    const request = last === undefined ? { limit: this.historyLimit } : { startTime: last + TIMEFRAME_MS[timeframe], limit: 1000 };
    const rows = await this.client.klines(symbol, timeframe, { ...request, signal });
    const { closed, forming } = this.split(rows);
    const updates: CandleUpdate[] = [];
    let newest = last;
    for (const candle of closed) {
      if (newest !== undefined && candle.t <= newest) continue;
      updates.push({ symbol, timeframe, candle, closed: true });
      newest = candle.t;
    }
    if (newest !== undefined) this.lastClosed.set(key, newest);
    if (forming && (newest === undefined || forming.t > newest) && !sameCandle(this.lastForming.get(key), forming)) {
      this.lastForming.set(key, forming);
      updates.push({ symbol, timeframe, candle: forming, closed: false });
    }
    return updates;
  }

  /** splitClosed with the settle margin: closed once closeTime < now − settleMs (or a newer row exists). */
  private split(rows: readonly KlineRow[]): { closed: Candle[]; forming: Candle | null } {
    return splitClosed(rows, this.clock.now() - this.settleMs);
  }

  private succeeded(key: string, timeframe: Timeframe): void {
    this.lastUpdate[timeframe] = this.clock.now();
    this.failures.delete(key);
  }

  private failed(key: string, error: Error): void {
    this.failures.delete(key); // re-insert so the newest failure is last
    this.failures.set(key, error.message);
    this.log.warn(`binance: ${key} failed`, { error: error.message });
  }
}

function sameCandle(a: Candle | undefined, b: Candle): boolean {
  return !!a && a.t === b.t && a.o === b.o && a.h === b.h && a.l === b.l && a.c === b.c && a.v === b.v;
}
