/**
 * The one interface every exchange implements (paper and CoinEx v2 futures).
 * Amounts are base-currency units (CoinEx contractSize = 1). Numbers here are
 * plain JS numbers: the CoinEx client converts to and from the API's decimal
 * strings at its edge.
 */
export type PositionSide = "long" | "short";
export type OrderSide = "buy" | "sell";

export interface Balance {
  /** available + margin in use + unrealized P&L, in USDT. */
  equity: number;
  available: number;
  margin: number;
  unrealized_pnl: number;
}

export interface Position {
  symbol: string;
  side: PositionSide;
  /** Base units, always positive. */
  size: number;
  entry_price: number;
  /** Latest mark/last price known for the symbol. */
  current_price: number;
  unrealized_pnl: number;
  margin: number;
  leverage: number;
  /** ms since epoch. */
  opened_at: number;
}

export interface MarketInfo {
  symbol: string;
  min_amount: number;
  /** Decimal places allowed for amounts. */
  amount_precision: number;
  max_leverage: number;
  taker_fee_rate: number;
}

export interface OrderRequest {
  symbol: string;
  side: OrderSide;
  /** Base units; the exchange rounds down to its precision. */
  amount: number;
  leverage: number;
  /** Deterministic id per decision (letters, digits, - and _, ≤ 32 bytes) so a retry never doubles an order. */
  client_id: string;
}

export interface OrderResult {
  order_id: string;
  client_id: string;
  symbol: string;
  side: OrderSide;
  amount: number;
  /** Average fill price. */
  price: number;
  fee: number;
  realized_pnl: number;
  /** True when the exchange reported an existing order with this client_id instead of placing a new one. */
  duplicate: boolean;
}

export interface ClosedPosition {
  symbol: string;
  side: PositionSide;
  size: number;
  entry_price: number;
  exit_price: number;
  realized_pnl: number;
  opened_at: number;
  closed_at: number;
}

/** An error an exchange returned or a transport failure, with a message a trader can act on. */
export class ExchangeError extends Error {
  constructor(
    message: string,
    readonly code: number | string | null = null,
    /** True when retrying later may succeed (busy, timeout, rate limit, 5xx). */
    readonly retryable = false,
  ) {
    super(message);
    this.name = "ExchangeError";
  }
}

export interface Exchange {
  readonly name: "paper" | "coinex";
  getBalance(): Promise<Balance>;
  getPositions(): Promise<Position[]>;
  getMarketInfo(symbol: string): Promise<MarketInfo>;
  getPrice(symbol: string): Promise<number>;
  setLeverage(symbol: string, leverage: number): Promise<number>;
  placeMarketOrder(order: OrderRequest): Promise<OrderResult>;
  /** Market-closes the whole position of `symbol`. */
  closePosition(symbol: string, client_id: string): Promise<OrderResult>;
  getClosedPositions(limit: number): Promise<ClosedPosition[]>;
}
