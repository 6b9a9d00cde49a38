/**
 * Small in-memory stand-ins for the trader's ports, for rule tests that need
 * to count exchange calls or inject failures. Integration tests use the real
 * SQLite store and the real paper exchange instead.
 */
import { DEFAULT_TRADER_CONFIG, type TraderConfig } from "../../src/config/schema.ts";
import type { Balance, CloseResult, ClosedPosition, Exchange, MarketInfo, OrderRequest, OrderResult, Position, PositionStops } from "../../src/exchange/types.ts";
import { ExchangeError } from "../../src/exchange/types.ts";
import { reconcileClosedPositions } from "../../src/trader/reconcile.ts";
import type { CyclePorts, LockInfo, LogKind, OpenTradeRecord, TraderEvent, TraderJournal } from "../../src/trader/ports.ts";
import type { ScoredCoin } from "../../src/trader/signals.ts";

/** The clock every harness starts at unless a test passes its own. */
export const HARNESS_NOW = 1_700_000_000_000;

export class MemoryJournal implements TraderJournal {
  entries: { kind: LogKind; message: string; data?: unknown }[] = [];
  opened: Parameters<TraderJournal["tradeOpened"]>[1][] = [];
  closed: Parameters<TraderJournal["tradeClosed"]>[1][] = [];
  snapshots: Parameters<TraderJournal["equitySnapshot"]>[0][] = [];
  /** The lines written inside each `together` call, in order. */
  commits: string[][] = [];
  private inside: string[] | null = null;
  log(kind: LogKind, message: string, data?: unknown): void {
    this.entries.push({ kind, message, data });
    this.inside?.push(message);
  }
  together(work: () => void): void {
    this.inside = [];
    try {
      work();
    } finally {
      this.commits.push(this.inside);
      this.inside = null;
    }
  }
  tradeOpened(message: string, entry: Parameters<TraderJournal["tradeOpened"]>[1]): void {
    this.opened.push(entry);
    this.log("trade", message, entry);
  }
  tradeClosed(message: string, entry: Parameters<TraderJournal["tradeClosed"]>[1]): void {
    this.closed.push(entry);
    this.log("trade", message, entry);
  }
  hasOrderWithClientId(clientId: string): boolean {
    return this.opened.some((o) => o.client_id === clientId);
  }
  openTrades(exchange: string): OpenTradeRecord[] {
    // Replays opens and closes in order: what is open now, as SQLite would answer.
    const open = new Map<string, OpenTradeRecord>();
    for (const entry of this.entries) {
      if (entry.kind !== "trade") continue;
      const opened = this.opened.find((o) => o === entry.data);
      const closed = this.closed.find((c) => c === entry.data);
      if (opened && opened.exchange === exchange) {
        open.set(opened.symbol, { symbol: opened.symbol, side: opened.side, size: opened.size, entry_price: opened.entry_price, fees: opened.fee, opened_at: opened.at, exchange });
      } else if (closed && closed.exchange === exchange) open.delete(closed.symbol);
    }
    return [...open.values()];
  }
  lastCloseAt(symbol: string, exchange: string): number | null {
    const times = this.closed.filter((c) => c.symbol === symbol && c.exchange === exchange).map((c) => c.at);
    return times.length ? Math.max(...times) : null;
  }
  equitySnapshot(entry: Parameters<TraderJournal["equitySnapshot"]>[0]): void {
    this.snapshots.push(entry);
  }
  of(kind: LogKind): string[] {
    return this.entries.filter((e) => e.kind === kind).map((e) => e.message);
  }
}

/** A scripted exchange: records every call, fails on demand, keeps positions in memory. */
export class ScriptedExchange implements Exchange {
  readonly name = "paper" as const;
  calls: string[] = [];
  failNext = 0;
  balance: Balance = { equity: 10000, available: 10000, margin: 0, unrealized_pnl: 0 };
  positions: Position[] = [];
  prices: Record<string, number> = {};
  orders: OrderRequest[] = [];
  private seen = new Map<string, OrderResult>();

