/**
 * Market data for the web role: from the bus while Redis is reachable, and
 * fetched directly from Binance US while it is not, so a dashboard keeps
 * showing real prices through a Redis outage — and says where they come from.
 *
 * The primary (the bus source) runs all the time: its subscriptions come back
 * with Redis and it refills what the outage cost from the caches. The backup
 * is built on first need, runs only while Redis is away, and is stopped as soon
 * as it is back, so no Binance US request is made while the bus works. The
 * bus's connection state is checked every `checkEveryMs` (default 1 s).
 *
 * Both sources deliver through one SeriesGate: the backup's history and the
 * primary's refill overlap what the store already has, and those candles are
 * dropped here instead of being refused (and logged) by the store.
 */
import type { Bus } from "../bus/bus.ts";
import type { Candle, CandleUpdate, Timeframe } from "./candle.ts";
import { TIMEFRAMES } from "./candle.ts";
import { runLimited } from "./run-limited.ts";
import { SeriesGate, seriesKey } from "./series-gate.ts";
import type { MarketSource, MarketSourceName, MarketSourceStatus } from "./source.ts";
import { logger, type Logger } from "../log.ts";

export interface FailoverMarketSourceOptions {
  bus: Bus;
  /** Used while the bus is connected: the BusMarketSource. */
  primary: MarketSource;
  /** Builds the source used while it is not (Binance US); called once, on first need. */
  backup: () => MarketSource | Promise<MarketSource>;
  /** How often the bus's connection is checked, ms. Default 1000. */
  checkEveryMs?: number;
  /** Backup history requests in flight at once when switching over. Default 4. */
  historyConcurrency?: number;
  log?: Logger;
}

type Mode = "idle" | "primary" | "backup" | "stopped";

const SOURCE_LABELS: Record<MarketSourceName, string> = {
  binance: "Binance US",
  replay: "the replay files",
  sim: "the simulated market",
};

/** The banner while the backup delivers: plain about why and from where. */
export function failoverBanner(backup: MarketSourceName): string {
  return `Redis unreachable: market data fetched directly from ${SOURCE_LABELS[backup]}`;
}

export class FailoverMarketSource implements MarketSource {
  private readonly bus: Bus;
  private readonly primary: MarketSource;
  private readonly buildBackup: () => MarketSource | Promise<MarketSource>;
  private readonly checkEveryMs: number;
  private readonly historyConcurrency: number;
  private readonly log: Logger;
  private readonly gate = new SeriesGate();
  /** Series whose history history() loaded from the backup during this outage: not fetched again on the switch. */
  private readonly loadedFromBackup = new Set<string>();
  private backup: MarketSource | null = null;
  private backupBuilding: Promise<MarketSource> | null = null;
  /** The epoch whose switch to the backup is loading history, until the backup runs (or that failed). */
  private startingEpoch: number | null = null;
  private backupRunning = false;
  private backupError: string | null = null;
  private mode: Mode = "idle";
  /** Bumped on every switch and on stop: work begun for an earlier state delivers nothing. */
  private epoch = 0;
  private sink: ((update: CandleUpdate) => void) | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(options: FailoverMarketSourceOptions) {
    this.bus = options.bus;
    this.primary = options.primary;
    this.buildBackup = options.backup;
    this.checkEveryMs = options.checkEveryMs ?? 1000;
    this.historyConcurrency = options.historyConcurrency ?? 4;
    this.log = options.log ?? logger("market");
    if (!(this.checkEveryMs > 0)) throw new Error(`failover market source: checkEveryMs must be > 0, got ${this.checkEveryMs}`);
    if (!Number.isInteger(this.historyConcurrency) || this.historyConcurrency < 1) {
      throw new Error(`failover market source: historyConcurrency must be a whole number ≥ 1, got ${this.historyConcurrency}`);
    }
  }

  get name(): MarketSourceName {
    return this.onBackup() && this.backup ? this.backup.name : this.primary.name;
  }

  async history(symbol: string, timeframe: Timeframe): Promise<Candle[]> {
    let candles: Candle[];
    if (this.bus.isConnected()) {
      candles = await this.primary.history(symbol, timeframe);
    } else {
      candles = await (await this.backupSource()).history(symbol, timeframe);
      this.loadedFromBackup.add(seriesKey(symbol, timeframe));
    }
    const newest = candles[candles.length - 1];
    if (newest) this.gate.noteClosed(symbol, timeframe, newest.t);
    return candles;
  }

