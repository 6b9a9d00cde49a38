/**
 * Market data read from the bus, for processes that do not fetch candles
 * themselves (roles trader and web): the ta process publishes every candle on
 * `market:candles:{symbol}` and keeps the newest candles of each timeframe in
 * `cache:candles:{symbol}[:1h|:4h]` (oldest first, the forming one last), and
 * says where its prices come from in every `signals:scan`.
 *
 * - history: the cache, minus its newest candle. That one is delivered as the
 *   forming candle when start() runs, even when its period has already ended:
 *   the ta polls Binance US every 30 s (5 min for 1h/4h), so for a while after
 *   a period ends its cache still holds the unfinished version of that candle;
 *   taking it as closed would freeze wrong prices into every indicator. It
 *   becomes closed when the ta says so, or when a newer candle shows it is.
 * - live: updates of the listed symbols, in order. An update that skips
 *   candles (messages missed during an outage, a ta process started after
 *   this one, a restarted ta) makes the source read that series' cache first
 *   and deliver what is missing; updates arriving meanwhile wait their turn.
 *   When Redis comes back every cache is read again.
 * - status: until a scan says otherwise the prices count as simulated, so
 *   live trading stays refused until the ta process has told us the source.
 */
import type { Bus, Unsubscribe } from "../bus/bus.ts";
import { channels, keys } from "../bus/keys.ts";
import type { MarketSourceInfo, ScanMessage } from "../bus/payloads.ts";
import type { Candle, CandleUpdate, Timeframe } from "./candle.ts";
import { TIMEFRAME_MS, TIMEFRAMES } from "./candle.ts";
import { SeriesGate, seriesKey } from "./series-gate.ts";
import type { MarketSource, MarketSourceName, MarketSourceStatus } from "./source.ts";
import { validateSymbols } from "./symbols.ts";
import { logger, type Logger } from "../log.ts";

/** Banner before the first scan message: nothing says yet whether the prices are real. */
export const WAITING_FOR_TA_BANNER = "Waiting for the market data on Redis (is a ta process running?)";
/** Banner and error while Redis is unreachable: the prices shown stop moving. */
export const REDIS_DOWN_NOTE = "Redis unreachable: market data from the bus is not updating until it is back";

export interface BusMarketSourceOptions {
  symbols: readonly string[];
  /** Clock for status().lastUpdate, ms since the epoch. Default Date.now. */
  now?: () => number;
  log?: Logger;
  /**
   * Why the channels cannot be trusted (another environment on the same Redis
   * server: src/bus/shared-pubsub-guard.ts), or null. While set, the prices
   * count as simulated, whatever the scan says, and the banner says why.
   */
  untrusted?: () => string | null;
}

interface SeriesState {
  symbol: string;
  timeframe: Timeframe;
  /**
   * Open time up to which an update follows on what was delivered without a
   * gap; undefined before this series had any candle (no cache at history).
   */
  expectUpTo: number | undefined;
  /** Set while the cache is being read: updates that arrive meanwhile, delivered after it in order. */
  waiting: CandleUpdate[] | null;
}

export class BusMarketSource implements MarketSource {
  private readonly bus: Bus;
  private readonly symbols: string[];
  private readonly symbolSet: ReadonlySet<string>;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly untrusted: () => string | null;
  /** What was handed on, so overlapping cache reads do not resend old candles. */
  private readonly gate = new SeriesGate();
  private readonly series = new Map<string, SeriesState>();
  /** The newest cached candle per series, held back by history() and delivered as forming by start(). */
  private readonly formingFromHistory = new Map<string, CandleUpdate>();
  /** Outstanding problems per series (missing cache, unfilled gap), newest last. */
  private readonly problems = new Map<string, string>();
  private readonly lastUpdate: Record<Timeframe, number | null> = { "5m": null, "1h": null, "4h": null };
  private readonly misaddressed = new Set<string>();
  private info: MarketSourceInfo | null = null;
  private sink: ((update: CandleUpdate) => void) | null = null;
  private unsubscribes: Unsubscribe[] = [];
  private offReconnect: (() => void) | null = null;
  private subscribing: Promise<void> = Promise.resolve();
  /** Bumped by start and stop, so a cache read begun before stop() delivers nothing after it. */
  private run = 0;

  constructor(bus: Bus, options: BusMarketSourceOptions) {
    this.bus = bus;
    this.symbols = validateSymbols(options.symbols, "bus market source symbols");
    this.symbolSet = new Set(this.symbols);
    this.now = options.now ?? Date.now;
    this.log = options.log ?? logger("market");
    this.untrusted = options.untrusted ?? (() => null);
  }

  /** Where the ta process gets its prices, from the latest scan; "sim" until one arrives. */
  get name(): MarketSourceName {
    return this.info?.name ?? "sim";
  }

