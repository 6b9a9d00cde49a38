/**
 * The backtester's engine: it only moves a simulated clock over recorded 5m
 * candles and feeds the product's own parts — the decision CoinAnalyzer per
 * coin (closed candles only, as live), the composite score, the trader's real
 * `runCycle` with its risk rules, and the paper exchange — so a backtest, a
 * dry-run and live make the same decision on the same data.
 *
 * ASSUMPTIONS (also written into every report):
 * - Warm-up: the first `warmupCandles` 5m candles of the data (default 1000,
 *   like live's start-up history) only feed the indicators; nothing trades.
 * - Time: one step per 5m candle. At each step's open a cycle runs when the
 *   clock is on a `scan_interval_minutes` slot; it decides on the candles
 *   closed by then (1h / 4h bars are revealed only once closed — from the 1h
 *   file when given, else built from 5m as live aggregates; 4h always built).
 * - Fills: a decision fills at that candle's open ± the paper slippage
 *   (default 5 bps), taker fee both sides (default 0.05 %).
 * - Inside a candle the paper exchange checks liquidation, then the
 *   exchange-side stop-loss, then take-profit against the candle's high/low:
 *   when a stop and a take-profit are both touched, the stop wins; a candle
 *   that opens beyond a stop fills at its open.
 * - Funding at 00:00 / 08:00 / 16:00 UTC: the file's rate for that time when a
 *   funding file is given, else 0.01 % per 8 h; charged on size × the price
 *   at that time (the close of the candle ending then) out of the position's
 *   isolated margin.
 * - Liquidation at the maintenance margin (0.5 %) with the whole margin lost.
 * - Mark price = the candle price (spot data has no mark price).
 * - Data gaps are not filled: a coin without a fresh closed candle is not
 *   opened (the live stale-data rule); the gaps are listed in the report.
 * - At the end every open position is closed at the last close ("end of test").
 * - The kill switch, circuit breaker and lock work as live: a trip pauses the
 *   run's trader for the rest of the test.
 */
import type { TraderConfig } from "../config/schema.ts";
import { memoryPaperStore, PaperExchange } from "../exchange/paper-exchange.ts";
import { DEFAULT_FUNDING_RATE } from "../exchange/paper-funding.ts";
import { bucketStart, mergeCandles } from "../market/aggregate.ts";
import type { Candle, Timeframe } from "../market/candle.ts";
import { TIMEFRAME_MS } from "../market/candle.ts";
import { CandleStore } from "../market/candle-store.ts";
import { CoinAnalyzer } from "../scanner/analyzer.ts";
import { scoreContained } from "../scanner/contained-scoring.ts";
import { scoringInput, type Scorer } from "../scanner/scoring.ts";
import { scoredCoin } from "../scanner/scored-coin.ts";
import { closeAll } from "../trader/closing.ts";
import { freshCycleMemory, runCycle } from "../trader/cycle.ts";
import type { CyclePorts, LockInfo, TraderEvent } from "../trader/ports.ts";
import { reconcileClosedPositions } from "../trader/reconcile.ts";
import type { ScoredCoin } from "../trader/signals.ts";
import type { BacktestData, FundingPoint, SymbolSeries } from "./data.ts";
import { BacktestJournal } from "./journal.ts";
import { toTrades, type BacktestTrade } from "./trades.ts";

const FIVE = TIMEFRAME_MS["5m"];
const HOUR = TIMEFRAME_MS["1h"];
const FOUR = TIMEFRAME_MS["4h"];

export interface BacktestOptions {
  data: BacktestData;
  /** The trader's config; its `mode` is ignored (a backtest always trades the simulated paper account). */
  config: TraderConfig;
  /** First and last 5m open time to trade (ms); candles before `from` warm the indicators up. Default: the whole data after warm-up. */
  from?: number;
  to?: number;
  startingBalance?: number;
  warmupCandles?: number;
  slippageBps?: number;
  takerFeeRate?: number;
  /** Called now and then with steps done and total (a progress bar). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Give the event loop a turn after this many ms of work (a run started from
   * the dashboard must not block the live loops); default never (the CLI).
   */
  yieldEveryMs?: number;
  /** An owner's scorer (--scoring); the built-in base score when absent. */
  scorer?: Scorer;
  scoringTimeoutMs?: number;
  /** Sees every candle the engine reveals, with the clock at that moment (tests prove nothing comes early). */
  onReveal?: (symbol: string, timeframe: Timeframe, candle: Candle, clock: number) => void;
}

