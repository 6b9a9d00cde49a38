/**
 * Ties a market source to the candle store: loads history for every symbol ×
 * timeframe, then runs the source, and hands every accepted update to listeners
 * (TA, bus, web). The store is the gate: an update it refuses (out of order, bad
 * numbers) is logged and not passed on, so listeners only ever see a clean series.
 */
import type { CandleUpdate } from "./candle.ts";
import { TIMEFRAMES } from "./candle.ts";
import type { CandleStore } from "./candle-store.ts";
import { runLimited } from "./run-limited.ts";
import type { MarketSource, MarketSourceStatus } from "./source.ts";
import { logger } from "../log.ts";

export interface MarketFeedStatus extends MarketSourceStatus {
  started: boolean;
  /** "SYMBOL tf: message" for each history request that failed at start. */
  historyErrors: string[];
  /** Updates the store refused since start. */
  rejectedUpdates: number;
}

export interface MarketFeedOptions {
  /** History requests in flight at once. Default 4. */
  historyConcurrency?: number;
}

export type UpdateListener = (update: CandleUpdate) => void;

export class MarketFeed {
  private readonly listeners = new Set<UpdateListener>();
  private readonly historyErrors: string[] = [];
  private readonly historyConcurrency: number;
  private rejectedUpdates = 0;
  private state: "idle" | "starting" | "running" | "stopped" = "idle";
  private readonly log = logger("market");

  constructor(
    readonly source: MarketSource,
    readonly store: CandleStore,
    options: MarketFeedOptions = {},
  ) {
    this.historyConcurrency = options.historyConcurrency ?? 4;
  }

  /**
   * Loads history for all symbols × timeframes into the store (emitting each candle to
   * listeners as a closed update), then starts the source. A failed history request
   * is logged and listed in status(); the source's own loop fills that gap later.
   */
  async start(): Promise<void> {
    if (this.state !== "idle") throw new Error(`market feed: start() called while ${this.state}`);
    this.state = "starting";
    const symbols = this.source.status().symbols;
    const jobs = symbols.flatMap((symbol) => TIMEFRAMES.map((timeframe) => ({ symbol, timeframe })));
    await runLimited(jobs, this.historyConcurrency, async ({ symbol, timeframe }) => {
      if (this.state !== "starting") return;
      try {
        const candles = await this.source.history(symbol, timeframe);
        if (this.state !== "starting") return;
        for (const candle of candles) this.deliver({ symbol, timeframe, candle, closed: true });
      } catch (error) {
        const message = `${symbol} ${timeframe}: ${(error as Error).message}`;
        this.historyErrors.push(message);
        this.log.warn("market feed: history not loaded", { symbol, timeframe, error: (error as Error).message });
      }
    });
    if (this.state !== "starting") return;
    this.source.start((update) => this.deliver(update));
    this.state = "running";
    this.log.info("market feed running", {
      source: this.source.name,
      symbols: symbols.length,
      historyErrors: this.historyErrors.length,
    });
  }

  /** Registers a listener; returns the function that removes it. */
  onUpdate(listener: UpdateListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  stop(): void {
    if (this.state === "running") this.source.stop();
    this.state = "stopped";
  }

  status(): MarketFeedStatus {
    return {
      ...this.source.status(),
      started: this.state === "running",
      historyErrors: [...this.historyErrors],
      rejectedUpdates: this.rejectedUpdates,
    };
  }

  private deliver(update: CandleUpdate): void {
    try {
      this.store.apply(update);
    } catch (error) {
      this.rejectedUpdates++;
      this.log.error("market feed: update refused", { error: (error as Error).message });
      return;
    }
    for (const listener of this.listeners) {
      try {
        listener(update);
      } catch (error) {
        this.log.error("market feed: listener failed", { error: (error as Error).message });
      }
    }
  }
}
