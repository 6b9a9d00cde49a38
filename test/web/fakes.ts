/**
 * Fake WebDeps for dashboard tests: a REAL TraderController over in-memory
 * ports (config, state, lockfile, a scripted exchange, a memory journal that
 * is also the RecordView) and a fake market of 29 coins whose TA results
 * cover every indicator state. Nothing here touches the network or disk,
 * except with `backtests: true`: then a REAL BacktestRuns (its SQLite file in
 * a temp dir) over the data set "fixtures" (test/fixtures/backtest, a run in
 * well under a second); `world.disposeBacktests()` waits for a run still
 * going, closes it and removes the dir.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BacktestRuns } from "../../src/app/backtest-runs.ts";
import { DEFAULT_TRADER_CONFIG, TraderConfigPatchSchema, TraderConfigSchema, describeIssues, type TraderConfig, type TraderConfigPatch } from "../../src/config/schema.ts";
import type { Candle, Timeframe } from "../../src/market/candle.ts";
import type { MarketSourceStatus } from "../../src/market/source.ts";
import { DEFAULT_SYMBOLS } from "../../src/market/symbols.ts";
import type { CoinSnapshot } from "../../src/scanner/analyzer.ts";
import { compositeScore } from "../../src/scanner/composite.ts";
import type { TaResult } from "../../src/ta/result.ts";
import { INITIAL_TRADER_STATE, TraderController, type ConfigUpdateResult, type PersistedTraderState } from "../../src/trader/controller.ts";
import type { LockInfo, LogKind, OpenTradeRecord, Origin, TraderJournal } from "../../src/trader/ports.ts";
import type { ClosedTradeView, EquityPoint, LogEntry, MarketView, RecordView, WebDeps } from "../../src/web/deps.ts";
import { ScriptedExchange } from "../helpers/trader-fakes.ts";

export const SYMBOLS: string[] = [...DEFAULT_SYMBOLS];

/** A TA result with chosen states; every other field is a plain valid value. */
export function fakeTa(symbol: string, states: {
  ribbon?: "bullish" | "bearish" | "mixed";
  spread?: number;
  squeeze?: "on" | "fired" | "none";
  direction?: "bullish" | "bearish" | "neutral";
  divergence?: "bullish" | "bearish" | "none";
  longBonus?: number;
  shortBonus?: number;
} = {}): TaResult {
  const ema = { ema8: 1, ema13: 1, ema21: 1, ema34: 1, ema55: 1, ema89: 1 };
  const divergence = states.divergence ?? "none";
  return {
    symbol,
    timestamp: 1_700_000_000_000,
    ema_ribbon: {
      state_5m: states.ribbon ?? "mixed",
      state_1h: states.ribbon ?? "mixed",
      spread_5m: states.spread ?? 20,
      spread_1h: states.spread ?? 20,
      values: { "5m": ema, "1h": ema },
    },
    ttm_squeeze: { squeeze: states.squeeze ?? "none", momentum: 1.5, direction: states.direction ?? "neutral", bars_in_squeeze: states.squeeze === "on" ? 4 : 0, timeframe: "5m" },
    stoch_rsi_divergence: {
      divergence,
      strength: divergence === "none" ? 0 : 62,
      candles_ago: divergence === "none" ? null : 3,
      stoch_k: 40,
      stoch_d: 38,
    },
    composite_score_adjustment: { long_bonus: states.longBonus ?? 0, short_bonus: states.shortBonus ?? 0, reasoning: [] },
  };
}

const RIBBONS = ["bullish", "bearish", "mixed"] as const;
const SQUEEZES = ["on", "fired", "none"] as const;
const DIVERGENCES = ["bullish", "bearish", "none"] as const;

export function fakeCoin(symbol: string, i: number, overrides: Partial<CoinSnapshot> = {}): CoinSnapshot {
  const price = 10 + i;
  return {
    symbol,
    price,
    change_24h_pct: i % 2 === 0 ? 1.5 : -0.75,
    volume_24h_usdt: 1_000_000 * (i + 1),
    updated_at: 1_700_000_000_000,
    closes: Array.from({ length: 48 }, (_, k) => price * (1 + Math.sin(k / 5) / 100)),
    ta: fakeTa(symbol, { ribbon: RIBBONS[i % 3], squeeze: SQUEEZES[i % 3], divergence: DIVERGENCES[i % 3], direction: "bullish" }),
    score: { long: 20, short: 20, components: [] },
    ...overrides,
  };
}

export class FakeMarket implements MarketView {
  readonly coinsBySymbol = new Map<string, CoinSnapshot>();
  marketStatus: MarketSourceStatus = {
    source: "sim",
    simulated: true,
    banner: "Simulated market: prices are not real",
    lastUpdate: { "5m": null, "1h": null, "4h": null },
    lastError: null,
    symbols: SYMBOLS,
  };
  private readonly listeners = new Set<(symbols: string[]) => void>();

