/**
 * Market side of the server: candles from the feed go into one CoinAnalyzer per
 * coin (TA + base score, O(1) per candle); snapshots are built lazily and cached
 * until that coin's next candle. Listeners (web pushes, bus publishers) hear
 * which coins changed, coalesced so a burst of candles makes one notification.
 *
 * Two views per coin: the display analyzer sees every candle event, the forming
 * candle included (the scanner shows what is happening now); the decision
 * analyzer sees closed candles only, and the trader's scores come from it, so a
 * spike inside a forming bar never opens a position the closed bar would not
 * have. Both run the same code; the decision one does one update per closed bar.
 *
 * With an owner's scoring module (--scoring), the base score comes from it
 * instead: it is called for a coin after each of its closed 5m candles (with
 * the closed candles of the feed's store, see src/scanner/scoring.ts), inside
 * scoreContained (a throw, nonsense or a timeout gives the coin no score, is
 * logged, and never stops anything). Cards and trading both use that score.
 */
import type { TraderConfig } from "../config/schema.ts";
import { TIMEFRAME_MS, type Candle, type CandleUpdate, type Timeframe } from "../market/candle.ts";
import type { MarketFeed } from "../market/market-feed.ts";
import type { MarketSourceStatus } from "../market/source.ts";
import { CoinAnalyzer, type CoinSnapshot } from "../scanner/analyzer.ts";
import { scoreContained, type ContainedScore } from "../scanner/contained-scoring.ts";
import { scoredCoin } from "../scanner/scored-coin.ts";
import { scoringInput, type Scorer } from "../scanner/scoring.ts";
import { logger } from "../log.ts";
import type { TaResult } from "../ta/result.ts";
import type { ScoredCoin } from "../trader/signals.ts";
import type { MarketView } from "../web/deps.ts";

const log = logger("market");

/** TA computed elsewhere (the ta process, via the bus) for coins this pipeline also tracks. */
export interface TaFeed {
  latest(symbol: string): TaResult | null;
  /** Called with the symbol whose result changed. */
  onUpdate(listener: (symbol: string) => void): () => void;
  stop?(): void;
}

/** When the newest closed 5m candle of a coin ended (market time) and when it arrived (our clock). */
interface ClosedMark {
  closed_at: number;
  received_at: number;
}

interface ExternalScore {
  /** Open time of the closed 5m candle it was computed after. */
  t: number;
  result: ContainedScore;
}

export interface PipelineOptions {
  notifyMs?: number;
  ta?: TaFeed;
  now?: () => number;
  /** An owner's scorer; the built-in base score when absent. */
  scorer?: Scorer;
  scoringTimeoutMs?: number;
}

export class MarketPipeline implements MarketView {
  private readonly analyzers = new Map<string, CoinAnalyzer>();
  private readonly decisions = new Map<string, CoinAnalyzer>();
  private readonly lastClosed = new Map<string, ClosedMark>();
  private readonly external = new Map<string, ExternalScore>();
  private readonly scoring = new Map<string, Promise<void>>();
  private readonly reported = new Map<string, { problem: string; at: number; count: number }>();
  private readonly cache = new Map<string, CoinSnapshot | null>();
  private readonly dirty = new Set<string>();
  private readonly listeners = new Set<(symbols: string[]) => void>();
  private readonly candleListeners = new Set<(update: CandleUpdate) => void>();
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly badSymbols = new Set<string>();

  constructor(
    private readonly feed: MarketFeed,
    private readonly symbolList: readonly string[],
    private readonly options: PipelineOptions = {},
  ) {
    for (const symbol of symbolList) {
      this.analyzers.set(symbol, new CoinAnalyzer(symbol));
      this.decisions.set(symbol, new CoinAnalyzer(symbol));
    }
    feed.onUpdate((update) => this.apply(update));
    options.ta?.onUpdate((symbol) => this.changed(symbol));
  }

  /** Loads history into every analyzer, then starts the live loops. */
  async start(): Promise<void> {
    await this.feed.start();
    this.flush();
  }