export interface EquityPoint {
  t: number;
  equity: number;
}

export interface BacktestRun {
  config: TraderConfig;
  from: number;
  to: number;
  startingBalance: number;
  endBalance: number;
  trades: BacktestTrade[];
  equity: EquityPoint[];
  /** Signals max_positions turned away. */
  rejectedByMaxPositions: number;
  killSwitch: { at: number; reason: string } | null;
  /** 5m candles stepped (all symbols) and cycles run, in the trading window. */
  candles: number;
  cycles: number;
  assumptions: string[];
  errors: { at: number; message: string }[];
}

export const ASSUMPTIONS = [
  "Warm-up: the first 1000 5m candles (or those before --from) only feed the indicators; nothing trades.",
  "Decisions on closed candles only; 1h and 4h bars are revealed once closed (1h from its file when given, else built from 5m; 4h built).",
  "A cycle runs at each scan_interval_minutes slot of simulated time; its orders fill at that 5m candle's open ± 5 bps slippage; taker fee 0.05 % on both sides.",
  "Inside a candle: liquidation, then stop-loss, then take-profit from its high/low; both stops touched → the stop-loss; a candle opening beyond a stop fills at its open.",
  `Funding at 00:00, 08:00 and 16:00 UTC at the funding file's rate, else ${DEFAULT_FUNDING_RATE * 100} % per 8 h, on size × the price at that time (the close of the candle ending then), out of isolated margin.`,
  "Liquidation at the maintenance margin (0.5 %): the whole margin is lost.",
  "Mark price = the candle price. Data gaps are not filled: a coin without a fresh closed candle is not opened.",
  "Open positions are closed at the last close at the end (exit reason: end of test).",
];

interface Coin {
  series: SymbolSeries;
  /** Closed candles kept as live keeps them, for an owner's scorer (null with the built-in score). */
  store: CandleStore | null;
  analyzer: CoinAnalyzer;
  next: number;
  /** Aggregation of the hour / 4h buckets from smaller bars. */
  hourParts: Candle[];
  fourParts: Candle[];
  hourFileNext: number;
  fundingNext: number;
  closedAt: number | null;
  receivedAt: number | null;
}

