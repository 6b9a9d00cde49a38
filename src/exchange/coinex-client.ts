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
 * - Leverage is POSTed once per change: setLeverage remembers the granted level
 *   per market and placeMarketOrder only sends adjust-position-leverage when the
 *   order's level differs or is unknown (after a restart). A change made by hand
 *   on CoinEx's web page while the bot runs is not seen until then.
 * - P&L is measured from the average entry price at the mark price, never from
 *   CoinEx's unrealized_pnl / settle_price, which profit settlement resets (§6.4).
 *
 * Equity from GET /assets/futures/balance (USDT row), per CoinEx's field notes:
 * `available` = balance − frozen; `frozen` = margin and fees held for orders not
 * yet filled; `margin` = position margin INCLUDING unrealized P&L. So
 *   equity = available + frozen + margin,
 *   Balance.margin = margin − unrealized_pnl + frozen (money locked, without P&L),
 * which keeps Balance.equity = available + margin + unrealized_pnl.
 */
import { formatAmount } from "../util/number-format.ts";
import { logger, registerSecret } from "../log.ts";
import { CoinexHttp, type FetchLike } from "./coinex-http.ts";
import { stopsOf, toClosedPosition, toOrderResult, toPosition } from "./coinex-positions.ts";
import {
  AdjustLeverageSchema,
  AnyDataSchema,
  type CoinexPosition,
  FinishedPositionSchema,
  FuturesBalanceSchema,
  FuturesMarketSchema,
  OrderSchema,
  PendingPositionSchema,
  PositionLevelSchema,
  PositionSchema,
  TickerSchema,
} from "./coinex-schemas.ts";
import { planStopCalls } from "./coinex-stops.ts";
import { decimalPlaces, floorToDecimalString } from "./decimal.ts";
import { DEFAULT_MAINTENANCE_MARGIN_RATE } from "./margin.ts";
import { assertClientId, assertOrderRequest, assertSymbol, chooseLeverageLevel } from "./order-validation.ts";
import { type Clock, systemClock } from "./rate-limiter.ts";
import {
  type Balance,
  type ClosedPosition,
  type CloseResult,
  type Exchange,
  ExchangeError,
  type MarketInfo,
  type OrderRequest,
  type OrderResult,
  type Position,
  type PositionStops,
} from "./types.ts";

const log = logger("exchange.coinex");

export const DEFAULT_COINEX_BASE_URL = "https://api.coinex.com/v2";
const MARKET_INFO_TTL_MS = 60 * 60 * 1000;
const PAGE_SIZE = 100;
/** A safety stop for pagination loops should the server keep saying has_next. */
const MAX_PAGES = 50;
const REMEMBERED_ORDERS = 1000;
/**
 * MarketInfo.fill_allowance_rate. CoinEx publishes no slippage figure for market
 * orders (and the fill is only known afterwards), so sizing keeps a cautious,
 * fixed 0.2 % of room: four taker fees, and well beyond the spread of the liquid
 * USDT perpetuals the bot trades (an estimate, not measured). Too much room only
 * makes orders slightly smaller; too little would let margin + fee exceed the
 * configured share of equity.
 */
export const COINEX_FILL_ALLOWANCE_RATE = 0.002;
/**
 * Waits before each look-up of a just-closed position in finished-position:
 * the row may appear a moment after the close order returns (UNVERIFIED how long).
 */
const FINISHED_LOOKUP_DELAYS_MS = [0, 300, 1000];

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
  fetched_at: number;
}