  async history(symbol: string, timeframe: Timeframe): Promise<Candle[]> {
    const state = this.state(symbol, timeframe);
    const key = keys.candles(symbol, timeframe);
    const cached = await this.bus.get(key);
    if (!cached || cached.length === 0) {
      const message = this.bus.isConnected()
        ? `no candles in ${key} on Redis: a ta process (--role ta or all) must be running and publishing to this Redis`
        : `cannot read ${key}: Redis is unreachable`;
      this.problems.delete(state.key);
      this.problems.set(state.key, message);
      throw new Error(message);
    }
    const { closed, forming } = this.split(key, cached);
    const newestClosed = closed[closed.length - 1];
    if (newestClosed) this.gate.noteClosed(symbol, timeframe, newestClosed.t);
    if (forming) this.formingFromHistory.set(state.key, { symbol, timeframe, candle: forming, closed: false });
    state.series.expectUpTo = (forming ?? newestClosed)!.t;
    this.problems.delete(state.key);
    return closed;
  }

  start(onUpdate: (update: CandleUpdate) => void): void {
    if (this.sink) throw new Error("bus market source: already started");
    this.sink = onUpdate;
    const run = ++this.run;
    for (const update of this.formingFromHistory.values()) this.pass(update);
    this.formingFromHistory.clear();
    this.offReconnect = this.bus.onReconnect(() => this.refillAll(run));
    this.subscribing = this.subscribe(run);
  }

  /**
   * Resolves once the subscriptions start() made are active (at once while
   * Redis is unreachable: the bus makes them when it is back). Never rejects.
   */
  whenSubscribed(): Promise<void> {
    return this.subscribing;
  }

  stop(): void {
    this.run++;
    this.sink = null;
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    this.offReconnect?.();
    this.offReconnect = null;
    for (const series of this.series.values()) series.waiting = null;
  }

  status(): MarketSourceStatus {
    const connected = this.bus.isConnected();
    const distrust = this.untrusted();
    const scanBanner = distrust ?? (this.info === null ? WAITING_FOR_TA_BANNER : this.info.banner);
    const problems = [...this.problems.values()];
    const newest = problems[problems.length - 1] ?? null;
    const problem = newest && problems.length > 1 ? `${newest} (and ${problems.length - 1} more)` : newest;
    return {
      source: this.name,
      // Fail safe: no scan yet, or channels another environment shares, means nobody can say these prices are real.
      simulated: distrust !== null || (this.info?.simulated ?? true),
      banner: connected ? scanBanner : [REDIS_DOWN_NOTE, scanBanner].filter(Boolean).join(" — "),
      lastUpdate: { ...this.lastUpdate },
      lastError: connected ? problem : REDIS_DOWN_NOTE,
      symbols: [...this.symbols],
    };
  }

  private async subscribe(run: number): Promise<void> {
    try {
      const offCandles = await this.bus.psubscribe("market:candles:*", (update, channel) => this.onCandle(update, channel));
      this.keepOrDrop(run, offCandles);
      const offScan = await this.bus.subscribe(channels.scan, (message) => this.onScan(message));
      this.keepOrDrop(run, offScan);
    } catch (error) {
      // Only a name outside the contract is refused, i.e. a bug here; say so rather than go quiet.
      const message = `bus market source: subscribing failed: ${(error as Error).message}`;
      this.problems.set("subscribe", message);
      this.log.error(message);
    }
  }

  /** Keeps a subscription made for `run`, or ends it at once when stop() came first. */
  private keepOrDrop(run: number, unsubscribe: Unsubscribe): void {
    if (run === this.run && this.sink) this.unsubscribes.push(unsubscribe);
    else unsubscribe();
  }

  private onScan(message: ScanMessage): void {
    this.info = message.source;
  }

  private onCandle(update: CandleUpdate, channel: string): void {
    if (!this.sink || !this.symbolSet.has(update.symbol)) return;
    if (channel !== channels.marketCandles(update.symbol)) {
      if (!this.misaddressed.has(channel)) {
        this.misaddressed.add(channel);
        this.log.error(`bus market source: ignored a ${update.symbol} candle published on ${channel} (a writer bug)`);
      }
      return;
    }
    this.lastUpdate[update.timeframe] = this.now();
    const { series } = this.state(update.symbol, update.timeframe);
    if (series.waiting) {
      series.waiting.push(update);
      return;
    }
    // No candle yet (the ta started after us), or candles skipped: read the cache first.
    if (series.expectUpTo === undefined || update.candle.t > series.expectUpTo) {
      void this.refill(series, this.run, update);
      return;
    }
    this.deliver(series, update);
  }

  private refillAll(run: number): void {
    if (run !== this.run) return;
    for (const symbol of this.symbols) {
      for (const timeframe of TIMEFRAMES) void this.refill(this.state(symbol, timeframe).series, run);
    }
  }