  start(onUpdate: (update: CandleUpdate) => void): void {
    if (this.mode !== "idle") throw new Error(`failover market source: start() called while ${this.mode}`);
    this.sink = onUpdate;
    this.mode = "primary";
    this.primary.start((update) => this.pass(update));
    this.timer = setInterval(() => this.check(), this.checkEveryMs);
    this.check();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.epoch++;
    if (this.mode === "primary" || this.mode === "backup") this.primary.stop();
    this.stopBackup();
    this.mode = "stopped";
    this.sink = null;
  }

  status(): MarketSourceStatus {
    if (!this.onBackup()) return this.primary.status();
    if (!this.backup) {
      // Not built yet (or building failed): the bus source's own status says Redis is unreachable.
      const status = this.primary.status();
      return { ...status, lastError: this.backupError ?? status.lastError };
    }
    const status = this.backup.status();
    const banner = [failoverBanner(this.backup.name), status.banner].filter(Boolean).join(" — ");
    return { ...status, banner, lastError: status.lastError ?? this.backupError };
  }

  /** True while the backup is (or is about to be) the source: started and switched, or not started and Redis away. */
  private onBackup(): boolean {
    if (this.mode === "backup") return true;
    return this.mode === "idle" && !this.bus.isConnected();
  }

  private check(): void {
    const connected = this.bus.isConnected();
    if (this.mode === "primary" && !connected) {
      this.mode = "backup";
      this.epoch++;
      this.log.warn(`${failoverBanner(this.backup?.name ?? "binance")} until it is back`);
      void this.runBackup(this.epoch);
    } else if (this.mode === "backup" && connected) {
      this.mode = "primary";
      this.epoch++;
      this.stopBackup();
      this.loadedFromBackup.clear();
      this.log.info(`Redis back: market data from the bus again; stopped fetching ${SOURCE_LABELS[this.backup?.name ?? "binance"]}`);
    } else if (this.mode === "backup" && !this.backupRunning && this.startingEpoch !== this.epoch) {
      // The backup could not be built last time: try again, quietly (the first failure was logged).
      void this.runBackup(this.epoch);
    }
  }

  /** Loads the backup's history for every series (closed candles through the gate), then runs it. */
  private async runBackup(epoch: number): Promise<void> {
    this.startingEpoch = epoch;
    try {
      let backup: MarketSource;
      try {
        backup = await this.backupSource();
      } catch (error) {
        const message = `market data fallback could not start: ${(error as Error).message}`;
        if (this.backupError !== message) this.log.error(message);
        this.backupError = message;
        return;
      }
      this.backupError = null;
      const symbols = this.primary.status().symbols;
      const jobs = symbols
        .flatMap((symbol) => TIMEFRAMES.map((timeframe) => ({ symbol, timeframe })))
        .filter(({ symbol, timeframe }) => !this.loadedFromBackup.has(seriesKey(symbol, timeframe)));
      await runLimited(jobs, this.historyConcurrency, async ({ symbol, timeframe }) => {
        if (epoch !== this.epoch) return;
        try {
          const candles = await backup.history(symbol, timeframe);
          if (epoch !== this.epoch) return;
          for (const candle of candles) this.pass({ symbol, timeframe, candle, closed: true });
        } catch (error) {
          // The backup records and logs its own failures; its polling loop fetches this series later.
          this.log.debug("fallback history not loaded", { symbol, timeframe, error: (error as Error).message });
        }
      });
      if (epoch !== this.epoch) return;
      try {
        backup.start((update) => {
          if (epoch === this.epoch) this.pass(update);
        });
      } catch (error) {
        const message = `market data fallback could not start: ${(error as Error).message}`;
        if (this.backupError !== message) this.log.error(message);
        this.backupError = message;
        return;
      }
      this.backupRunning = true;
    } finally {
      if (this.startingEpoch === epoch) this.startingEpoch = null;
    }
  }

  private stopBackup(): void {
    if (!this.backupRunning) return;
    this.backupRunning = false;
    this.backup?.stop();
  }

  /** The backup, built on first use; a failed build is tried again next time. */
  private async backupSource(): Promise<MarketSource> {
    if (this.backup) return this.backup;
    this.backupBuilding ??= (async () => this.buildBackup())();
    try {
      this.backup = await this.backupBuilding;
      return this.backup;
    } finally {
      this.backupBuilding = null;
    }
  }

  private pass(update: CandleUpdate): void {
    const sink = this.sink;
    if (!sink || !this.gate.admit(update)) return;
    try {
      sink(update);
    } catch (error) {
      this.log.error("failover market source: update listener failed", { symbol: update.symbol, error: (error as Error).message });
    }
  }
}