export async function runBacktest(options: BacktestOptions): Promise<BacktestRun> {
  const { data } = options;
  const config: TraderConfig = { ...options.config, mode: "dry-run" };
  const startingBalance = options.startingBalance ?? 10_000;
  const warmup = options.warmupCandles ?? 1000;
  let clock = data.first;
  const prices = new Map<string, number>();
  const external = options.scorer && !options.scorer.builtIn ? options.scorer : null;
  const coins: Coin[] = data.series.map((series) => ({
    series, store: external ? new CandleStore() : null, analyzer: new CoinAnalyzer(series.symbol, { now: () => clock }), next: 0, hourParts: [], fourParts: [], hourFileNext: 0, fundingNext: 0, closedAt: null, receivedAt: null,
  }));
  const bySymbol = new Map(coins.map((coin) => [coin.series.symbol, coin]));

  const paper = new PaperExchange({
    priceOf: (symbol) => prices.get(symbol),
    statePath: "(backtest)",
    store: memoryPaperStore(),
    startingBalance,
    slippageBps: options.slippageBps,
    takerFeeRate: options.takerFeeRate,
    fundingRateOf: (symbol) => fundingRate(bySymbol.get(symbol), clock),
    now: () => clock,
  });

  const tradeFrom = Math.max(options.from ?? -Infinity, data.first + warmup * FIVE);
  const tradeTo = Math.min(options.to ?? Infinity, data.last);
  if (!(tradeFrom <= tradeTo)) {
    throw new Error(`no data to trade between ${iso(options.from ?? data.first)} and ${iso(options.to ?? data.last)} after the ${warmup}-candle warm-up (data: ${iso(data.first)} – ${iso(data.last)})`);
  }

  const journal = new BacktestJournal(() => clock);
  const events: TraderEvent[] = [];
  let lock: LockInfo | null = null;
  let paused = false;
  let killSwitch: BacktestRun["killSwitch"] = null;
  const memory = freshCycleMemory();
  const closePorts = { journal, emit: (event: TraderEvent) => events.push(event), now: () => clock, sleep: async () => {} };
  const ports: CyclePorts = {
    readConfig: async () => (paused ? { ...config, mode: "paused" } : config),
    exchangeFor: () => ({ exchange: paper }),
    startingBalance: () => paper.startingBalance,
    coins: (cfg) => (external ? scoredByModule(coins, cfg, prices, external, options.scoringTimeoutMs, journal) : scored(coins, cfg, prices)),
    lock: { current: async () => lock, set: async (info) => void (lock = { ...info, at: new Date(clock).toISOString() }) },
    journal,
    reconcile: async (exchange, positions) => void (await reconcileClosedPositions(exchange, positions, closePorts)),
    mustClose: () => {},
    pause: async (reason) => {
      paused = true;
      killSwitch ??= { at: clock, reason };
    },
    emit: closePorts.emit,
    now: () => clock,
    sleep: async () => {},
  };

  const equity: EquityPoint[] = [];
  const interval = config.scan_interval_minutes * 60_000;
  const totalSteps = Math.max(1, Math.floor((tradeTo - data.first) / FIVE) + 1);
  let cycles = 0;
  let candles = 0;
  let step = 0;
  let workedSince = performance.now();
for (let t = data.first; t <= tradeTo; t += FIVE, step++) {
    clock = t;
    const here = coins.filter((coin) => coin.series.five[coin.next]?.t === t);
    for (const coin of here) prices.set(coin.series.symbol, coin.series.five[coin.next]!.o);
    const trading = t >= tradeFrom;
    if (trading && t % interval === 0) {
      await runCycle(ports, memory);
      cycles += 1;
    }
    clock = t + FIVE;
    for (const coin of here) {
      const candle = coin.series.five[coin.next]!;
      coin.next += 1;
      if (trading) {
        candles += 1;
        paper.onMarketUpdate({ symbol: coin.series.symbol, t: candle.t, open: candle.o, high: candle.h, low: candle.l, close: candle.c });
      }
      prices.set(coin.series.symbol, candle.c);
      reveal(coin, candle, clock, options.onReveal);
    }
    if (trading && clock % HOUR === 0) equity.push({ t: clock, equity: (await paper.getBalance()).equity });
    if (options.onProgress && step % 2000 === 0) options.onProgress(step, totalSteps);
    if (options.yieldEveryMs !== undefined && performance.now() - workedSince >= options.yieldEveryMs) {
      await new Promise((resolve) => setImmediate(resolve));
      workedSince = performance.now();
    }
  }
  // The end: whatever is open closes at the last close.
  // Record what the exchange closed on its own since the last cycle, then close the rest.
  const open = await paper.getPositions();
  await ports.reconcile(paper, open);
  await closeAll(paper, open, "end of test", closePorts, { attempts: 1 });
  const end = (await paper.getBalance()).equity;
  if (equity.at(-1)?.t !== clock) equity.push({ t: clock, equity: end });
  options.onProgress?.(totalSteps, totalSteps);
  return {
    config,
    from: tradeFrom,
    to: tradeTo,
    startingBalance,
    endBalance: end,
    trades: toTrades(journal.trades),
    equity,
    rejectedByMaxPositions: journal.rejectedByMaxPositions,
    killSwitch,
    candles,
    cycles,
    assumptions: ASSUMPTIONS,
    errors: journal.errors,
  };
}

/**
 * With an owner's scorer: its score for each coin from the closed candles the
 * engine has revealed (the same windows live keeps), contained as live
 * contains it — a coin it fails on is not traded this cycle, and the problem
 * goes to the run's error list.
 */