  /**
   * Reads the series' cache and delivers what it holds beyond what was
   * delivered, then `trigger` and whatever arrived during the read. Every
   * cached candle older than `trigger` counts as closed: a newer one exists.
   */
  private async refill(series: SeriesState, run: number, trigger?: CandleUpdate): Promise<void> {
    if (series.waiting) {
      if (trigger) series.waiting.push(trigger);
      return;
    }
    const waiting: CandleUpdate[] = trigger ? [trigger] : [];
    series.waiting = waiting;
    const { symbol, timeframe } = series;
    const key = keys.candles(symbol, timeframe);
    const cached = await this.bus.get(key);
    if (run !== this.run || series.waiting !== waiting) return;
    series.waiting = null;
    let newestCached: number | null = null;
    if (cached && cached.length > 0) {
      const { closed, forming } = this.split(key, cached, trigger?.candle.t);
      for (const candle of closed) this.deliver(series, { symbol, timeframe, candle, closed: true });
      if (forming) this.deliver(series, { symbol, timeframe, candle: forming, closed: false });
      newestCached = (forming ?? closed[closed.length - 1]!).t;
      series.expectUpTo = Math.max(series.expectUpTo ?? -Infinity, newestCached);
    }
    // A read that found the cache settles this series' problem; an empty read for a trigger is one.
    if (newestCached !== null || trigger) {
      const problem = trigger ? this.unfilled(series, key, trigger, newestCached) : null;
      this.problems.delete(seriesKey(symbol, timeframe));
      if (problem) {
        this.problems.set(seriesKey(symbol, timeframe), problem);
        this.log.warn(`bus market source: ${problem}`);
      }
    }
    // Do not look for the same candles again on every later update of this series.
    if (trigger) series.expectUpTo = Math.max(series.expectUpTo ?? -Infinity, trigger.candle.t);
    for (const update of waiting) this.deliver(series, update);
  }

  /** What the cache could not supply before `trigger`, as a message; null when nothing is missing. */
  private unfilled(series: SeriesState, key: string, trigger: CandleUpdate, newestCached: number | null): string | null {
    const { symbol, timeframe } = series;
    if (newestCached === null) {
      return series.expectUpTo === undefined
        ? `${symbol} ${timeframe}: no history (${key} is missing on Redis); TA warms up from live candles only`
        : `${symbol} ${timeframe}: candles before ${iso(trigger.candle.t)} were missed and ${key} is not on Redis to fill them`;
    }
    if (newestCached + TIMEFRAME_MS[timeframe] < trigger.candle.t) {
      return `${symbol} ${timeframe}: candles from ${iso(newestCached + TIMEFRAME_MS[timeframe])} to before ${iso(trigger.candle.t)} were missed and ${key} does not hold them`;
    }
    return null;
  }

  private deliver(series: SeriesState, update: CandleUpdate): void {
    if (update.closed) {
      const next = update.candle.t + TIMEFRAME_MS[update.timeframe];
      series.expectUpTo = Math.max(series.expectUpTo ?? -Infinity, next);
    }
    this.pass(update);
  }

  /** Hands an update on unless it is one the store already has (or has something newer than). */
  private pass(update: CandleUpdate): void {
    const sink = this.sink;
    if (!sink || !this.gate.admit(update)) return;
    try {
      sink(update);
    } catch (error) {
      this.log.error("bus market source: update listener failed", { symbol: update.symbol, error: (error as Error).message });
    }
  }

  /**
   * A cache list as closed candles plus the forming one: strictly ascending
   * (others dropped with a warning), the newest forming unless `newerThan`
   * (the open time of a newer candle seen live) shows it is closed.
   */
  private split(key: string, cached: readonly Candle[], newerThan?: number): { closed: Candle[]; forming: Candle | null } {
    const ordered: Candle[] = [];
    for (const candle of cached) {
      const previous = ordered[ordered.length - 1];
      if (previous === undefined || candle.t > previous.t) ordered.push(candle);
    }
    if (ordered.length < cached.length) {
      this.log.warn(`bus market source: ${key} holds ${cached.length - ordered.length} candles out of order; they were skipped`);
    }
    const newest = ordered[ordered.length - 1]!;
    if (newerThan !== undefined && newest.t < newerThan) return { closed: ordered, forming: null };
    return { closed: ordered.slice(0, -1), forming: newest };
  }

  private state(symbol: string, timeframe: Timeframe): { key: string; series: SeriesState } {
    const key = seriesKey(symbol, timeframe);
    let series = this.series.get(key);
    if (!series) {
      series = { symbol, timeframe, expectUpTo: undefined, waiting: null };
      this.series.set(key, series);
    }
    return { key, series };
  }
}

function iso(t: number): string {
  return new Date(t).toISOString();
}
