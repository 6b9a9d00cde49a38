/**
 * A local fake of the CoinEx API v2 futures endpoints (exchange-api.md §1–2, §6)
 * for tests: Bun.serve on 127.0.0.1, port 0.
 *
 * It checks every private request the way CoinEx does: X-COINEX-KEY must match
 * (else 4005), the HMAC-SHA256 signature is recomputed over the method, the raw
 * path+query as received, the raw body bytes as received and the
 * X-COINEX-TIMESTAMP header with the known secret (else 4006), and the
 * timestamp must be within the window of the fake's clock (else 4010).
 * It answers with the documented shapes (decimals as strings, ids and times as
 * numbers) from a small in-memory account.
 *
 * Endpoints. Public (no signature): GET /time, /futures/market, /futures/ticker,
 * /futures/position-level (tiers, §6.3), /futures/funding-rate (§6.2; more than
 * 10 markets in `market` is refused with 4004, as documented). Signed:
 * GET /assets/futures/balance, /futures/pending-position, /futures/finished-position;
 * POST /futures/adjust-position-leverage, /futures/order, /futures/close-position,
 * and the position stop endpoints of §6.1: set-/modify-/cancel-position-stop-loss
 * and set-/modify-/cancel-position-take-profit.
 *
 * Position stops: one stop-loss and one take-profit per position, each with an id.
 * A second set REPLACES the first (what CoinEx does is UNVERIFIED; the client never
 * relies on it: it cancels first). Cancel without an id removes the stop; all six
 * answer with the position object, as ccxt's sample shows for the set endpoints.
 * pending-position shows them in stop_loss_price/_type and take_profit_price/_type
 * ("0" and "" when unset). setPrice() at or beyond a stop (long: mark ≤ SL or
 * mark ≥ TP; short: the mirror) closes the whole position AT THE STOP PRICE with the
 * taker fee, records a close order without client_id and a finished position with
 * finished_type "stop_loss" / "take_profit" (our close-position: "market_close").
 * The real finished_type values are UNVERIFIED.
 *
 * Positions carry liq_price from margin.ts's liquidationPrice with the market's
 * first-tier maintenance margin rate (the price is reported, nothing is liquidated).
 *
 * Usage:
 *   const fake = startFakeCoinex();            // BTCUSDT 60 000, ETHUSDT 3 000, SUIUSDT 3.5, 10 000 USDT
 *   const ex = new CoinexExchange({ baseUrl: fake.url, accessId: fake.accessId, secretKey: fake.secretKey });
 *   fake.inject({ kind: "code", code: 3008 }, { endpoint: "/futures/order" });   // next order: busy
 *   fake.rejectOrders("SUIUSDT", 4117);       // every order on SUIUSDT fails with 4117 until rejectOrders("SUIUSDT", null)
 *   fake.failClosePosition(2);                // the next 2 close-position calls fail with 3008 (busy)
 *   fake.setPrice("BTCUSDT", 61_000);          // may trigger a position stop
 *   fake.setFundingRate("BTCUSDT", 0.0003);
 *   fake.requests                                 // everything received, in order
 *   fake.stop();
 * Options: `exponentDecimals: true` writes every non-zero decimal of a response in
 * exponent form ("6E+4", "5e-4": upper-case E for values ≥ 1), as CoinEx has at
 * times (§6.5); `fundingTimesAsStrings: true` sends funding times as digit strings.
 *
 * Simplifications (deliberate): fills at the mark price with the taker fee and no
 * slippage; one-way positions; an order against an open position of the other side
 * is refused (netting is not modelled); no liquidation, funding payments or profit
 * settlement (settle_price stays the entry price); stop prices are not range-checked.
 */
import { createHmac } from "node:crypto";
import { liquidationPrice } from "../../src/exchange/margin.ts";

export interface FakeMarket {
  market: string;
  base_ccy: string;
  base_ccy_precision: number;
  quote_ccy_precision: number;
  min_amount: string;
  maker_fee_rate: string;
  taker_fee_rate: string;
  leverage: string[];
  last: number;
  mark_price: number;
  /** Position tiers for GET /futures/position-level; default: the BTC-like tiers of defaultTiers(). */
  tiers?: FakeTier[];
  /** latest_funding_rate for GET /futures/funding-rate; default 0.0001. */
  funding_rate?: number;
}

/** One row of position-level's `level` array, strings as CoinEx sends them. */
export interface FakeTier {
  amount: string;
  leverage: string;
  maintenance_margin_rate: string;
  min_initial_margin_rate: string;
}

export interface FakeStop {
  id: number;
  price: number;
  type: string;
}