async function scoredByModule(coins: Coin[], config: TraderConfig, prices: Map<string, number>, scorer: Scorer, timeoutMs: number | undefined, journal: BacktestJournal): Promise<ScoredCoin[]> {
  const out: ScoredCoin[] = [];
  for (const coin of coins) {
    const snapshot = coin.analyzer.snapshot();
    const store = coin.store;
    if (!snapshot || !store) continue;
    const symbol = coin.series.symbol;
    const input = scoringInput(symbol, { "5m": store.candles(symbol, "5m"), "1h": store.candles(symbol, "1h"), "4h": store.candles(symbol, "4h") });
    if (!input) continue;
    const result = await scoreContained(scorer, input, timeoutMs);
    if (!result.ok) {
      journal.log("error", `scoring module ${scorer.label}: ${symbol} has no score: ${result.problem}`);
      continue;
    }
    out.push(scoredCoin({ ...snapshot, score: result.score }, config, { price: prices.get(symbol) ?? snapshot.price, closed_at: coin.closedAt, received_at: coin.receivedAt, simulated: false }));
  }
  return out;
}

function scored(coins: Coin[], config: TraderConfig, prices: Map<string, number>): ScoredCoin[] {
  const out: ScoredCoin[] = [];
  for (const coin of coins) {
    const snapshot = coin.analyzer.snapshot();
    if (!snapshot) continue;
    out.push(scoredCoin(snapshot, config, { price: prices.get(coin.series.symbol) ?? snapshot.price, closed_at: coin.closedAt, received_at: coin.receivedAt, simulated: false }));
  }
  return out;
}

/** A closed 5m candle reaches the decision analyzer, and with it any 1h / 4h bar that closes now. */
function reveal(coin: Coin, candle: Candle, clock: number, onReveal: BacktestOptions["onReveal"]): void {
  const symbol = coin.series.symbol;
  const update = (timeframe: Timeframe, bar: Candle) => {
    onReveal?.(symbol, timeframe, bar, clock);
    const closed = { symbol, timeframe, candle: bar, closed: true } as const;
    coin.analyzer.update(closed);
    coin.store?.apply(closed);
  };
  update("5m", candle);
  coin.closedAt = candle.t + FIVE;
  coin.receivedAt = clock;
  if (clock % HOUR !== 0) {
    if (!coin.series.hour) coin.hourParts.push(candle);
    return;
  }
  let hour: Candle | null = null;
  const hourStart = clock - HOUR;
  if (coin.series.hour) {
    const file = coin.series.hour;
    while (coin.hourFileNext < file.length && file[coin.hourFileNext]!.t < hourStart) coin.hourFileNext += 1;
    if (file[coin.hourFileNext]?.t === hourStart) hour = file[coin.hourFileNext++]!;
  } else {
    coin.hourParts.push(candle);
    const parts = coin.hourParts.filter((c) => bucketStart(c.t, "1h") === hourStart);
    hour = parts.length > 0 ? mergeCandles(hourStart, parts) : null;
    coin.hourParts = [];
  }
  if (!hour) return;
  update("1h", hour);
  coin.fourParts.push(hour);
  if (clock % FOUR !== 0) return;
  const fourStart = clock - FOUR;
  const parts = coin.fourParts.filter((c) => bucketStart(c.t, "4h") === fourStart);
  coin.fourParts = [];
  if (parts.length > 0) update("4h", mergeCandles(fourStart, parts));
}

/** The funding file's rate for the latest funding time at or before `clock`, else undefined (the paper default). */
function fundingRate(coin: Coin | undefined, clock: number): number | undefined {
  const points: FundingPoint[] | null | undefined = coin?.series.funding;
  if (!coin || !points) return undefined;
  while (coin.fundingNext + 1 < points.length && points[coin.fundingNext + 1]!.t <= clock) coin.fundingNext += 1;
  const point = points[coin.fundingNext];
  return point && point.t <= clock ? point.rate : undefined;
}

function iso(t: number): string {
  return new Date(t).toISOString().slice(0, 16).replace("T", " ") + "Z";
}