export class CoinexExchange implements Exchange {
  readonly name = "coinex" as const;
  private readonly http: CoinexHttp;
  private readonly clock: Clock;
  private readonly markets = new Map<string, MarketRules>();
  /** client_id → result, oldest first (Map keeps insertion order). */
  private readonly orders = new Map<string, OrderResult>();
  private readonly closes = new Map<string, CloseResult>();
  /** The leverage CoinEx last granted per market through this client (unknown after a restart). */
  private readonly leverages = new Map<string, number>();

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
    // Positions matter more than their display price: if the ticker fails, show them
    // at their average entry price (P&L 0) rather than failing the whole read. CoinEx's
    // own unrealized_pnl is no fallback: it is measured from the settlement price.
    let prices = new Map<string, number>();
    try {
      prices = await this.markPrices(raw.map((p) => p.market));
    } catch (error) {
      log.warn("ticker unavailable; positions shown at their entry price with P&L 0", { error: error instanceof Error ? error.message : String(error) });
    }
    return raw.map((p) => toPosition(p, prices.get(p.market) ?? p.avg_entry_price));
  }

  async getMarketInfo(symbol: string): Promise<MarketInfo> {
    const { fetched_at: _fetchedAt, ...info } = await this.marketRules(symbol);
    return { ...info, leverage_levels: [...info.leverage_levels] };
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
    // Forget the old level first: after a failed or timed-out POST it is unknown.
    this.leverages.delete(symbol);
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
    this.leverages.set(symbol, data.leverage);
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
        `order amount ${formatAmount(order.amount)} ${order.symbol} (${amountText} after rounding down to ${rules.amount_precision} decimals) is below the market minimum ${formatAmount(rules.min_amount, rules.amount_precision)}; nothing was sent`,
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
    // The trader has just called setLeverage with this level: no second POST then.
    const level = chooseLeverageLevel(order.symbol, order.leverage, rules.leverage_levels);
    if (this.leverages.get(order.symbol) !== level) await this.setLeverage(order.symbol, level);
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
    remember(this.orders, result.client_id, result);
    return result;
  }

  /**
   * Market-closes the whole position. pnl is the position's net effect on the
   * balance as CoinEx books it: the finished-position row's realized_pnl (price
   * P&L, opening and closing fees and funding). Should that row not show up,
   * the same sum from the pieces we saw: the position's realized_pnl before the
   * close (opening fee, funding, settlements) + the close order's realized_pnl.
   */
  async closePosition(symbol: string, client_id: string): Promise<CloseResult> {
    assertSymbol(symbol);
    assertClientId(client_id);
    const seen = this.closes.get(client_id);
    if (seen) return { ...seen, order: { ...seen.order, duplicate: true } };
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
    const order = toOrderResult(data, symbol, client_id);
    const finished = await this.findFinished(symbol, open.position_id);
    let pnl: number;
    if (finished) {
      pnl = finished.realized_pnl;
    } else {
      pnl = open.realized_pnl + order.realized_pnl;
      log.warn("closed position not found in CoinEx's position history; its P&L is the position's realized P&L before the close plus the close order's", {
        symbol,
        position_id: open.position_id,
        pnl,
      });
    }
    // funding: 0 because CoinEx does not split it out of realized_pnl (it is in pnl).
    const result: CloseResult = { order, exit_price: order.price, close_fee: order.fee, funding: 0, pnl };
    log.info("position closed", { symbol, side: open.side, amount: order.amount, price: order.price, pnl });
    remember(this.closes, client_id, result);
    return result;
  }

  async setPositionStops(symbol: string, stops: PositionStops): Promise<PositionStops> {
    assertSymbol(symbol);
    for (const [field, price] of Object.entries(stops)) {
      if (price !== null && !(typeof price === "number" && Number.isFinite(price) && price > 0)) {
        throw new ExchangeError(`invalid ${field} ${String(price)} for ${symbol}: expected a price > 0 or null`, "invalid_request");
      }
    }
    const rules = await this.marketRules(symbol);
    const open = (await this.pendingPositions(symbol)).find((p) => p.market === symbol);
    if (!open) throw new ExchangeError(`no open position on ${symbol} to put stops on`, "no_position");
    const calls = planStopCalls(symbol, stopsOf(open), stops, rules.price_precision);
    if (calls.length === 0) return stopsOf(open);
    let last: unknown;
    for (const [i, call] of calls.entries()) {
      try {
        ({ data: last } = await this.http.call({ method: "POST", path: call.path, body: call.body, signed: true, group: "order" }, AnyDataSchema));
      } catch (error) {
        // A set that fails right after its cancel leaves the position without that stop: say so.
        const cancelled = i > 0 && call.action === "set" && calls[i - 1]?.action === "cancel" && calls[i - 1]?.kind === call.kind;
        if (cancelled && error instanceof ExchangeError) {
          throw new ExchangeError(`${error.message}; the previous ${call.kind} was cancelled, so ${symbol} has no ${call.kind} on CoinEx now`, error.code, error.retryable);
        }
        throw error;
      }
    }
    // The set endpoints answer with the position object (§6.1); the cancel ones with an
    // UNVERIFIED shape, so anything that is not a position of this market means a re-read.
    const answered = PositionSchema.safeParse(last);
    if (answered.success && answered.data.market === symbol) return stopsOf(answered.data);
    const now = (await this.pendingPositions(symbol)).find((p) => p.market === symbol);
    if (!now) log.warn("the position closed while its stops were being changed", { symbol });
    return now ? stopsOf(now) : { stop_loss_price: null, take_profit_price: null };
  }

  async getClosedPositions(limit: number): Promise<ClosedPosition[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new ExchangeError(`closed-position limit must be an integer 1–1000, got ${limit}`, "invalid_request");
    const out: ClosedPosition[] = [];
    // One page size for every page: CoinEx pages by offset (page − 1) × limit, so a
    // smaller last page would re-read rows already seen.
    const pageSize = Math.min(PAGE_SIZE, limit);
    for (let page = 1; page <= MAX_PAGES && out.length < limit; page++) {
      const { data, hasNext } = await this.http.call(
        {
          method: "GET",
          path: "/futures/finished-position",
          query: { market_type: "FUTURES", page, limit: pageSize },
          signed: true,
          group: "history",
        },
        FinishedPositionSchema,
      );
      out.push(...data.map(toClosedPosition));
      if (!hasNext || data.length === 0) break;
    }
    return out.slice(0, limit);
  }

  /** The finished-position row of `positionId`, asked a few times since it may lag the close; null if it never shows. */
  private async findFinished(market: string, positionId: string) {
    for (const delay of FINISHED_LOOKUP_DELAYS_MS) {
      if (delay > 0) await this.clock.sleep(delay);
      try {
        const { data } = await this.http.call(
          {
            method: "GET",
            path: "/futures/finished-position",
            // Newest first (§2.6): the one just closed is on the first page.
            query: { market, market_type: "FUTURES", page: 1, limit: 10 },
            signed: true,
            group: "history",
          },
          FinishedPositionSchema,
        );
        const row = data.find((p) => p.position_id === positionId);
        if (row) return row;
      } catch (error) {
        log.debug("finished-position look-up failed", { market, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return null;
  }

  private async pendingPositions(market?: string): Promise<CoinexPosition[]> {
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
    const pricePrecision = row.tick_size !== undefined && row.tick_size > 0 ? decimalPlaces(row.tick_size) : row.quote_ccy_precision;
    if (pricePrecision === undefined) throw new ExchangeError(`CoinEx GET /futures/market gives neither tick_size nor quote_ccy_precision for ${symbol}`, "bad_response");
    const rules: MarketRules = {
      symbol,
      min_amount: row.min_amount,
      amount_precision: row.base_ccy_precision,
      price_precision: pricePrecision,
      leverage_levels: levels,
      max_leverage: levels[levels.length - 1] ?? 1,
      taker_fee_rate: row.taker_fee_rate,
      maintenance_margin_rate: await this.maintenanceMarginRate(symbol),
      fill_allowance_rate: COINEX_FILL_ALLOWANCE_RATE,
      fetched_at: this.clock.now(),
    };
    this.markets.set(symbol, rules);
    return rules;
  }

  /**
   * The maintenance margin rate of the market's first (smallest) position tier,
   * from the public GET /futures/position-level (§6.3). Optional information:
   * when CoinEx does not answer, the default rate and one warning (cached with
   * the market rules, so once per market per hour at most).
   */
  private async maintenanceMarginRate(symbol: string): Promise<number> {
    try {
      const { data } = await this.http.call(
        { method: "GET", path: "/futures/position-level", query: { market: symbol }, signed: false, group: "public" },
        PositionLevelSchema,
      );
      const tiers = [...(data.find((m) => m.market === symbol)?.level ?? [])].sort((a, b) => a.amount - b.amount);
      const rate = tiers[0]?.maintenance_margin_rate;
      if (rate === undefined || !(rate > 0 && rate < 1)) throw new Error(`no usable tier for ${symbol}`);
      return rate;
    } catch (error) {
      log.warn("CoinEx position tiers unavailable; using the default maintenance margin rate", {
        symbol,
        rate: DEFAULT_MAINTENANCE_MARGIN_RATE,
        error: error instanceof Error ? error.message : String(error),
      });
      return DEFAULT_MAINTENANCE_MARGIN_RATE;
    }
  }
}

/** Keeps `value` under `key`, dropping the oldest entries beyond REMEMBERED_ORDERS (Map keeps insertion order). */
function remember<T>(map: Map<string, T>, key: string, value: T): void {
  map.set(key, value);
  while (map.size > REMEMBERED_ORDERS) {
    const oldest = map.keys().next().value;
    if (oldest === undefined) break;
    map.delete(oldest);
  }
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