  constructor() {
    SYMBOLS.forEach((symbol, i) => this.coinsBySymbol.set(symbol, fakeCoin(symbol, i)));
  }
  symbols(): string[] {
    return SYMBOLS;
  }
  coins(): CoinSnapshot[] {
    return [...this.coinsBySymbol.values()];
  }
  coin(symbol: string): CoinSnapshot | null {
    return this.coinsBySymbol.get(symbol) ?? null;
  }
  status(): MarketSourceStatus {
    return this.marketStatus;
  }
  onChange(listener: (symbols: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  /** Replaces a coin's snapshot and tells listeners, as the market pipeline does. */
  update(symbol: string, patch: Partial<CoinSnapshot>): void {
    const current = this.coinsBySymbol.get(symbol);
    if (!current) throw new Error(`unknown symbol ${symbol}`);
    this.coinsBySymbol.set(symbol, { ...current, ...patch });
    for (const listener of this.listeners) listener([symbol]);
  }
  setStatus(patch: Partial<MarketSourceStatus>): void {
    this.marketStatus = { ...this.marketStatus, ...patch };
    for (const listener of this.listeners) listener([]);
  }
  /** Candles per "SYMBOL timeframe", oldest first (the coin page's chart); none unless a test sets some. */
  readonly candleSeries = new Map<string, Candle[]>();
  recentCandles(symbol: string, timeframe: Timeframe, limit: number): Candle[] {
    return (this.candleSeries.get(`${symbol} ${timeframe}`) ?? []).slice(-limit);
  }
  /** Sets a coin's candles of one timeframe and tells listeners, as a candle event does. */
  setCandles(symbol: string, timeframe: Timeframe, candles: Candle[]): void {
    this.candleSeries.set(`${symbol} ${timeframe}`, candles);
    for (const listener of this.listeners) listener([symbol]);
  }
}

/** The trader's journal and the dashboard's record view in one, in memory. */
export class MemoryRecord implements TraderJournal, RecordView {
  entries: LogEntry[] = [];
  trades: (ClosedTradeView & { open: boolean })[] = [];
  snapshots: EquityPoint[] = [];
  private id = 0;
  constructor(private readonly now: () => number = Date.now) {}

  log(kind: LogKind, message: string, data?: unknown, origin?: Origin): void {
    this.entries.push({ id: ++this.id, at: this.now(), kind, message, data: data ?? null, origin: origin ?? null });
  }
  tradeOpened(message: string, entry: Parameters<TraderJournal["tradeOpened"]>[1]): void {
    this.log("trade", message, { symbol: entry.symbol });
    this.trades.push({ symbol: entry.symbol, side: entry.side, size: entry.size, entry_price: entry.entry_price, exit_price: null, pnl: null, fees: entry.fee, opened_at: entry.at, closed_at: null, close_reason: null, open: true });
  }
  tradeClosed(message: string, entry: Parameters<TraderJournal["tradeClosed"]>[1]): void {
    this.log("trade", message, { symbol: entry.symbol });
    const trade = this.trades.find((t) => t.open && t.symbol === entry.symbol);
    if (!trade) return;
    Object.assign(trade, { open: false, exit_price: entry.exit_price, pnl: entry.pnl, closed_at: entry.at, close_reason: entry.reason, fees: trade.fees + entry.fee });
  }
  hasOrderWithClientId(): boolean {
    return false;
  }
  openTrades(exchange: string): OpenTradeRecord[] {
    return this.trades.filter((t) => t.open).map((t) => ({ symbol: t.symbol, side: t.side, size: t.size, entry_price: t.entry_price, fees: t.fees, opened_at: t.opened_at, exchange }));
  }
  lastCloseAt(symbol: string): number | null {
    const times = this.trades.filter((t) => !t.open && t.symbol === symbol && t.closed_at !== null).map((t) => t.closed_at ?? 0);
    return times.length ? Math.max(...times) : null;
  }
  equitySnapshot(entry: Parameters<TraderJournal["equitySnapshot"]>[0]): void {
    this.snapshots.push({ at: entry.at, equity: entry.equity });
  }
  logs(query: { kind?: LogKind; limit: number }): LogEntry[] {
    return this.entries.filter((e) => !query.kind || e.kind === query.kind).slice(-query.limit).reverse();
  }
  closedTrades(limit: number): ClosedTradeView[] {
    return this.trades.filter((t) => !t.open).slice(-limit).reverse().map(({ open: _open, ...t }) => t);
  }
  equityCurve(limit: number): EquityPoint[] {
    return this.snapshots.slice(-limit);
  }
}

/** Config kept in memory with the schema's validation, counting saves. */
export class MemoryConfig {
  config: TraderConfig = { ...DEFAULT_TRADER_CONFIG };
  saves = 0;
  current(): TraderConfig {
    return this.config;
  }
  async read(): Promise<TraderConfig> {
    return this.config;
  }
  async update(patch: TraderConfigPatch, _origin: Origin): Promise<ConfigUpdateResult> {
    const checked = TraderConfigPatchSchema.safeParse(patch);
    const merged = checked.success ? TraderConfigSchema.safeParse({ ...this.config, ...checked.data }) : checked;
    if (!merged.success) {
      const issues = describeIssues(merged.error);
      return { ok: false, error: issues.map((i) => `${i.path}: ${i.message}`).join("; "), issues };
    }
    this.config = merged.data as TraderConfig;
    this.saves++;
    return { ok: true, config: this.config };
  }
}

export interface FakeWorld {
  deps: WebDeps;
  controller: TraderController;
  market: FakeMarket;
  record: MemoryRecord;
  config: MemoryConfig;
  exchange: ScriptedExchange & { startingBalance: number };
  lock: { value: LockInfo | null };
  /** Present with makeWorld({ backtests: true }). */
  backtests: BacktestRuns | null;
  /** Waits for a backtest still running, closes the service and removes its temp dir (no-op without backtests). */
  disposeBacktests(): Promise<void>;
}

/** The backtest data set tests run on: 3 coins × 1,600 5m candles (test/fixtures/backtest). */
export const BACKTEST_FIXTURES = join(import.meta.dir, "../fixtures/backtest");

export function makeWorld(options: { token?: string | null; host?: string; config?: MemoryConfig; readOnly?: string; backtests?: boolean } = {}): FakeWorld {
  const market = new FakeMarket();
  const record = new MemoryRecord();
  /** A subclass may keep the config somewhere real (the fuzz test: a real trader_config.json). */
  const config = options.config ?? new MemoryConfig();
  const exchange = Object.assign(new ScriptedExchange(), { startingBalance: 10000 });
  for (const symbol of SYMBOLS) exchange.prices[symbol] = market.coin(symbol)?.price ?? 100;
  const lock = { value: null as LockInfo | null };
  let state: PersistedTraderState = { ...INITIAL_TRADER_STATE };
  const controller = new TraderController({
    config,
    state: { load: async () => state, save: async (next) => { state = next; } },
    lockFile: {
      read: async () => lock.value,
      write: async (info) => { lock.value = { ...info, at: new Date().toISOString() }; },
      clear: async () => { lock.value = null; },
    },
    journal: record,
    paper: exchange,
    coinex: null,
    market: () => ({ name: market.status().source, simulated: market.status().simulated, banner: market.status().banner }),
    coins: (cfg) =>
      market.coins().map((coin) => {
        const composite = compositeScore(coin.score, coin.ta, cfg.use_ta_signals);
        // Fresh closed candles as far as the trader's stale-data rule is concerned.
        return { symbol: coin.symbol, price: coin.price, long: composite.long, short: composite.short, simulated: market.status().simulated, closed_at: Date.now() - 60_000, received_at: Date.now() };
      }),
    accountRefreshMs: 0,
    closeRetryDelayMs: 0,
    sleep: async () => {},
  });
  const deps: WebDeps = {
    controller,
    market,
    record,
    health: () => ({ ok: true, version: "test" }),
    security: { dashboardToken: options.token ?? null, host: options.host ?? "127.0.0.1" },
    version: "test",
    ...(options.readOnly ? { readOnly: options.readOnly } : {}),
  };
  let backtests: BacktestRuns | null = null;
  let backtestDir: string | null = null;
  if (options.backtests) {
    backtestDir = mkdtempSync(join(tmpdir(), "web-backtests-"));
    backtests = new BacktestRuns({ dataDir: backtestDir, dataSets: [{ name: "fixtures", dir: BACKTEST_FIXTURES }], currentConfig: () => config.current() });
    deps.backtests = backtests;
  }
  const disposeBacktests = async () => {
    if (!backtests || !backtestDir) return;
    await backtests.settled().catch(() => undefined);
    backtests.close();
    rmSync(backtestDir, { recursive: true, force: true });
    backtests = null;
  };
  return { deps, controller, market, record, config, exchange, lock, get backtests() { return backtests; }, disposeBacktests };
}

/** Gives two coins a long score above the default threshold (45) so a dry-run cycle opens them. */
export function makeSignals(world: FakeWorld, symbols: string[] = ["BTCUSDT", "ETHUSDT"]): void {
  for (const symbol of symbols) world.market.update(symbol, { score: { long: 80, short: 10, components: [] } });
}
