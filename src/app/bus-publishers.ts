/**
 * Publishes the product's state on the bus with the spec's exact keys and
 * channels (src/bus/keys.ts). The TA side: every candle on
 * market:candles:{symbol}; per changed coin the candle caches, ta:latest and
 * signals:ta (in the spec's shape, src/bus/ta-payload.ts, once the coin's TA has
 * warmed up); one signals:scan per batch. The trader side: state:* after every
 * change and cycle (and every 10 s as a heartbeat), state:trader:status with
 * the spec's status, uptime_s and last_trade; trade opens/closes, TP/SL hits
 * and errors on trader:events. The bus never throws into us during a Redis outage; a write
 * it refuses (a payload bug) is logged once per kind, never fatal.
 */
import type { Bus } from "../bus/bus.ts";
import { channels, keys, ttlForKey } from "../bus/keys.ts";
import { toTaPayload } from "../bus/ta-payload.ts";
import type { LastTrade } from "../bus/payloads.ts";
import { TIMEFRAMES } from "../market/candle.ts";
import { compositeScore } from "../scanner/composite.ts";
import { logger } from "../log.ts";
import type { TraderController } from "../trader/controller.ts";
import type { MarketPipeline } from "./market-pipeline.ts";

const log = logger("bus");
/**
 * Candles kept in each cache key: enough for a web or trader instance to
 * re-derive TA and the base score (whose 24h figures need 288 + 1 5m candles).
 */
const CACHED_CANDLES = 300;
/** How often the trader state is republished without a change; remote-trader.ts calls it stale after three missed. */
export const STATE_HEARTBEAT_MS = 10_000;

export function publishMarket(bus: Bus, market: MarketPipeline, useTaSignals: () => boolean): () => void {
  const report = onceLogger();
  // Candle caches are rewritten when a candle closes, and otherwise only often
  // enough to keep them alive (half their TTL): rewriting 29 × 3 lists of 200
  // candles on every forming tick stalled the event loop (BENCHMARKS.md).
  const closedSinceWrite = new Set<string>();
  const lastWritten = new Map<string, number>();
  const offCandle = market.onCandle((update) => {
    if (update.closed) closedSinceWrite.add(keys.candles(update.symbol, update.timeframe));
    void bus.publish(channels.marketCandles(update.symbol), update).catch(report("market:candles"));
  });
  const writeCandleCache = (symbol: string, now: number) => {
    for (const tf of TIMEFRAMES) {
      const key = keys.candles(symbol, tf);
      const due = (lastWritten.get(key) ?? 0) + (ttlForKey(key) ?? 60) * 500;
      if (!closedSinceWrite.has(key) && now < due) continue;
      const candles = market.recentCandles(symbol, tf, CACHED_CANDLES);
      if (candles.length === 0) continue;
      closedSinceWrite.delete(key);
      lastWritten.set(key, now);
      void bus.set(key, candles).catch(report("cache:candles"));
    }
  };
  const publishCoins = (symbols: string[]) => {
    const now = Date.now();
    for (const symbol of symbols) {
      const coin = market.coin(symbol);
      if (!coin) continue;
      writeCandleCache(symbol, now);
      // The spec's shape; null while a field it lists is still warming up: then nothing rather than nulls.
      const payload = toTaPayload(coin.ta);
      if (payload === null) continue;
      void bus.set(keys.taLatest(symbol), payload).catch(report("ta:latest"));
      void bus.publish(channels.taSignals(symbol), payload).catch(report("signals:ta"));
    }
    // A coin an owner's scoring module gave no score is left out, not published as 0.
    const results = market.coins().filter((coin) => !coin.unscored).map((coin) => {
      const score = compositeScore(coin.score, coin.ta, useTaSignals());
      return {
        symbol: coin.symbol,
        price: coin.price,
        change_24h_pct: coin.change_24h_pct,
        long: { base: score.long.base, bonus: score.long.bonus, total: score.long.total },
        short: { base: score.short.base, bonus: score.short.bonus, total: score.short.total },
      };
    });
    const status = market.status();
    const source = { name: status.source, simulated: status.simulated, banner: status.banner };
    void bus.publish(channels.scan, { at: Date.now(), source, results }).catch(report("signals:scan"));
  };
  const offChange = market.onChange(publishCoins);
  // Everything once at start and again whenever Redis comes back.
  publishCoins(market.symbols());
  const offReconnect = bus.onReconnect(() => {
    lastWritten.clear();
    publishCoins(market.symbols());
  });
  return () => {
    offCandle();
    offChange();
    offReconnect();
  };
}

/** When this process started (ms since the epoch): state:trader:status's uptime_s counts from here. */
const PROCESS_STARTED_AT = Date.now() - process.uptime() * 1000;

