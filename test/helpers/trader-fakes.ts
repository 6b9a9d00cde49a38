/**
 * Small in-memory stand-ins for the trader's ports, for rule tests that need
 * to count exchange calls or inject failures. Integration tests use the real
 * SQLite store and the real paper exchange instead.
 */
import { DEFAULT_TRADER_CONFIG, type TraderConfig } from "../../src/config/schema.ts";
import type { Balance, ClosedPosition, Exchange, MarketInfo, OrderRequest, OrderResult, Position } from "../../src/exchange/types.ts";
import type { CyclePorts, LockInfo, LogKind, TraderEvent, TraderJournal } from "../../src/trader/ports.ts";
import type { ScoredCoin } from "../../src/trader/signals.ts";

export class MemoryJournal implements TraderJournal {
  entries: { kind: LogKind; message: string; data?: unknown }[] = [];
  opened: Parameters<TraderJournal["tradeOpened"]>[1][] = [];
  closed: Parameters<TraderJournal["tradeClosed"]>[1][] = [];
  snapshots: Parameters<TraderJournal["equitySnapshot"]>[0][] = [];
  log(kind: LogKind, message: string, data?: unknown): void {
    this.entries.push({ kind, message, data });
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
  getMarketInfo(symbol: string) {
    return this.call("getMarketInfo", (): MarketInfo => ({ symbol, min_amount: 0.001, amount_precision: 3, max_leverage: 20, taker_fee_rate: 0.0005 }));
  }
  getPrice(symbol: string) { return this.call("getPrice", () => this.prices[symbol] ?? 100); }
  setLeverage(_symbol: string, leverage: number) { return this.call("setLeverage", () => leverage); }
  placeMarketOrder(order: OrderRequest) {
    return this.call("placeMarketOrder", (): OrderResult => {
      const seen = this.seen.get(order.client_id);
      if (seen) return { ...seen, duplicate: true };
      this.orders.push(order);
      const price = this.prices[order.symbol] ?? 100;
      this.positions.push({
        symbol: order.symbol, side: order.side === "buy" ? "long" : "short", size: order.amount, entry_price: price,
        current_price: price, unrealized_pnl: 0, margin: (order.amount * price) / order.leverage, leverage: order.leverage, opened_at: 0,
      });
      const result: OrderResult = { order_id: String(this.orders.length), client_id: order.client_id, symbol: order.symbol, side: order.side, amount: order.amount, price, fee: 0, realized_pnl: 0, duplicate: false };
      this.seen.set(order.client_id, result);
      return result;
    });
  }
  closePosition(symbol: string, client_id: string) {
    return this.call("closePosition", (): OrderResult => {
      const position = this.positions.find((p) => p.symbol === symbol);
      if (!position) throw new Error(`no position for ${symbol}`);
      this.positions = this.positions.filter((p) => p !== position);
      return { order_id: "c", client_id, symbol, side: position.side === "long" ? "sell" : "buy", amount: position.size, price: position.current_price, fee: 0, realized_pnl: position.unrealized_pnl, duplicate: false };
    });
  }
  getClosedPositions(): Promise<ClosedPosition[]> { return this.call("getClosedPositions", () => []); }
}

export function coin(symbol: string, long: number, short: number, extra: Partial<ScoredCoin> = {}): ScoredCoin {
  return { symbol, price: 100, long: { base: long, bonus: 0, total: long }, short: { base: short, bonus: 0, total: short }, simulated: false, ...extra };
}

export interface PortsHarness {
  ports: CyclePorts;
  journal: MemoryJournal;
  events: TraderEvent[];
  lock: { value: LockInfo | null };
  paused: string[];
}

export function makePorts(exchange: Exchange, config: Partial<TraderConfig>, coins: ScoredCoin[], now = () => 1_700_000_000_000): PortsHarness {
  const journal = new MemoryJournal();
  const events: TraderEvent[] = [];
  const lock = { value: null as LockInfo | null };
  const paused: string[] = [];
  const full: TraderConfig = { ...DEFAULT_TRADER_CONFIG, ...config };
  const ports: CyclePorts = {
    readConfig: async () => full,
    exchangeFor: () => ({ exchange }),
    startingBalance: () => 10000,
    coins: () => coins,
    lock: { current: async () => lock.value, set: async (info) => { lock.value = { ...info, at: new Date(now()).toISOString() }; } },
    journal,
    pause: async (reason) => { paused.push(reason); },
    emit: (event) => events.push(event),
    now,
    sleep: async () => {},
  };
  return { ports, journal, events, lock, paused };
}
