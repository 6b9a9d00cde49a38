/**
 * CoinEx API v2 USDT-M perpetual futures behind the Exchange interface.
 *
 * Safety rules kept here, so dry-run (paper) and live behave alike:
 * - One position per market: an order is refused while the market has an open
 *   position (the bot never pyramids, and an opposite order could flip the
 *   position; exits go through close-position).
 * - Amounts are sent as decimal strings rounded DOWN to the market precision and
 *   checked against min_amount before anything is sent.
 * - client_id: CoinEx only echoes it, it does not reject a reused one. A repeat
 *   within this process returns the remembered result (duplicate: true); after a
 *   restart the one-position-per-market check stops a retried order.
 *
 * Equity from GET /assets/futures/balance (USDT row), per CoinEx's field notes:
 * `available` = balance − frozen; `frozen` = margin and fees held for orders not
 * yet filled; `margin` = position margin INCLUDING unrealized P&L. So
 *   equity = available + frozen + margin,
 *   Balance.margin = margin − unrealized_pnl + frozen (money locked, without P&L),
 * which keeps Balance.equity = available + margin + unrealized_pnl.
 */
import { logger, registerSecret } from "../log.ts";
import { CoinexHttp, type FetchLike } from "./coinex-http.ts";
import {
  AdjustLeverageSchema,
  FinishedPositionSchema,
  FuturesBalanceSchema,
  FuturesMarketSchema,
  OrderSchema,
  PendingPositionSchema,
  TickerSchema,
} from "./coinex-schemas.ts";
import { floorToDecimalString } from "./decimal.ts";
import { assertClientId, assertOrderRequest, assertSymbol, chooseLeverageLevel } from "./order-validation.ts";
import { type Clock, systemClock } from "./rate-limiter.ts";
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

const log = logger("exchange.coinex");

export const DEFAULT_COINEX_BASE_URL = "https://api.coinex.com/v2";
const MARKET_INFO_TTL_MS = 60 * 60 * 1000;
const PAGE_SIZE = 100;
/** A safety stop for pagination loops should the server keep saying has_next. */
const MAX_PAGES = 50;
const REMEMBERED_ORDERS = 1000;

export interface CoinexExchangeOptions {
  /** COINEX_BASE_URL; default https://api.coinex.com/v2. Its path ("/v2") is part of every signature. */
  baseUrl?: string;
  accessId: string;
  secretKey: string;
  fetch?: FetchLike;
  /** Local clock in ms (tests inject one; default Date.now). */
  now?: () => number;
  /** How the rate limiter waits (tests pair it with `now`; default setTimeout). */
  sleep?: (ms: number) => Promise<void>;
  /** Per-request timeout; default 10 000 ms. */
  timeoutMs?: number;
}

interface MarketRules extends MarketInfo {
  leverage_levels: number[];
  fetched_at: number;
}

export class CoinexExchange implements Exchange {
  readonly name = "coinex" as const;
  private readonly http: CoinexHttp;
  private readonly clock: Clock;
  private readonly markets = new Map<string, MarketRules>();
  /** client_id → result, oldest first (Map keeps insertion order). */
  private readonly orders = new Map<string, OrderResult>();

  constructor(options: CoinexExchangeOptions) {
    if (!options.accessId || !options.secretKey) throw new Error("CoinEx credentials missing: COINEX_ACCESS_ID and COINEX_SECRET_KEY are both required");
    registerSecret(options.secretKey);
    registerSecret(options.accessId);
    this.clock = {
      now: options.now ?? systemClock.now,
      sleep: options.sleep ?? systemClock.sleep,
    };
    this.http = new CoinexHttp({
      baseUrl: options.baseUrl ?? DEFAULT_COINEX_BASE_URL,
      accessId: options.accessId,
      secretKey: options.secretKey,
      fetch: options.fetch ?? ((url, init) => fetch(url, init)),
      clock: this.clock,
      timeoutMs: options.timeoutMs ?? 10_000,
    });
  }