export interface PublishTraderOptions {
  /** Start of the uptime published in state:trader:status (default: this process's start). */
  processStartedAt?: number;
}

/**
 * The newest open or close of each controller, from its trade_open and
 * trade_close events. Followed from the first publishTrader on for the
 * controller's whole life, so a trade made while this process did not publish
 * (lease lost, Redis down) is still the last trade when it publishes again. A
 * fresh process says null until its first trade: the controller does not hand
 * out its SQLite record.
 */
const lastTrades = new WeakMap<TraderController, { trade: LastTrade | null }>();

function lastTradeOf(controller: TraderController): { trade: LastTrade | null } {
  let entry = lastTrades.get(controller);
  if (!entry) {
    const seen: { trade: LastTrade | null } = { trade: null };
    controller.onEvent((event) => {
      if (event.type !== "trade_open" && event.type !== "trade_close") return;
      const side = (event.data as { side?: unknown } | undefined)?.side;
      if (side !== "long" && side !== "short") return;
      seen.trade = { symbol: event.symbol, side, action: event.type === "trade_open" ? "open" : "close", at: new Date(event.at).toISOString() };
    });
    lastTrades.set(controller, (entry = seen));
  }
  return entry;
}

export function publishTrader(bus: Bus, controller: TraderController, options: PublishTraderOptions = {}): () => void {
  const report = onceLogger();
  const startedAt = options.processStartedAt ?? PROCESS_STARTED_AT;
  const last = lastTradeOf(controller);
  const publishState = () => {
    const status = controller.status();
    const now = Date.now();
    void bus.set(keys.traderConfig, status.config).catch(report("state:trader:config"));
    void bus
      .set(keys.traderStatus, {
        mode: status.mode,
        running: status.running,
        lock: status.lock ? { ...status.lock, at: Date.parse(status.lock.at) || now } : null,
        market_source: { ...status.market_source, name: status.market_source.name as "binance" | "replay" | "sim" },
        exchange: status.exchange,
        live: status.live,
        account_error: status.account_error,
        last_cycle: status.last_cycle ? { ...status.last_cycle } : null,
        closing: status.closing,
        cooldowns: status.cooldowns,
        warnings: status.warnings,
        status: status.lock ? "locked" : status.running ? "enabled" : "disabled",
        uptime_s: Math.max(0, Math.round((now - startedAt) / 1000)),
        last_trade: last.trade,
        updated_at: now,
      })
      .catch(report("state:trader:status"));
    void bus
      .set(
        keys.positions,
        status.positions.map((p) => ({
          symbol: p.symbol, side: p.side, size: p.size, entry_price: p.entry_price, current_price: p.current_price,
          unrealized_pnl: p.pnl, margin: p.margin, leverage: p.leverage, opened_at: p.opened_at,
          stop_loss_price: p.stop_loss_price, take_profit_price: p.take_profit_price, liquidation_price: p.liquidation_price,
        })),
      )
      .catch(report("state:positions"));
    if (status.account) {
      const a = status.account;
      void bus
        .set(keys.balance, { equity: a.equity, available: a.available, margin: a.margin, unrealized_pnl: a.unrealized_pnl, starting_balance: a.starting_balance, baseline_at: a.baseline_at, drawdown_pct: a.drawdown_pct, kill_switch_distance_pct: a.kill_switch_distance_pct, updated_at: now })
        .catch(report("state:balance"));
    }
  };
  // Coalesce bursts (a cycle notifies several topics) into one publish.
  let pending: ReturnType<typeof setTimeout> | null = null;
  const offChange = controller.onChange(() => {
    pending ??= setTimeout(() => {
      pending = null;
      publishState();
    }, 50);
  });
  const offEvent = controller.onEvent((event) => {
    const data = event.data && typeof event.data === "object" && !Array.isArray(event.data) ? (event.data as Record<string, unknown>) : event.data === undefined ? undefined : { value: event.data };
    void bus.publish(channels.traderEvents, { ...event, ...(data === undefined ? {} : { data }) } as never).catch(report("trader:events"));
  });
  publishState();
  const offReconnect = bus.onReconnect(publishState);
  // A heartbeat even when nothing changes (trader OFF, no cycles), so a reader can
  // tell a quiet trader from a dead one by state:trader:status.updated_at.
  const heartbeat = setInterval(publishState, STATE_HEARTBEAT_MS);
  return () => {
    clearInterval(heartbeat);
    if (pending) clearTimeout(pending);
    offChange();
    offEvent();
    offReconnect();
  };
}

/** Logs a refused write once per key kind, so a payload bug cannot flood the log. */
function onceLogger(): (kind: string) => (error: unknown) => void {
  const seen = new Set<string>();
  return (kind) => (error) => {
    if (seen.has(kind)) return;
    seen.add(kind);
    log.error(`could not publish ${kind}: ${(error as Error).message}`);
  };
}
