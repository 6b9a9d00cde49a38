/**
 * The paper exchange: simulated USDT-M perpetual fills at real prices, so
 * dry-run exercises the same code paths as live without sending orders.
 *
 * Model (per position, isolated margin, one position per symbol):
 * - fill price = current price ± slippage, always worse for the taker
 *   (buy: p·(1 + bps/10 000), sell: p·(1 − bps/10 000));
 * - fee = notional · takerFeeRate, notional = amount · fill price;
 * - margin = notional / leverage, locked out of `available` with the fee;
 * - unrealized P&L = (current − entry) · size for a long, the reverse for a short,
 *   never below −margin (an isolated position cannot lose more than its margin);
 * - equity = available + Σ margin + Σ unrealized P&L.
 * Closing pays back margin + gross P&L − closing fee. The close order's
 * realized_pnl is gross − closing fee; the ClosedPosition's realized_pnl also
 * subtracts the opening fee, so it equals the position's whole effect on the
 * balance (as CoinEx accounts a position's realized P&L).
 * No liquidation, funding or maintenance margin is simulated.
 *
 * Every change is saved atomically before it takes effect in memory, and a
 * client_id already seen returns the original result (duplicate: true) — also
 * after a restart, because the recent results are part of the saved state.
 */
import { logger } from "../log.ts";
import { ceilToDecimals, floorToDecimals } from "./decimal.ts";
import { assertClientId, assertLeverage, assertOrderRequest, assertSymbol } from "./order-validation.ts";
import { freshPaperState, loadPaperState, type PaperPosition, type PaperState, savePaperState } from "./paper-state.ts";
import {
  type Balance,
  type ClosedPosition,
  type Exchange,
  ExchangeError,
  type MarketInfo,
  type OrderRequest,
  type OrderResult,
  type Position,
} from "./types.ts";

const log = logger("exchange.paper");

/** How many client_ids (with their results) are remembered for duplicate detection. */
export const PAPER_REMEMBERED_ORDERS = 1000;
/** How many closed positions are kept in the state file (the store keeps the full trade history). */
export const PAPER_CLOSED_HISTORY = 1000;
/** Paper minimum order size, in USDT notional (CoinEx minimums are of this order). */
const MIN_NOTIONAL_USDT = 5;

export interface PaperExchangeOptions {
  /** Current price of a symbol (e.g. the latest candle close); undefined when unknown. */
  priceOf: (symbol: string) => number | undefined;
  /** JSON file holding the paper account. */
  statePath: string;
  /** USDT for a fresh account; default 10 000. Ignored when the state file exists. */
  startingBalance?: number;
  /** Default 0.0005 (0.05 %). */
  takerFeeRate?: number;
  /** Default 5 (0.05 %). */
  slippageBps?: number;
  /** Default 50. */
  maxLeverage?: number;
  now?: () => number;
}

export class PaperExchange implements Exchange {
  readonly name = "paper" as const;
  private state: PaperState;
  private readonly priceOf: (symbol: string) => number | undefined;
  private readonly statePath: string;
  private readonly takerFeeRate: number;
  private readonly slippage: number;
  private readonly maxLeverage: number;
  private readonly now: () => number;
  /** Last good price seen per symbol, used when the price feed has none right now. */
  private readonly lastPrices = new Map<string, number>();

  constructor(options: PaperExchangeOptions) {
    const startingBalance = options.startingBalance ?? 10_000;
    this.takerFeeRate = options.takerFeeRate ?? 0.0005;
    const slippageBps = options.slippageBps ?? 5;
    this.maxLeverage = options.maxLeverage ?? 50;
    checkOption("startingBalance", startingBalance, Number.isFinite(startingBalance) && startingBalance > 0, "a number > 0");
    checkOption("takerFeeRate", this.takerFeeRate, this.takerFeeRate >= 0 && this.takerFeeRate < 0.1, "a rate in [0, 0.1)");
    checkOption("slippageBps", slippageBps, slippageBps >= 0 && slippageBps <= 1000, "basis points in [0, 1000]");
    checkOption("maxLeverage", this.maxLeverage, Number.isInteger(this.maxLeverage) && this.maxLeverage >= 1 && this.maxLeverage <= 200, "an integer 1–200");
    this.slippage = slippageBps / 10_000;
    this.priceOf = options.priceOf;
    this.statePath = options.statePath;
    this.now = options.now ?? Date.now;

    const saved = loadPaperState(this.statePath);
    if (saved) {
      if (saved.starting_balance !== startingBalance) {
        log.warn("paper account already exists; keeping its starting balance", { saved: saved.starting_balance, configured: startingBalance });
      }
      this.state = saved;
    } else {
      this.state = freshPaperState(startingBalance);
      savePaperState(this.statePath, this.state);
      log.info("new paper account", { starting_balance: startingBalance, state: this.statePath });
    }
  }