  /** Local clock + this = CoinEx server time, as last measured (0 before the first signed call). */
  get clockOffsetMs(): number {
    return this.http.clockOffset;
  }

  async getBalance(): Promise<Balance> {
    const { data } = await this.http.call(
      { method: "GET", path: "/assets/futures/balance", signed: true, group: "account" },
      FuturesBalanceSchema,
    );
    const usdt = data.find((row) => row.ccy === "USDT");
    if (!usdt) {
      log.warn("the CoinEx futures account holds no USDT; reporting a zero balance");
      return { equity: 0, available: 0, margin: 0, unrealized_pnl: 0 };
    }
    const margin = usdt.margin - usdt.unrealized_pnl + usdt.frozen;
    return {
      equity: usdt.available + margin + usdt.unrealized_pnl,
      available: usdt.available,
      margin,
      unrealized_pnl: usdt.unrealized_pnl,
    };
  }

  async getPositions(): Promise<Position[]> {
    const raw = await this.pendingPositions();
    if (raw.length === 0) return [];
    // Positions matter more than their display price: if the ticker fails, use the
    // price implied by CoinEx's own unrealized P&L rather than failing the whole read.
    let prices = new Map<string, number>();
    try {
      prices = await this.markPrices(raw.map((p) => p.market));
    } catch (error) {
      log.warn("ticker unavailable; position prices derived from unrealized P&L", { error: error instanceof Error ? error.message : String(error) });
    }
    return raw.map((p) => {
      const direction = p.side === "long" ? 1 : -1;
      // Without a ticker row, the price implied by CoinEx's own unrealized P&L.
      const implied = p.open_interest > 0 ? p.avg_entry_price + (direction * p.unrealized_pnl) / p.open_interest : p.avg_entry_price;
      return {
        symbol: p.market,
        side: p.side,
        size: p.open_interest,
        entry_price: p.avg_entry_price,
        current_price: prices.get(p.market) ?? implied,
        unrealized_pnl: p.unrealized_pnl,
        margin: p.margin_avbl,
        leverage: p.leverage,
        opened_at: p.created_at,
      };
    });
  }

  async getMarketInfo(symbol: string): Promise<MarketInfo> {
    const rules = await this.marketRules(symbol);
    return {
      symbol: rules.symbol,
      min_amount: rules.min_amount,
      amount_precision: rules.amount_precision,
      max_leverage: rules.max_leverage,
      taker_fee_rate: rules.taker_fee_rate,
    };
  }

  async getPrice(symbol: string): Promise<number> {
    assertSymbol(symbol);
    const price = (await this.markPrices([symbol])).get(symbol);
    if (price === undefined) throw new ExchangeError(`CoinEx has no ticker for ${symbol}`, "no_price", true);
    return price;
  }

  async setLeverage(symbol: string, leverage: number): Promise<number> {
    assertSymbol(symbol);
    const rules = await this.marketRules(symbol);
    const level = chooseLeverageLevel(symbol, leverage, rules.leverage_levels);
    const { data } = await this.http.call(
      {
        method: "POST",
        path: "/futures/adjust-position-leverage",
        body: { market: symbol, market_type: "FUTURES", margin_mode: "isolated", leverage: level },
        signed: true,
        group: "order",
      },
      AdjustLeverageSchema,
    );
    return data.leverage;
  }