export interface FakePosition {
  position_id: number;
  market: string;
  side: "long" | "short";
  size: number;
  entry_price: number;
  leverage: number;
  margin: number;
  /** Realized P&L so far, fees included (negative open fee after opening), as CoinEx accounts it. */
  realized_pnl: number;
  ath_size: number;
  created_at: number;
  updated_at: number;
  finished_type?: string;
  stop_loss?: FakeStop | null;
  take_profit?: FakeStop | null;
}

/** An order object exactly as returned by POST /futures/order and /futures/close-position. */
export type FakeOrder = Record<string, string | number | null>;

export interface FakeCoinexState {
  /** USDT free for new orders. */
  available: number;
  frozen: number;
  markets: Map<string, FakeMarket>;
  /** Leverage set per market with adjust-position-leverage (default 3). */
  leverage: Map<string, number>;
  positions: Map<string, FakePosition>;
  /** Every order filled, oldest first. */
  orders: FakeOrder[];
  /** Orders by client_id (CoinEx does not reject a reused client_id, so this is a list). */
  ordersByClientId: Map<string, FakeOrder[]>;
  /** Finished positions, oldest first. */
  finished: FakePosition[];
}

export interface RecordedRequest {
  method: string;
  /** Raw path and query as received, e.g. "/v2/futures/pending-position?market_type=FUTURES&page=1&limit=100". */
  rawPath: string;
  /** Path relative to /v2 without query, e.g. "/futures/pending-position". */
  endpoint: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Raw body text as received ("" for GET). */
  body: string;
  /** Parsed body, or undefined when empty or not JSON. */
  json: unknown;
  /** X-COINEX-TIMESTAMP as a number, when sent. */
  timestamp: number | null;
  /** Fake server clock when the request arrived. */
  receivedAt: number;
  /** Response: HTTP status and envelope code (null when not a JSON envelope). */
  status: number;
  code: number | null;
}

export type FakeFault =
  /** An error envelope with this code (HTTP 200, as CoinEx does). */
  | { kind: "code"; code: number; message?: string }
  /** A raw HTTP answer, e.g. a gateway's 502 HTML page. */
  | { kind: "http"; status: number; body?: string; contentType?: string }
  /** HTTP 200, content-type JSON, body that is not JSON. */
  | { kind: "malformed-json" }
  /** A success envelope carrying this `data` (e.g. a wrong field type). */
  | { kind: "data"; data: unknown; pagination?: { has_next: boolean } };

export interface FakeCoinexOptions {
  accessId?: string;
  secretKey?: string;
  /** Base clock (ms); default Date.now. The server clock is this + clockOffsetMs. */
  now?: () => number;
  clockOffsetMs?: number;
  /** Default validity window when X-COINEX-WINDOWTIME is absent; CoinEx's default is 5000 ms. */
  windowMs?: number;
  /** Free USDT; default 10 000. */
  balance?: number;
  /** Markets; default BTCUSDT and ETHUSDT. */
  markets?: FakeMarket[];
  /** Largest page the list endpoints return (CoinEx caps `limit`); default 100. */
  maxPageSize?: number;
  /** Write non-zero decimals in exponent form ("6E+4", "5e-4"); default false. */
  exponentDecimals?: boolean;
  /** Funding times as digit strings instead of numbers; default false. */
  fundingTimesAsStrings?: boolean;
}

export interface FakeCoinex {
  /** Base URL including /v2, e.g. http://127.0.0.1:41234/v2. */
  url: string;
  accessId: string;
  secretKey: string;
  requests: RecordedRequest[];
  state: FakeCoinexState;
  /** Queue a fault for the next `times` (default 1) requests to `endpoint` (default: any endpoint). Private requests still need a valid signature first. */
  inject(fault: FakeFault, options?: { endpoint?: string; times?: number }): void;
  clearFaults(): void;
  /** Server clock = base clock + offset (ms). Positive = server ahead of the client. */
  setClockOffset(ms: number): void;
  /** Sets last and mark price; a position stop at or beyond it closes the position at the stop price. */
  setPrice(market: string, price: number): void;
  setFundingRate(market: string, rate: number): void;
  /** Every POST /futures/order on `market` fails with `code` (after the signature check) until called with null. */
  rejectOrders(market: string, code: number | null, message?: string): void;
  /** The next `times` POST /futures/close-position calls fail with `code` (default 3008, busy); nothing is closed. */
  failClosePosition(times: number, code?: number): void;
  /** Opens a position directly (margin taken from `available`, no fee), for tests that start with one. */
  addPosition(spec: {
    market: string;
    side: "long" | "short";
    size: number;
    entry_price: number;
    leverage?: number;
    stop_loss_price?: number;
    take_profit_price?: number;
  }): FakePosition;
  /** Requests received for one endpoint (e.g. "/futures/order"). */
  requestsTo(endpoint: string, method?: string): RecordedRequest[];
  stop(): void;
}

