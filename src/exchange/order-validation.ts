/**
 * Input checks shared by both exchanges, so a bad order is refused with the same
 * clear message in dry-run and live, before anything is sent or booked.
 */
import { ExchangeError, type OrderRequest } from "./types.ts";

const SYMBOL = /^[A-Z0-9]{1,20}USDT$/;
/** CoinEx: letters, digits, `-` and `_`, at most 32 bytes. */
const CLIENT_ID = /^[A-Za-z0-9_-]{1,32}$/;

export function assertSymbol(symbol: unknown): asserts symbol is string {
  if (typeof symbol !== "string" || !SYMBOL.test(symbol)) {
    throw new ExchangeError(`invalid symbol ${JSON.stringify(symbol)}: expected an upper-case USDT pair such as BTCUSDT`, "invalid_request");
  }
}

export function assertClientId(clientId: unknown): asserts clientId is string {
  if (typeof clientId !== "string" || !CLIENT_ID.test(clientId)) {
    throw new ExchangeError(
      `invalid client_id ${JSON.stringify(clientId)}: use 1–32 letters, digits, "-" or "_"`,
      "invalid_request",
    );
  }
}

/** Checks every field of an order request; amount precision and minimum are checked later against the market. */
export function assertOrderRequest(order: OrderRequest): void {
  assertSymbol(order.symbol);
  assertClientId(order.client_id);
  if (order.side !== "buy" && order.side !== "sell") {
    throw new ExchangeError(`invalid side ${JSON.stringify(order.side)} for ${order.symbol}: expected "buy" or "sell"`, "invalid_request");
  }
  if (typeof order.amount !== "number" || !Number.isFinite(order.amount) || order.amount <= 0) {
    throw new ExchangeError(`invalid amount ${String(order.amount)} for ${order.symbol}: expected a finite number > 0`, "invalid_request");
  }
  assertLeverage(order.symbol, order.leverage);
}

export function assertLeverage(symbol: string, leverage: unknown): asserts leverage is number {
  if (typeof leverage !== "number" || !Number.isFinite(leverage) || leverage < 1) {
    throw new ExchangeError(`invalid leverage ${String(leverage)} for ${symbol}: expected a number ≥ 1`, "invalid_request");
  }
}

/** The largest allowed level ≤ requested (CoinEx only accepts its listed levels). */
export function chooseLeverageLevel(symbol: string, requested: number, allowed: readonly number[]): number {
  assertLeverage(symbol, requested);
  let best = 0;
  for (const level of allowed) if (level <= requested && level > best) best = level;
  if (best < 1) {
    throw new ExchangeError(`leverage ${requested} is below every level ${symbol} allows (${allowed.join(", ")})`, "invalid_request");
  }
  return best;
}