  async placeMarketOrder(order: OrderRequest): Promise<OrderResult> {
    assertOrderRequest(order);
    const seen = this.orders.get(order.client_id);
    if (seen) return { ...seen, duplicate: true };

    const rules = await this.marketRules(order.symbol);
    const amountText = floorToDecimalString(order.amount, rules.amount_precision);
    if (Number(amountText) < rules.min_amount) {
      throw new ExchangeError(
        `order amount ${order.amount} ${order.symbol} (${amountText} after rounding down to ${rules.amount_precision} decimals) is below the market minimum ${rules.min_amount}; nothing was sent`,
        3127,
      );
    }
    const open = (await this.pendingPositions(order.symbol)).find((p) => p.market === order.symbol);
    if (open) {
      throw new ExchangeError(
        `refused ${order.side} ${amountText} ${order.symbol}: a ${open.side} position of ${open.open_interest} is already open (one position per market; close it first)`,
        "position_exists",
      );
    }
    await this.setLeverage(order.symbol, order.leverage);
    const { data } = await this.http.call(
      {
        method: "POST",
        path: "/futures/order",
        body: {
          market: order.symbol,
          market_type: "FUTURES",
          side: order.side,
          type: "market",
          amount: amountText,
          client_id: order.client_id,
        },
        signed: true,
        group: "order",
      },
      OrderSchema,
    );
    const result = toOrderResult(data, order.symbol, order.client_id);
    log.info("order filled", { symbol: result.symbol, side: result.side, amount: result.amount, price: result.price, client_id: result.client_id });
    this.remember(result);
    return result;
  }

  async closePosition(symbol: string, client_id: string): Promise<OrderResult> {
    assertSymbol(symbol);
    assertClientId(client_id);
    const seen = this.orders.get(client_id);
    if (seen) return { ...seen, duplicate: true };
    const open = (await this.pendingPositions(symbol)).find((p) => p.market === symbol);
    if (!open) throw new ExchangeError(`no open position on ${symbol} to close`, "no_position");
    const { data } = await this.http.call(
      {
        method: "POST",
        path: "/futures/close-position",
        // amount left out: CoinEx closes the whole position.
        body: { market: symbol, market_type: "FUTURES", type: "market", client_id },
        signed: true,
        group: "order",
      },
      OrderSchema,
    );
    const result = toOrderResult(data, symbol, client_id);
    log.info("position closed", { symbol, side: open.side, amount: result.amount, price: result.price, realized_pnl: result.realized_pnl });
    this.remember(result);
    return result;
  }

  async getClosedPositions(limit: number): Promise<ClosedPosition[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new ExchangeError(`closed-position limit must be an integer 1–1000, got ${limit}`, "invalid_request");
    const out: ClosedPosition[] = [];
    for (let page = 1; page <= MAX_PAGES && out.length < limit; page++) {
      const { data, hasNext } = await this.http.call(
        {
          method: "GET",
          path: "/futures/finished-position",
          query: { market_type: "FUTURES", page, limit: Math.min(PAGE_SIZE, limit - out.length) },
          signed: true,
          group: "history",
        },
        FinishedPositionSchema,
      );
      for (const p of data) {
        const size = p.ath_position_amount && p.ath_position_amount > 0 ? p.ath_position_amount : p.open_interest;
        const direction = p.side === "long" ? 1 : -1;
        out.push({
          symbol: p.market,
          side: p.side,
          size,
          entry_price: p.avg_entry_price,
          // CoinEx reports no exit price for a finished position; this is the price at which
          // the position's realized P&L (fees and funding included) would have been made.
          exit_price: size > 0 ? p.avg_entry_price + (direction * p.realized_pnl) / size : p.avg_entry_price,
          realized_pnl: p.realized_pnl,
          opened_at: p.created_at,
          closed_at: p.updated_at,
        });
      }
      if (!hasNext || data.length === 0) break;
    }
    return out.slice(0, limit);
  }