  private async call<T>(name: string, body: () => T): Promise<T> {
    this.calls.push(name);
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error(`injected failure in ${name}`);
    }
    return body();
  }
  getBalance() { return this.call("getBalance", () => ({ ...this.balance })); }
  getPositions() { return this.call("getPositions", () => this.positions.map((p) => ({ ...p }))); }
  /** Market rules every symbol gets; tests change them (e.g. the leverage levels). */
  market: Omit<MarketInfo, "symbol"> = {
    min_amount: 0.001, amount_precision: 3, price_precision: 2, leverage_levels: [1, 2, 3, 5, 8, 10, 15, 20], max_leverage: 20,
    taker_fee_rate: 0.0005, maintenance_margin_rate: 0.005, fill_allowance_rate: 0,
  };
  /** Symbols whose orders the exchange refuses, with the message. */
  refuse: Record<string, string> = {};
  /** Closes that fail before one succeeds, per symbol. */
  closeFailures: Record<string, number> = {};
  finished: ClosedPosition[] = [];
  stops: { symbol: string; stops: PositionStops }[] = [];
  getMarketInfo(symbol: string) {
    return this.call("getMarketInfo", (): MarketInfo => ({ symbol, ...this.market, leverage_levels: [...this.market.leverage_levels] }));
  }
  getPrice(symbol: string) { return this.call("getPrice", () => this.prices[symbol] ?? 100); }
  /** Grants the largest listed level ≤ the request, as CoinEx does. */
  setLeverage(_symbol: string, leverage: number) {
    return this.call("setLeverage", () => Math.max(...this.market.leverage_levels.filter((l) => l <= leverage)));
  }
  setPositionStops(symbol: string, stops: PositionStops) {
    return this.call("setPositionStops", (): PositionStops => {
      const position = this.positions.find((p) => p.symbol === symbol);
      if (!position) throw new ExchangeError(`no open position on ${symbol}`, "no_position");
      position.stop_loss_price = stops.stop_loss_price;
      position.take_profit_price = stops.take_profit_price;
      this.stops.push({ symbol, stops: { ...stops } });
      return { ...stops };
    });
  }
  placeMarketOrder(order: OrderRequest) {
    return this.call("placeMarketOrder", (): OrderResult => {
      const seen = this.seen.get(order.client_id);
      if (seen) return { ...seen, duplicate: true };
      const refusal = this.refuse[order.symbol];
      if (refusal) throw new ExchangeError(refusal, 4117);
      this.orders.push(order);
      const price = this.prices[order.symbol] ?? 100;
      this.positions.push({
        symbol: order.symbol, side: order.side === "buy" ? "long" : "short", size: order.amount, entry_price: price,
        current_price: price, unrealized_pnl: 0, margin: (order.amount * price) / order.leverage, leverage: order.leverage, opened_at: 0,
        stop_loss_price: null, take_profit_price: null, liquidation_price: null, funding: 0,
      });
      const result: OrderResult = { order_id: String(this.orders.length), client_id: order.client_id, symbol: order.symbol, side: order.side, amount: order.amount, price, fee: 0, realized_pnl: 0, duplicate: false };
      this.seen.set(order.client_id, result);
      return result;
    });
  }
  closePosition(symbol: string, client_id: string) {
    return this.call("closePosition", (): CloseResult => {
      const position = this.positions.find((p) => p.symbol === symbol);
      if (!position) throw new ExchangeError(`no position for ${symbol}`, "no_position");
      if ((this.closeFailures[symbol] ?? 0) > 0) {
        this.closeFailures[symbol] = (this.closeFailures[symbol] ?? 0) - 1;
        throw new ExchangeError(`injected close failure for ${symbol}`, 3008, true);
      }
      this.positions = this.positions.filter((p) => p !== position);
      const order: OrderResult = { order_id: "c", client_id, symbol, side: position.side === "long" ? "sell" : "buy", amount: position.size, price: position.current_price, fee: 0, realized_pnl: position.unrealized_pnl, duplicate: false };
      return { order, exit_price: position.current_price, close_fee: 0, funding: 0, pnl: position.unrealized_pnl };
    });
  }
  /** The exchange closes a position on its own (its stop fired), as CoinEx would. */
  closeByExchange(symbol: string, kind: ClosedPosition["kind"], exitPrice: number, pnl: number, at: number): void {
    const position = this.positions.find((p) => p.symbol === symbol);
    if (!position) throw new Error(`no position for ${symbol}`);
    this.positions = this.positions.filter((p) => p !== position);
    this.finished.unshift({ symbol, side: position.side, size: position.size, entry_price: position.entry_price, exit_price: exitPrice, realized_pnl: pnl, fees: 0, funding: 0, opened_at: position.opened_at, closed_at: at, kind });
  }
  getClosedPositions(): Promise<ClosedPosition[]> { return this.call("getClosedPositions", () => [...this.finished]); }
}

/** An open position with sensible defaults (no stops, no funding). */
export function position(symbol: string, side: "long" | "short", extra: Partial<Position> = {}): Position {
  return {
    symbol, side, size: 1, entry_price: 100, current_price: 100, unrealized_pnl: 0, margin: 100, leverage: 1, opened_at: 0,
    stop_loss_price: null, take_profit_price: null, liquidation_price: null, funding: 0, ...extra,
  };
}

/** A scored coin whose newest closed candle is fresh at HARNESS_NOW (pass closed_at / received_at to age it). */
export function coin(symbol: string, long: number, short: number, extra: Partial<ScoredCoin> = {}): ScoredCoin {
  return {
    symbol, price: 100, long: { base: long, bonus: 0, total: long }, short: { base: short, bonus: 0, total: short }, simulated: false,
    closed_at: HARNESS_NOW - 60_000, received_at: HARNESS_NOW - 30_000, ...extra,
  };
}

export interface PortsHarness {
  ports: CyclePorts;
  journal: MemoryJournal;
  events: TraderEvent[];
  lock: { value: LockInfo | null };
  paused: string[];
  mustClose: { symbol: string; reason: string; error: string }[];
}

export function makePorts(exchange: Exchange, config: Partial<TraderConfig>, coins: ScoredCoin[], now = () => HARNESS_NOW): PortsHarness {
  const journal = new MemoryJournal();
  const events: TraderEvent[] = [];
  const lock = { value: null as LockInfo | null };
  const paused: string[] = [];
  const mustClose: PortsHarness["mustClose"] = [];
  const full: TraderConfig = { ...DEFAULT_TRADER_CONFIG, ...config };
  const ports: CyclePorts = {
    readConfig: async () => full,
    exchangeFor: () => ({ exchange }),
    startingBalance: () => 10000,
    coins: () => coins,
    lock: { current: async () => lock.value, set: async (info) => { lock.value = { ...info, at: new Date(now()).toISOString() }; } },
    journal,
    reconcile: async (ex, positions) => void (await reconcileClosedPositions(ex, positions, { journal, emit: (event) => events.push(event), now, sleep: async () => {} })),
    mustClose: (_ex, position, reason, error) => mustClose.push({ symbol: position.symbol, reason, error }),
    pause: async (reason) => { paused.push(reason); },
    emit: (event) => events.push(event),
    now,
    sleep: async () => {},
  };
  return { ports, journal, events, lock, paused, mustClose };
}