export const FAKE_ACCESS_ID = "FAKEACCESSID0123456789ABCDEF0123";
export const FAKE_SECRET_KEY = "fake-secret-KEY-9f8e7d6c5b4a39281706f5e4d3c2b1a0";

/** Tiers shaped like CoinEx's BTCUSDT sample (§6.3): amount is each tier's upper bound. */
export function defaultTiers(): FakeTier[] {
  return [
    { amount: "20", leverage: "100", maintenance_margin_rate: "0.005", min_initial_margin_rate: "0.01" },
    { amount: "50", leverage: "50", maintenance_margin_rate: "0.01", min_initial_margin_rate: "0.02" },
    { amount: "100", leverage: "30", maintenance_margin_rate: "0.015", min_initial_margin_rate: "0.0333" },
  ];
}

export function defaultFakeMarkets(): FakeMarket[] {
  const levels = ["1", "2", "3", "5", "8", "10", "15", "20", "30", "50", "100"];
  return [
    {
      market: "BTCUSDT",
      base_ccy: "BTC",
      base_ccy_precision: 4,
      quote_ccy_precision: 2,
      min_amount: "0.0001",
      maker_fee_rate: "0.0003",
      taker_fee_rate: "0.0005",
      leverage: levels,
      last: 60_000,
      mark_price: 60_000,
    },
    {
      market: "ETHUSDT",
      base_ccy: "ETH",
      base_ccy_precision: 2,
      quote_ccy_precision: 2,
      min_amount: "0.01",
      maker_fee_rate: "0.0003",
      taker_fee_rate: "0.0005",
      leverage: levels,
      last: 3_000,
      mark_price: 3_000,
    },
    {
      market: "SUIUSDT",
      base_ccy: "SUI",
      base_ccy_precision: 1,
      quote_ccy_precision: 4,
      min_amount: "1",
      maker_fee_rate: "0.0003",
      taker_fee_rate: "0.0005",
      leverage: ["1", "2", "3", "5", "8", "10", "15", "20", "30", "50"],
      last: 3.5,
      mark_price: 3.5,
      tiers: [{ amount: "10000", leverage: "50", maintenance_margin_rate: "0.01", min_initial_margin_rate: "0.02" }],
    },
  ];
}

/** Decimal text as CoinEx sends it: a string, no exponent, no trailing zeros. */
export function dec(value: number): string {
  const fixed = value.toFixed(12);
  const trimmed = fixed.includes(".") ? fixed.replace(/0+$/, "").replace(/\.$/, "") : fixed;
  return trimmed === "-0" ? "0" : trimmed;
}

class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

interface Reply {
  data: unknown;
  pagination?: { has_next: boolean; total?: number };
}

interface Context {
  query: Record<string, string>;
  json: Record<string, unknown>;
  now: number;
}

const PUBLIC_ENDPOINTS = new Set(["GET /time", "GET /futures/market", "GET /futures/ticker", "GET /futures/position-level", "GET /futures/funding-rate"]);
const STOP_TYPES = new Set(["latest_price", "mark_price", "index_price"]);
const FUNDING_PERIOD_MS = 8 * 60 * 60 * 1000;