  private async pendingPositions(market?: string) {
    const all = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const { data, hasNext } = await this.http.call(
        {
          method: "GET",
          path: "/futures/pending-position",
          query: { market_type: "FUTURES", market, page, limit: PAGE_SIZE },
          signed: true,
          group: "position",
        },
        PendingPositionSchema,
      );
      all.push(...data);
      if (!hasNext || data.length === 0) return all;
    }
    throw new ExchangeError(`CoinEx kept paginating open positions beyond ${MAX_PAGES} pages`, "bad_response");
  }

  /** Mark price (last trade price when the mark is missing) for each market, from one ticker call. */
  private async markPrices(markets: string[]): Promise<Map<string, number>> {
    const unique = [...new Set(markets)];
    const { data } = await this.http.call(
      { method: "GET", path: "/futures/ticker", query: { market: unique.join(",") }, signed: false, group: "public" },
      TickerSchema,
    );
    const prices = new Map<string, number>();
    for (const row of data) {
      const price = row.mark_price > 0 ? row.mark_price : row.last;
      if (price > 0) prices.set(row.market, price);
    }
    return prices;
  }

  private async marketRules(symbol: string): Promise<MarketRules> {
    assertSymbol(symbol);
    const cached = this.markets.get(symbol);
    if (cached && this.clock.now() - cached.fetched_at < MARKET_INFO_TTL_MS) return cached;
    const { data } = await this.http.call(
      { method: "GET", path: "/futures/market", query: { market: symbol }, signed: false, group: "public" },
      FuturesMarketSchema,
    );
    const row = data.find((m) => m.market === symbol);
    if (!row) throw new ExchangeError(`CoinEx lists no futures market ${symbol}`, "unknown_market");
    const levels = row.leverage.filter((level) => Number.isInteger(level) && level >= 1).sort((a, b) => a - b);
    if (levels.length === 0) throw new ExchangeError(`CoinEx GET /futures/market lists no usable leverage level for ${symbol}`, "bad_response");
    const rules: MarketRules = {
      symbol,
      min_amount: row.min_amount,
      amount_precision: row.base_ccy_precision,
      max_leverage: levels[levels.length - 1] ?? 1,
      taker_fee_rate: row.taker_fee_rate,
      leverage_levels: levels,
      fetched_at: this.clock.now(),
    };
    this.markets.set(symbol, rules);
    return rules;
  }

  private remember(result: OrderResult): void {
    this.orders.set(result.client_id, result);
    while (this.orders.size > REMEMBERED_ORDERS) {
      const oldest = this.orders.keys().next().value;
      if (oldest === undefined) break;
      this.orders.delete(oldest);
    }
  }
}

function toOrderResult(
  data: ReturnType<typeof OrderSchema.parse>,
  symbol: string,
  clientId: string,
): OrderResult {
  const filled = data.filled_amount;
  const averagePrice = filled > 0 ? data.filled_value / filled : (data.last_filled_price ?? 0);
  if (filled <= 0) log.warn("CoinEx reported a market order with nothing filled yet", { symbol, order_id: data.order_id, client_id: clientId });
  return {
    order_id: data.order_id,
    client_id: data.client_id || clientId,
    symbol: data.market || symbol,
    side: data.side,
    amount: filled > 0 ? filled : data.amount,
    price: averagePrice,
    fee: data.fee,
    realized_pnl: data.realized_pnl ?? 0,
    duplicate: false,
  };
}

/**
 * CoinEx credentials from the environment (systemd EnvironmentFile):
 * COINEX_ACCESS_ID and COINEX_SECRET_KEY. null when neither is set;
 * an error when only one is, because that is a configuration mistake.
 */
export function loadCoinexCredentials(env: Record<string, string | undefined> = process.env): { accessId: string; secretKey: string } | null {
  const accessId = env.COINEX_ACCESS_ID?.trim() ?? "";
  const secretKey = env.COINEX_SECRET_KEY?.trim() ?? "";
  if (!accessId && !secretKey) return null;
  if (!accessId) throw new Error("COINEX_SECRET_KEY is set but COINEX_ACCESS_ID is missing or empty: set both or neither");
  if (!secretKey) throw new Error("COINEX_ACCESS_ID is set but COINEX_SECRET_KEY is missing or empty: set both or neither");
  registerSecret(secretKey);
  return { accessId, secretKey };
}