  stop(): void {
    this.feed.stop();
    this.options.ta?.stop?.();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  symbols(): string[] {
    return [...this.symbolList];
  }

  coin(symbol: string): CoinSnapshot | null {
    if (!this.cache.has(symbol)) {
      const analyzer = this.analyzers.get(symbol);
      const own = analyzer?.snapshot() ?? null;
      this.cache.set(symbol, own ? this.withExternalScore(this.withFedTa(own)) : null);
    }
    return this.cache.get(symbol) ?? null;
  }

  /** What scores the coins: "built-in base score" or the owner's module. */
  scorerLabel(): string {
    return this.options.scorer?.label ?? "built-in base score";
  }

  coins(): CoinSnapshot[] {
    const out: CoinSnapshot[] = [];
    for (const symbol of this.symbolList) {
      const snapshot = this.coin(symbol);
      if (snapshot) out.push(snapshot);
    }
    return out;
  }

  status(): MarketSourceStatus {
    return this.feed.status();
  }

  /** The newest candles of one timeframe (forming one included), oldest first. */
  recentCandles(symbol: string, timeframe: Timeframe, limit: number): Candle[] {
    return this.feed.store.candles(symbol, timeframe, { includeForming: true }).slice(-limit);
  }

  priceOf(symbol: string): number | undefined {
    return this.coin(symbol)?.price;
  }

  /**
   * Coins scored the way the trader compares them with its thresholds: on
   * closed candles only (the decision analyzers), with when the newest closed
   * 5m candle ended and arrived, so the cycle can refuse stale data.
   */
  async scoredCoins(config: TraderConfig): Promise<ScoredCoin[]> {
    // An owner's module may still be answering for the newest candles: wait for it (bounded by its timeout).
    if (this.scoring.size > 0) await Promise.all(this.scoring.values());
    const simulated = this.status().simulated;
    const out: ScoredCoin[] = [];
    for (const symbol of this.symbolList) {
      const own = this.decisions.get(symbol)?.snapshot();
      if (!own) continue;
      const decided = this.withExternalScore(own);
      if (decided.unscored) continue; // no score, no trade on it (the problem is logged)
      const mark = this.lastClosed.get(symbol);
      out.push(scoredCoin(decided, config, { price: this.coin(symbol)?.price ?? decided.price, closed_at: mark?.closed_at ?? null, received_at: mark?.received_at ?? null, simulated }));
    }
    return out;
  }

  onChange(listener: (symbols: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every candle event as it arrives (for the bus's market:candles channel). */
  onCandle(listener: (update: CandleUpdate) => void): () => void {
    this.candleListeners.add(listener);
    return () => this.candleListeners.delete(listener);
  }

  private apply(update: CandleUpdate): void {
    const analyzer = this.analyzers.get(update.symbol);
    if (!analyzer) return;
    try {
      analyzer.update(update);
      if (update.closed) this.applyClosed(update);
    } catch (error) {
      // One bad candle must not stop the other coins; say it once per coin.
      if (!this.badSymbols.has(update.symbol)) log.error(`dropped a bad candle for ${update.symbol}: ${(error as Error).message}`);
      this.badSymbols.add(update.symbol);
      return;
    }
    for (const listener of this.candleListeners) listener(update);
    this.changed(update.symbol);
  }

  /** A closed candle also goes to the decision analyzer; a closed 5m one marks the coin fresh (and asks an owner's scorer). */
  private applyClosed(update: CandleUpdate): void {
    this.decisions.get(update.symbol)?.update(update);
    if (update.timeframe !== "5m") return;
    if (this.options.scorer) this.scheduleScore(update.symbol, update.candle.t);
    const closedAt = update.candle.t + TIMEFRAME_MS["5m"];
    const previous = this.lastClosed.get(update.symbol);
    if (!previous || closedAt >= previous.closed_at) {
      this.lastClosed.set(update.symbol, { closed_at: closedAt, received_at: (this.options.now ?? Date.now)() });
    }
  }

  private changed(symbol: string): void {
    this.cache.delete(symbol);
    this.dirty.add(symbol);
    if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), this.options.notifyMs ?? 250);
  }

  /**
   * Calls the owner's scorer for a coin after its 5m candle `t` closed — on the
   * next turn, so the 1h / 4h bars that close with it are in the store too.
   */
  private scheduleScore(symbol: string, t: number): void {
    const scorer = this.options.scorer;
    if (!scorer) return;
    const run = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 0));
      const store = this.feed.store;
      const input = scoringInput(symbol, { "5m": store.candles(symbol, "5m"), "1h": store.candles(symbol, "1h"), "4h": store.candles(symbol, "4h") });
      const result: ContainedScore = input ? await scoreContained(scorer, input, this.options.scoringTimeoutMs) : { ok: false, problem: "no closed candles yet" };
      const previous = this.external.get(symbol);
      if (!previous || previous.t <= t) this.external.set(symbol, { t, result });
      if (!result.ok) this.report(scorer.label, symbol, result.problem);
      else this.reported.delete(symbol);
      this.changed(symbol);
    })();
    this.scoring.set(symbol, run);
    void run.finally(() => {
      if (this.scoring.get(symbol) === run) this.scoring.delete(symbol);
    });
  }

  /** One error line per coin and problem, then a reminder with the count at most hourly. */
  private report(module: string, symbol: string, problem: string): void {
    const now = (this.options.now ?? Date.now)();
    const seen = this.reported.get(symbol);
    if (seen && seen.problem === problem) {
      seen.count += 1;
      if (now - seen.at < 3_600_000) return;
      seen.at = now;
      log.error(`scoring module ${module}: ${symbol} has no score: ${problem} (${seen.count} times since the first)`);
      return;
    }
    this.reported.set(symbol, { problem, at: now, count: 1 });
    log.error(`scoring module ${module}: ${symbol} has no score: ${problem}; it is not traded until the module scores it`);
  }

  /** The owner's score for the coin's latest closed candle, in place of the built-in one. */
  private withExternalScore(snapshot: CoinSnapshot): CoinSnapshot {
    if (!this.options.scorer) return snapshot;
    const external = this.external.get(snapshot.symbol);
    if (!external) return { ...snapshot, score: { long: 0, short: 0, components: [] }, unscored: "waiting for the scoring module" };
    if (!external.result.ok) return { ...snapshot, score: { long: 0, short: 0, components: [] }, unscored: external.result.problem };
    return { ...snapshot, score: external.result.score };
  }

  /**
   * The fed TA replaces our own when it is for the same newest 5m candle or a
   * newer one; an older one (the ta process stalled or died) does not, so the
   * view never goes back in time and heals itself from our own computation.
   */
  private withFedTa(snapshot: CoinSnapshot): CoinSnapshot {
    const fed = this.options.ta?.latest(snapshot.symbol);
    return fed && fed.timestamp >= snapshot.ta.timestamp ? { ...snapshot, ta: fed } : snapshot;
  }

  private flush(): void {
    this.flushTimer = null;
    if (this.dirty.size === 0) return;
    const symbols = [...this.dirty];
    this.dirty.clear();
    for (const listener of this.listeners) listener(symbols);
  }
}
