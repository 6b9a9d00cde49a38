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

/**
 * An open position. P&L is always measured from the average entry price (never
 * from CoinEx's settlement price, which profit settlement resets):
 *   unrealized_pnl = direction × (current_price − entry_price) × size
 *   margin         = entry_price × size / leverage   (the initial margin)
 * so unrealized_pnl / margin is the "P&L %" that take-profit and stop-loss use.
 */
export interface Position {
  symbol: string;
  side: PositionSide;
  /** Base units, always positive. */
  size: number;
  /** Average entry price. */
  entry_price: number;
  /** Mark price (the paper exchange: the latest price of the feed). */
  current_price: number;
  unrealized_pnl: number;
  /** Initial margin: entry_price × size / leverage. */
  margin: number;
  leverage: number;
  /** ms since epoch. */
  opened_at: number;
  /** Exchange-side stop-loss trigger (mark price), null when none is set. */
  stop_loss_price: number | null;
  /** Exchange-side take-profit trigger (mark price), null when none is set. */
  take_profit_price: number | null;
  /** Where the exchange liquidates the position, null when unknown. */
  liquidation_price: number | null;
  /** Funding received (+) or paid (−) while the position has been open, USDT. */
  funding: number;
}

export interface MarketInfo {
  symbol: string;
  min_amount: number;
  /** Decimal places allowed for amounts. */
  amount_precision: number;
  /** Decimal places of the market's prices (stop prices are rounded to them). */
  price_precision: number;
  /** The leverage levels the exchange accepts, ascending (CoinEx grants only these). */
  leverage_levels: number[];
  max_leverage: number;
  taker_fee_rate: number;
  /** Maintenance margin rate of the smallest position tier (liquidation distance). */
  maintenance_margin_rate: number;
  /**
   * How much worse than the quoted price a market order may fill, as a rate
   * (paper: its slippage; CoinEx: a cautious allowance). Sizing keeps this room
   * so margin + fee stay within the configured share of equity.
   */
  fill_allowance_rate: number;
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

/** Why a position ended, as the exchange reports it. */
export type CloseKind = "close" | "stop_loss" | "take_profit" | "liquidation" | "adl" | "other";

/**
 * What closing a position did, for the record: one P&L figure for one close,
 * the same on the page, in the history and in the events.
 */
export interface CloseResult {
  /** The close order (CoinEx close-position / paper fill). */
  order: OrderResult;
  /** Average exit price. */
  exit_price: number;
  /** Fee of the closing fill, USDT. */
  close_fee: number;
  /** Funding received (+) or paid (−) over the position's life, USDT. */
  funding: number;
  /**
   * The whole position's net effect on the balance: price P&L − opening and
   * closing fees + funding (CoinEx: the finished position's realized_pnl).
   */
  pnl: number;
}

export interface ClosedPosition {
  symbol: string;
  side: PositionSide;
  size: number;
  entry_price: number;
  exit_price: number;
  /** Net effect on the balance, fees and funding included (as CloseResult.pnl). */
  realized_pnl: number;
  /** Fees paid over the position's life (open + close), USDT; 0 when the exchange does not say. */
  fees: number;
  funding: number;
  opened_at: number;
  closed_at: number;
  /** How it ended: our close, an exchange-side stop, a liquidation … */
  kind: CloseKind;
}

/** Exchange-side stops of one position; null = none. Prices are mark-price triggers. */
export interface PositionStops {
  stop_loss_price: number | null;
  take_profit_price: number | null;
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
  /**
   * Sets the leverage for the next order on `symbol` and returns the level the
   * exchange GRANTED: the largest allowed level ≤ `leverage` (CoinEx accepts only
   * its listed levels). Sizing must use the returned level.
   */
  setLeverage(symbol: string, leverage: number): Promise<number>;
  /** `order.leverage` must be the level setLeverage granted; the exchange does not set it again. */
  placeMarketOrder(order: OrderRequest): Promise<OrderResult>;
  /** Market-closes the whole position of `symbol`. */
  closePosition(symbol: string, client_id: string): Promise<CloseResult>;
  /**
   * Places (or moves, or with null removes) the exchange-side stop-loss and
   * take-profit of the open position on `symbol`, triggered by the mark price,
   * and returns what the exchange now holds. They close the whole position.
   */
  setPositionStops(symbol: string, stops: PositionStops): Promise<PositionStops>;
  /** Finished positions, newest first. */
  getClosedPositions(limit: number): Promise<ClosedPosition[]>;
}