  /**
   * Re-reads the account from its state file: a standby that takes over the
   * trader lease continues the account as the previous holder left it.
   */
  reload(): void {
    const saved = loadPaperState(this.statePath);
    if (saved) this.state = saved;
  }

  /** The USDT the paper account started with (the kill switch measures drawdown from it). */
  get startingBalance(): number {
    return this.state.starting_balance;
  }

  async getBalance(): Promise<Balance> {
    let margin = 0;
    let unrealized = 0;
    for (const position of this.state.positions) {
      margin += position.margin;
      unrealized += this.unrealizedPnl(position, this.markPrice(position));
    }
    return { equity: this.state.available + margin + unrealized, available: this.state.available, margin, unrealized_pnl: unrealized };
  }

  async getPositions(): Promise<Position[]> {
    return this.state.positions.map((position) => {
      const current = this.markPrice(position);
      return {
        symbol: position.symbol,
        side: position.side,
        size: position.size,
        entry_price: position.entry_price,
        current_price: current,
        unrealized_pnl: this.unrealizedPnl(position, current),
        margin: position.margin,
        leverage: position.leverage,
        opened_at: position.opened_at,
      };
    });
  }

  async getMarketInfo(symbol: string): Promise<MarketInfo> {
    assertSymbol(symbol);
    return this.marketInfoAt(symbol, this.currentPrice(symbol));
  }

  async getPrice(symbol: string): Promise<number> {
    assertSymbol(symbol);
    return this.currentPrice(symbol);
  }

  /** Paper accepts any whole leverage 1–maxLeverage; this returns the level an order would get. */
  async setLeverage(symbol: string, leverage: number): Promise<number> {
    assertSymbol(symbol);
    return this.leverageLevel(symbol, leverage);
  }

  async placeMarketOrder(order: OrderRequest): Promise<OrderResult> {
    assertOrderRequest(order);
    const seen = this.rememberedOrder(order.client_id);
    if (seen) return seen;

    const price = this.currentPrice(order.symbol);
    const info = this.marketInfoAt(order.symbol, price);
    const amount = floorToDecimals(order.amount, info.amount_precision);
    if (amount < info.min_amount) {
      throw new ExchangeError(
        `order amount ${order.amount} ${order.symbol} (${amount} after rounding down to ${info.amount_precision} decimals) is below the paper minimum ${info.min_amount} (about ${MIN_NOTIONAL_USDT} USDT)`,
        3127,
      );
    }
    const open = this.state.positions.find((p) => p.symbol === order.symbol);
    if (open) {
      throw new ExchangeError(
        `refused ${order.side} ${amount} ${order.symbol}: a ${open.side} position of ${open.size} is already open (one position per market; close it first)`,
        "position_exists",
      );
    }
    const leverage = this.leverageLevel(order.symbol, order.leverage);
    const fillPrice = order.side === "buy" ? price * (1 + this.slippage) : price * (1 - this.slippage);
    const notional = amount * fillPrice;
    const margin = notional / leverage;
    const fee = notional * this.takerFeeRate;
    const cost = margin + fee;
    if (cost > this.state.available) {
      throw new ExchangeError(
        `balance not enough: ${order.side} ${amount} ${order.symbol} at ${leverage}x needs ${round2(margin)} USDT margin + ${round2(fee)} fee, only ${round2(this.state.available)} USDT available`,
        3109,
      );
    }
    const result: OrderResult = {
      order_id: `paper-${this.state.next_order_id}`,
      client_id: order.client_id,
      symbol: order.symbol,
      side: order.side,
      amount,
      price: fillPrice,
      fee,
      realized_pnl: 0,
      duplicate: false,
    };
    this.commit((next) => {
      next.available = next.available - cost;
      next.positions.push({
        symbol: order.symbol,
        side: order.side === "buy" ? "long" : "short",
        size: amount,
        entry_price: fillPrice,
        leverage,
        margin,
        open_fee: fee,
        opened_at: this.now(),
      });
      rememberOrder(next, result);
    });
    log.info("paper order filled", { symbol: order.symbol, side: order.side, amount, price: fillPrice, leverage, fee, client_id: order.client_id });
    return result;
  }