export function startFakeCoinex(options: FakeCoinexOptions = {}): FakeCoinex {
  const accessId = options.accessId ?? FAKE_ACCESS_ID;
  const secretKey = options.secretKey ?? FAKE_SECRET_KEY;
  const baseNow = options.now ?? Date.now;
  let clockOffset = options.clockOffsetMs ?? 0;
  const windowMs = options.windowMs ?? 5000;
  const maxPageSize = options.maxPageSize ?? 100;
  const serverNow = () => baseNow() + clockOffset;

  const state: FakeCoinexState = {
    available: options.balance ?? 10_000,
    frozen: 0,
    markets: new Map((options.markets ?? defaultFakeMarkets()).map((m) => [m.market, { ...m }])),
    leverage: new Map(),
    positions: new Map(),
    orders: [],
    ordersByClientId: new Map(),
    finished: [],
  };
  const requests: RecordedRequest[] = [];
  const faults: { fault: FakeFault; endpoint: string | null; left: number }[] = [];
  const rejectedMarkets = new Map<string, { code: number; message: string }>();
  let nextId = 1000;
  /** Decimal text of a response field: plain, or exponent form with `exponentDecimals`. */
  const num = (value: number): string => {
    const plain = dec(value);
    if (!options.exponentDecimals || plain === "0") return plain;
    const exp = Number(plain).toExponential();
    return Math.abs(Number(plain)) >= 1 ? exp.toUpperCase() : exp;
  };
  const tiersOf = (m: FakeMarket) => m.tiers ?? defaultTiers();
  const mmrOf = (m: FakeMarket) => Number(tiersOf(m)[0]?.maintenance_margin_rate ?? "0.005");

  // ---- helpers -------------------------------------------------------------

  const market = (name: unknown): FakeMarket => {
    const found = typeof name === "string" ? state.markets.get(name) : undefined;
    if (!found) throw new ApiError(4004, `market ${String(name)} not exist`);
    return found;
  };
  const requireFutures = (value: unknown) => {
    if (value !== "FUTURES") throw new ApiError(4004, "market_type must be FUTURES");
  };
  const pageOf = <T>(items: T[], query: Record<string, string>): Reply => {
    const page = Math.max(1, Number(query.page ?? "1") || 1);
    const limit = Math.min(maxPageSize, Math.max(1, Number(query.limit ?? "10") || 10));
    const slice = items.slice((page - 1) * limit, page * limit);
    return { data: slice, pagination: { has_next: page * limit < items.length, total: items.length } };
  };
  const unrealized = (p: FakePosition) => {
    const m = market(p.market);
    return (p.side === "long" ? 1 : -1) * (m.mark_price - p.entry_price) * p.size;
  };
  const positionJson = (p: FakePosition, finished: boolean) => {
    const m = market(p.market);
    const upnl = finished ? 0 : unrealized(p);
    const liq = finished ? null : liquidationPrice(p.side, p.entry_price, p.size, p.margin, mmrOf(m));
    const stopLoss = finished ? null : (p.stop_loss ?? null);
    const takeProfit = finished ? null : (p.take_profit ?? null);
    const row: Record<string, unknown> = {
      position_id: p.position_id,
      market: p.market,
      market_type: "FUTURES",
      side: p.side,
      margin_mode: "isolated",
      open_interest: num(finished ? 0 : p.size),
      close_avbl: num(finished ? 0 : p.size),
      ath_position_amount: num(p.ath_size),
      unrealized_pnl: num(upnl),
      realized_pnl: num(p.realized_pnl),
      avg_entry_price: num(p.entry_price),
      cml_position_value: num(p.ath_size * p.entry_price),
      max_position_value: num(p.ath_size * p.entry_price),
      take_profit_price: takeProfit ? num(takeProfit.price) : "0",
      stop_loss_price: stopLoss ? num(stopLoss.price) : "0",
      take_profit_type: takeProfit?.type ?? "",
      stop_loss_type: stopLoss?.type ?? "",
      leverage: String(p.leverage),
      margin_avbl: num(finished ? 0 : p.margin),
      ath_margin_size: num(p.margin),
      position_margin_rate: num(finished || p.size === 0 ? 0 : (p.margin + upnl) / (p.size * m.mark_price)),
      maintenance_margin_rate: num(mmrOf(m)),
      maintenance_margin_value: num(finished ? 0 : p.size * m.mark_price * mmrOf(m)),
      liq_price: liq === null ? "0" : num(liq),
      bkr_price: "0",
      settle_price: num(p.entry_price),
      settle_value: num(p.size * p.entry_price),
      adl_level: 1,
      created_at: p.created_at,
      updated_at: p.updated_at,
    };
    if (finished) row.finished_type = p.finished_type ?? "market_close";
    return row;
  };
  const amountParam = (m: FakeMarket, value: unknown, field: string): number => {
    if (typeof value !== "string") throw new ApiError(4004, `${field} must be a string`);
    if (!/^\d+(\.\d+)?$/.test(value)) throw new ApiError(4004, `${field} is not a decimal`);
    const decimals = value.split(".")[1]?.length ?? 0;
    if (decimals > m.base_ccy_precision) throw new ApiError(4004, `${field} precision exceeds ${m.base_ccy_precision}`);
    const amount = Number(value);
    if (amount < Number(m.min_amount)) throw new ApiError(3127, "amount too small");
    return amount;
  };
  const clientIdParam = (value: unknown): string | null => {
    if (value === undefined || value === null) return null;
    if (typeof value !== "string" || !/^[A-Za-z0-9_-]{1,32}$/.test(value)) throw new ApiError(4004, "invalid client_id");
    return value;
  };
  const recordOrder = (order: FakeOrder) => {
    state.orders.push(order);
    const clientId = order.client_id;
    if (typeof clientId === "string" && clientId) {
      const list = state.ordersByClientId.get(clientId) ?? [];
      list.push(order);
      state.ordersByClientId.set(clientId, list);
    }
  };
  const orderJson = (m: FakeMarket, side: "buy" | "sell", amount: number, price: number, fee: number, realized: number, clientId: string | null, now: number): FakeOrder => ({
    order_id: nextId++,
    market: m.market,
    market_type: "FUTURES",
    side,
    type: "market",
    amount: num(amount),
    price: "0",
    client_id: clientId ?? "",
    created_at: now,
    updated_at: now,
    unfilled_amount: "0",
    filled_amount: num(amount),
    filled_value: num(amount * price),
    last_filled_amount: num(amount),
    last_filled_price: num(price),
    fee: num(fee),
    fee_ccy: "USDT",
    maker_fee_rate: num(Number(m.maker_fee_rate)),
    taker_fee_rate: num(Number(m.taker_fee_rate)),
    realized_pnl: num(realized),
  });

  /**
   * Closes `amount` of `position` at `price` (taker fee), pays margin + P&L back and,
   * when nothing is left, moves it to the finished list with `finishedType`.
   */
  const closeAt = (position: FakePosition, amount: number, price: number, clientId: string | null, now: number, finishedType: string): FakeOrder => {
    const m = market(position.market);
    const direction = position.side === "long" ? 1 : -1;
    const gross = direction * (price - position.entry_price) * amount;
    const fee = amount * price * Number(m.taker_fee_rate);
    const marginShare = (position.margin * amount) / position.size;
    state.available += marginShare + gross - fee;
    position.realized_pnl += gross - fee;
    position.margin -= marginShare;
    position.size -= amount;
    position.updated_at = now;
    if (position.size <= 1e-12) {
      state.positions.delete(m.market);
      // Stops lapse with the position (§6.1).
      state.finished.push({ ...position, size: 0, finished_type: finishedType, stop_loss: null, take_profit: null });
    }
    const order = orderJson(m, position.side === "long" ? "sell" : "buy", amount, price, fee, gross - fee, clientId, now);
    recordOrder(order);
    return order;
  };
  /** A position stop the mark price has reached, stop-loss first (they cannot both be reached for one price). */
  const reachedStop = (p: FakePosition, mark: number): { stop: FakeStop; type: string } | null => {
    const long = p.side === "long";
    if (p.stop_loss && (long ? mark <= p.stop_loss.price : mark >= p.stop_loss.price)) return { stop: p.stop_loss, type: "stop_loss" };
    if (p.take_profit && (long ? mark >= p.take_profit.price : mark <= p.take_profit.price)) return { stop: p.take_profit, type: "take_profit" };
    return null;
  };
  const positionOf = (m: FakeMarket): FakePosition => {
    const position = state.positions.get(m.market);
    if (!position) throw new ApiError(4004, "position not exist");
    return position;
  };
  const stopPriceParam = (m: FakeMarket, value: unknown, field: string): number => {
    if (typeof value !== "string" || !/^\d+(\.\d+)?$/.test(value)) throw new ApiError(4004, `${field} must be a decimal string`);
    if ((value.split(".")[1]?.length ?? 0) > m.quote_ccy_precision) throw new ApiError(4004, `${field} precision exceeds ${m.quote_ccy_precision}`);
    const price = Number(value);
    if (!(price > 0)) throw new ApiError(4004, `${field} must be > 0`);
    return price;
  };
  const stopTypeParam = (value: unknown, field: string): string => {
    if (typeof value !== "string" || !STOP_TYPES.has(value)) throw new ApiError(4004, `${field} must be latest_price, mark_price or index_price`);
    return value;
  };
  /** The six position-stop endpoints, for one kind ("stop_loss" or "take_profit"). */
  const stopRoutes = (kind: "stop_loss" | "take_profit", path: "stop-loss" | "take-profit"): Record<string, (ctx: Context) => Reply> => ({
    [`POST /futures/set-position-${path}`]: ({ json }) => {
      const m = market(json.market);
      requireFutures(json.market_type);
      const position = positionOf(m);
      const type = stopTypeParam(json[`${kind}_type`], `${kind}_type`);
      position[kind] = { id: nextId++, price: stopPriceParam(m, json[`${kind}_price`], `${kind}_price`), type };
      return { data: positionJson(position, false) };
    },
    [`POST /futures/modify-position-${path}`]: ({ json }) => {
      const m = market(json.market);
      requireFutures(json.market_type);
      const position = positionOf(m);
      const stop = position[kind];
      if (!stop || json[`${kind}_id`] !== stop.id) throw new ApiError(4004, `${kind}_id not exist`);
      if (json[`${kind}_type`] !== undefined) stop.type = stopTypeParam(json[`${kind}_type`], `${kind}_type`);
      if (json[`${kind}_price`] !== undefined) stop.price = stopPriceParam(m, json[`${kind}_price`], `${kind}_price`);
      return { data: positionJson(position, false) };
    },
    [`POST /futures/cancel-position-${path}`]: ({ json }) => {
      const m = market(json.market);
      requireFutures(json.market_type);
      const position = positionOf(m);
      const id = json[`${kind}_id`];
      if (id !== undefined && id !== position[kind]?.id) throw new ApiError(4004, `${kind}_id not exist`);
      position[kind] = null;
      return { data: positionJson(position, false) };
    },
  });

  // ---- endpoints -----------------------------------------------------------

  const routes: Record<string, (ctx: Context) => Reply> = {
    "GET /time": ({ now }) => ({ data: { timestamp: now } }),

    "GET /futures/market": ({ query }) => {
      const wanted = query.market ? new Set(query.market.split(",")) : null;
      const rows = [...state.markets.values()]
        .filter((m) => !wanted || wanted.has(m.market))
        .map((m) => ({
          market: m.market,
          contract_type: "linear",
          base_ccy: m.base_ccy,
          quote_ccy: "USDT",
          base_ccy_precision: m.base_ccy_precision,
          quote_ccy_precision: m.quote_ccy_precision,
          min_amount: num(Number(m.min_amount)),
          maker_fee_rate: num(Number(m.maker_fee_rate)),
          taker_fee_rate: num(Number(m.taker_fee_rate)),
          leverage: m.leverage,
          open_interest_volume: "0",
          tick_size: num(10 ** -m.quote_ccy_precision),
          is_api_trading_available: true,
          status: "online",
        }));
      return { data: rows };
    },

    "GET /futures/ticker": ({ query }) => {
      const wanted = query.market ? new Set(query.market.split(",")) : null;
      const rows = [...state.markets.values()]
        .filter((m) => !wanted || wanted.has(m.market))
        .map((m) => ({
          market: m.market,
          last: num(m.last),
          open: num(m.last),
          close: num(m.last),
          high: num(m.last),
          low: num(m.last),
          volume: "0",
          value: "0",
          volume_buy: "0",
          volume_sell: "0",
          period: 86400,
          mark_price: num(m.mark_price),
          index_price: num(m.mark_price),
          open_interest_volume: "0",
        }));
      return { data: rows };
    },

    "GET /futures/position-level": ({ query }) => {
      const wanted = query.market ? new Set(query.market.split(",")) : null;
      const rows = [...state.markets.values()]
        .filter((m) => !wanted || wanted.has(m.market))
        .map((m) => ({
          market: m.market,
          level: tiersOf(m).map((t) => ({ ...t, amount: num(Number(t.amount)), maintenance_margin_rate: num(Number(t.maintenance_margin_rate)) })),
        }));
      return { data: rows };
    },

    "GET /futures/funding-rate": ({ query, now }) => {
      const wanted = query.market ? query.market.split(",") : null;
      if (wanted && wanted.length > 10) throw new ApiError(4004, "at most 10 markets");
      // latest_* is the upcoming settlement (§6.2), on the 8-hour grid.
      const latest = Math.ceil(now / FUNDING_PERIOD_MS) * FUNDING_PERIOD_MS;
      const time = (t: number) => (options.fundingTimesAsStrings ? String(t) : t);
      const rows = [...state.markets.values()]
        .filter((m) => !wanted || wanted.includes(m.market))
        .map((m) => ({
          market: m.market,
          mark_price: num(m.mark_price),
          latest_funding_rate: num(m.funding_rate ?? 0.0001),
          next_funding_rate: num(m.funding_rate ?? 0.0001),
          max_funding_rate: "0.00375",
          min_funding_rate: "-0.00375",
          latest_funding_time: time(latest),
          next_funding_time: time(latest + FUNDING_PERIOD_MS),
        }));
      return { data: rows };
    },

    "GET /assets/futures/balance": () => {
      let margin = 0;
      let upnl = 0;
      for (const p of state.positions.values()) {
        const u = unrealized(p);
        margin += p.margin + u;
        upnl += u;
      }
      return {
        data: [
          {
            ccy: "USDT",
            available: num(state.available),
            frozen: num(state.frozen),
            margin: num(margin),
            transferrable: num(state.available),
            unrealized_pnl: num(upnl),
          },
        ],
      };
    },

    "GET /futures/pending-position": ({ query }) => {
      requireFutures(query.market_type);
      const rows = [...state.positions.values()]
        .filter((p) => !query.market || p.market === query.market)
        .sort((a, b) => a.position_id - b.position_id)
        .map((p) => positionJson(p, false));
      return pageOf(rows, query);
    },

    "GET /futures/finished-position": ({ query }) => {
      requireFutures(query.market_type);
      const rows = state.finished
        .filter((p) => !query.market || p.market === query.market)
        .slice()
        .reverse()
        .map((p) => positionJson(p, true));
      return pageOf(rows, query);
    },

    "POST /futures/adjust-position-leverage": ({ json }) => {
      const m = market(json.market);
      requireFutures(json.market_type);
      if (json.margin_mode !== "isolated" && json.margin_mode !== "cross") throw new ApiError(4004, "margin_mode must be cross or isolated");
      const leverage = json.leverage;
      if (typeof leverage !== "number" || !Number.isInteger(leverage)) throw new ApiError(4004, "leverage must be an int");
      if (!m.leverage.includes(String(leverage))) throw new ApiError(4004, `leverage ${leverage} not allowed`);
      state.leverage.set(m.market, leverage);
      return { data: { margin_mode: json.margin_mode, leverage } };
    },

    "POST /futures/order": ({ json, now }) => {
      const m = market(json.market);
      requireFutures(json.market_type);
      if (json.side !== "buy" && json.side !== "sell") throw new ApiError(4004, "side must be buy or sell");
      if (json.type !== "market") throw new ApiError(4004, "fake-coinex only fills market orders");
      const rejected = rejectedMarkets.get(m.market);
      if (rejected) throw new ApiError(rejected.code, rejected.message);
      const amount = amountParam(m, json.amount, "amount");
      const clientId = clientIdParam(json.client_id);
      const side: "long" | "short" = json.side === "buy" ? "long" : "short";
      const existing = state.positions.get(m.market);
      if (existing && existing.side !== side) throw new ApiError(4004, "fake-coinex does not model netting against an open position");
      const leverage = existing?.leverage ?? state.leverage.get(m.market) ?? 3;
      const price = m.mark_price;
      const notional = amount * price;
      const margin = notional / leverage;
      const fee = notional * Number(m.taker_fee_rate);
      if (margin + fee > state.available) throw new ApiError(3109, "balance not enough");
      state.available -= margin + fee;
      if (existing) {
        const size = existing.size + amount;
        existing.entry_price = (existing.entry_price * existing.size + price * amount) / size;
        existing.size = size;
        existing.ath_size = Math.max(existing.ath_size, size);
        existing.margin += margin;
        existing.realized_pnl -= fee;
        existing.updated_at = now;
      } else {
        state.positions.set(m.market, {
          position_id: nextId++,
          market: m.market,
          side,
          size: amount,
          entry_price: price,
          leverage,
          margin,
          realized_pnl: -fee,
          ath_size: amount,
          created_at: now,
          updated_at: now,
        });
      }
      const order = orderJson(m, json.side, amount, price, fee, 0, clientId, now);
      recordOrder(order);
      return { data: order };
    },

    "POST /futures/close-position": ({ json, now }) => {
      const m = market(json.market);
      requireFutures(json.market_type);
      if (json.type !== "market") throw new ApiError(4004, "fake-coinex only closes at market");
      const clientId = clientIdParam(json.client_id);
      const position = state.positions.get(m.market);
      if (!position) throw new ApiError(4004, "position not exist");
      const amount = json.amount === undefined || json.amount === null ? position.size : Math.min(position.size, amountParam(m, json.amount, "amount"));
      return { data: closeAt(position, amount, m.mark_price, clientId, now, "market_close") };
    },

    ...stopRoutes("stop_loss", "stop-loss"),
    ...stopRoutes("take_profit", "take-profit"),
  };

  // ---- request handling ----------------------------------------------------

  const takeFault = (endpoint: string): FakeFault | null => {
    const index = faults.findIndex((f) => f.endpoint === null || f.endpoint === endpoint);
    if (index < 0) return null;
    const entry = faults[index]!;
    entry.left -= 1;
    if (entry.left <= 0) faults.splice(index, 1);
    return entry.fault;
  };

  const verify = (method: string, rawPath: string, body: Uint8Array, headers: Headers, now: number): void => {
    if (headers.get("x-coinex-key") !== accessId) throw new ApiError(4005, "access_id not exist");
    const timestamp = headers.get("x-coinex-timestamp") ?? "";
    const sign = headers.get("x-coinex-sign") ?? "";
    const expected = createHmac("sha256", secretKey).update(method + rawPath).update(body).update(timestamp).digest("hex");
    if (sign !== expected) throw new ApiError(4006, "signature verification failed");
    if (!/^\d+$/.test(timestamp)) throw new ApiError(4010, "expired request");
    const window = Number(headers.get("x-coinex-windowtime") ?? windowMs) || windowMs;
    if (Math.abs(now - Number(timestamp)) > window) throw new ApiError(4010, "expired request");
  };

  const envelope = (code: number, data: unknown, message: string, pagination?: Reply["pagination"]) =>
    JSON.stringify(pagination ? { code, data, message, pagination } : { code, data, message });

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const url = req.url;
      const rawPath = url.slice(url.indexOf("/", url.indexOf("//") + 2));
      const [pathname = "", search = ""] = rawPath.split(/\?(.*)/s);
      const body = new Uint8Array(await req.arrayBuffer());
      const bodyText = new TextDecoder().decode(body);
      const endpoint = pathname.startsWith("/v2/") ? pathname.slice(3) : pathname;
      const now = serverNow();
      const headers: Record<string, string> = {};
      req.headers.forEach((value, key) => {
        headers[key] = value;
      });
      const query = Object.fromEntries(new URLSearchParams(search));
      let json: unknown;
      try {
        json = bodyText ? JSON.parse(bodyText) : undefined;
      } catch {
        json = undefined;
      }
      const stampText = req.headers.get("x-coinex-timestamp");
      const record: RecordedRequest = {
        method: req.method,
        rawPath,
        endpoint,
        query,
        headers,
        body: bodyText,
        json,
        timestamp: stampText && /^\d+$/.test(stampText) ? Number(stampText) : null,
        receivedAt: now,
        status: 200,
        code: null,
      };
      requests.push(record);

      const answer = (status: number, text: string, contentType: string, code: number | null) => {
        record.status = status;
        record.code = code;
        return new Response(text, { status, headers: { "content-type": contentType } });
      };
      const jsonType = "application/json; charset=utf-8";

      const key = `${req.method} ${endpoint}`;
      const handler = pathname.startsWith("/v2/") ? routes[key] : undefined;
      if (!handler) return answer(404, "<html><body><h1>404 Not Found</h1></body></html>", "text/html", null);
      try {
        if (!PUBLIC_ENDPOINTS.has(key)) verify(req.method, rawPath, body, req.headers, now);
        const fault = takeFault(endpoint);
        if (fault) {
          switch (fault.kind) {
            case "code":
              return answer(200, envelope(fault.code, {}, fault.message ?? "injected error"), jsonType, fault.code);
            case "http":
              return answer(fault.status, fault.body ?? "<html><body>502 Bad Gateway</body></html>", fault.contentType ?? "text/html", null);
            case "malformed-json":
              return answer(200, '{"code": 0, "data": [{"ccy": "USDT", "avail', jsonType, null);
            case "data":
              return answer(200, envelope(0, fault.data, "OK", fault.pagination), jsonType, 0);
          }
        }
        if (req.method === "POST" && (json === undefined || typeof json !== "object" || json === null || Array.isArray(json))) {
          throw new ApiError(4004, "body must be a JSON object");
        }
        const reply = handler({ query, json: (json ?? {}) as Record<string, unknown>, now });
        return answer(200, envelope(0, reply.data, "OK", reply.pagination), jsonType, 0);
      } catch (error) {
        if (error instanceof ApiError) return answer(200, envelope(error.code, {}, error.message), jsonType, error.code);
        throw error;
      }
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}/v2`,
    accessId,
    secretKey,
    requests,
    state,
    inject(fault, opts = {}) {
      faults.push({ fault, endpoint: opts.endpoint ?? null, left: opts.times ?? 1 });
    },
    clearFaults() {
      faults.length = 0;
    },
    setClockOffset(ms) {
      clockOffset = ms;
    },
    setPrice(name, price) {
      const m = market(name);
      m.last = price;
      m.mark_price = price;
      const position = state.positions.get(m.market);
      const reached = position ? reachedStop(position, price) : null;
      if (position && reached) closeAt(position, position.size, reached.stop.price, null, serverNow(), reached.type);
    },
    setFundingRate(name, rate) {
      market(name).funding_rate = rate;
    },
    rejectOrders(name, code, message) {
      if (code === null) rejectedMarkets.delete(name);
      else rejectedMarkets.set(name, { code, message: message ?? `orders on ${name} rejected` });
    },
    failClosePosition(times, code = 3008) {
      faults.push({ fault: { kind: "code", code, message: "injected close-position failure" }, endpoint: "/futures/close-position", left: times });
    },
    addPosition(spec) {
      const leverage = spec.leverage ?? 3;
      const margin = (spec.size * spec.entry_price) / leverage;
      if (margin > state.available) throw new Error(`fake-coinex addPosition: margin ${margin} exceeds available ${state.available}`);
      state.available -= margin;
      const now = serverNow();
      const position: FakePosition = {
        position_id: nextId++,
        market: spec.market,
        side: spec.side,
        size: spec.size,
        entry_price: spec.entry_price,
        leverage,
        margin,
        realized_pnl: 0,
        ath_size: spec.size,
        created_at: now,
        updated_at: now,
        stop_loss: spec.stop_loss_price === undefined ? null : { id: nextId++, price: spec.stop_loss_price, type: "mark_price" },
        take_profit: spec.take_profit_price === undefined ? null : { id: nextId++, price: spec.take_profit_price, type: "mark_price" },
      };
      state.positions.set(spec.market, position);
      return position;
    },
    requestsTo(endpoint, method) {
      return requests.filter((r) => r.endpoint === endpoint && (!method || r.method === method));
    },
    stop() {
      server.stop(true);
    },
  };
}