  async closePosition(symbol: string, client_id: string): Promise<OrderResult> {
    assertSymbol(symbol);
    assertClientId(client_id);
    const seen = this.rememberedOrder(client_id);
    if (seen) return seen;
    const position = this.state.positions.find((p) => p.symbol === symbol);
    if (!position) throw new ExchangeError(`no open paper position on ${symbol} to close`, "no_position");

    const price = this.currentPrice(symbol);
    const exitSide = position.side === "long" ? "sell" : "buy";
    const fillPrice = exitSide === "sell" ? price * (1 - this.slippage) : price * (1 + this.slippage);
    const direction = position.side === "long" ? 1 : -1;
    const gross = direction * (fillPrice - position.entry_price) * position.size;
    const closeFee = position.size * fillPrice * this.takerFeeRate;
    // Isolated margin: the position hands back what is left of its margin, never less than nothing.
    const payout = Math.max(0, position.margin + gross - closeFee);
    const closeRealized = payout - position.margin;
    const result: OrderResult = {
      order_id: `paper-${this.state.next_order_id}`,
      client_id,
      symbol,
      side: exitSide,
      amount: position.size,
      price: fillPrice,
      fee: closeFee,
      realized_pnl: closeRealized,
      duplicate: false,
    };
    const closed: ClosedPosition = {
      symbol,
      side: position.side,
      size: position.size,
      entry_price: position.entry_price,
      exit_price: fillPrice,
      realized_pnl: closeRealized - position.open_fee,
      opened_at: position.opened_at,
      closed_at: this.now(),
    };
    this.commit((next) => {
      next.available = next.available + payout;
      next.positions = next.positions.filter((p) => p.symbol !== symbol);
      next.closed.push(closed);
      if (next.closed.length > PAPER_CLOSED_HISTORY) next.closed.splice(0, next.closed.length - PAPER_CLOSED_HISTORY);
      rememberOrder(next, result);
    });
    log.info("paper position closed", { symbol, side: position.side, size: position.size, exit_price: fillPrice, realized_pnl: closed.realized_pnl });
    return result;
  }

  async getClosedPositions(limit: number): Promise<ClosedPosition[]> {
    if (!Number.isInteger(limit) || limit < 1) throw new ExchangeError(`closed-position limit must be an integer ≥ 1, got ${limit}`, "invalid_request");
    return this.state.closed.slice(-limit).reverse();
  }

  /** Applies `change` to a copy, saves it, and only then makes it the current state. */
  private commit(change: (next: PaperState) => void): void {
    const next = structuredClone(this.state);
    change(next);
    savePaperState(this.statePath, next);
    this.state = next;
  }

  private rememberedOrder(clientId: string): OrderResult | null {
    const seen = this.state.orders.find((o) => o.client_id === clientId);
    return seen ? { ...seen, duplicate: true } : null;
  }

  private currentPrice(symbol: string): number {
    const price = this.priceOf(symbol);
    if (typeof price !== "number" || !Number.isFinite(price) || price <= 0) {
      throw new ExchangeError(`no current price for ${symbol} (the market feed has none yet)`, "no_price", true);
    }
    this.lastPrices.set(symbol, price);
    return price;
  }

  /** Current price for valuing a position: the feed, else the last price seen, else the entry price. */
  private markPrice(position: PaperPosition): number {
    const price = this.priceOf(position.symbol);
    if (typeof price === "number" && Number.isFinite(price) && price > 0) {
      this.lastPrices.set(position.symbol, price);
      return price;
    }
    return this.lastPrices.get(position.symbol) ?? position.entry_price;
  }

  private unrealizedPnl(position: PaperPosition, price: number): number {
    const direction = position.side === "long" ? 1 : -1;
    return Math.max(-position.margin, direction * (price - position.entry_price) * position.size);
  }

  private leverageLevel(symbol: string, requested: number): number {
    assertLeverage(symbol, requested);
    return Math.min(Math.floor(requested), this.maxLeverage);
  }

  /**
   * Amount precision: one step is worth at most 0.01 USDT at this price.
   * Minimum: the amount worth MIN_NOTIONAL_USDT, rounded up to that precision.
   */
  private marketInfoAt(symbol: string, price: number): MarketInfo {
    const precision = Math.min(12, Math.max(0, Math.ceil(Math.log10(price * 100))));
    return {
      symbol,
      min_amount: ceilToDecimals(MIN_NOTIONAL_USDT / price, precision),
      amount_precision: precision,
      max_leverage: this.maxLeverage,
      taker_fee_rate: this.takerFeeRate,
    };
  }
}

function rememberOrder(state: PaperState, result: OrderResult): void {
  state.orders.push(result);
  if (state.orders.length > PAPER_REMEMBERED_ORDERS) state.orders.splice(0, state.orders.length - PAPER_REMEMBERED_ORDERS);
  state.next_order_id += 1;
}

function checkOption(name: string, value: number, ok: boolean, expected: string): void {
  if (typeof value !== "number" || Number.isNaN(value) || !ok) throw new Error(`PaperExchange option ${name} must be ${expected}, got ${value}`);
}

function round2(value: number): string {
  return value.toFixed(2);
}
