/**
 * CoinEx v2 position rows → the Exchange contract's Position / ClosedPosition /
 * OrderResult. Pure functions, so the rules that matter (where P&L is measured
 * from, what "no stop" looks like, how a position ended) sit in one place.
 */
import { logger } from "../log.ts";
import type { CoinexPosition, FinishedPositionSchema, OrderSchema } from "./coinex-schemas.ts";
import { initialMargin, pricePnl } from "./margin.ts";
import type { CloseKind, ClosedPosition, OrderResult, Position, PositionStops } from "./types.ts";

const log = logger("exchange.coinex");

type FinishedRow = ReturnType<typeof FinishedPositionSchema.parse>[number];
type OrderRow = ReturnType<typeof OrderSchema.parse>;

/**
 * A pending-position row at mark price `mark`. P&L and margin come from the
 * average entry price, never from CoinEx's unrealized_pnl / settle_price /
 * margin_avbl: profit settlement (00/08/16 UTC, §6.4) moves unrealized P&L into
 * realized and resets settle_price, so those read as "P&L since the last
 * settlement", not since entry.
 */
export function toPosition(p: CoinexPosition, mark: number): Position {
  const stops = stopsOf(p);
  return {
    symbol: p.market,
    side: p.side,
    size: p.open_interest,
    entry_price: p.avg_entry_price,
    current_price: mark,
    unrealized_pnl: pricePnl(p.side, p.avg_entry_price, mark, p.open_interest),
    margin: p.leverage > 0 ? initialMargin(p.avg_entry_price, p.open_interest, p.leverage) : p.margin_avbl,
    leverage: p.leverage,
    opened_at: p.created_at,
    stop_loss_price: stops.stop_loss_price,
    take_profit_price: stops.take_profit_price,
    liquidation_price: p.liq_price ?? null,
    // CoinEx's position row does not split funding out (it is folded into
    // realized_pnl with the fees); GET /futures/position-funding-history would
    // have it, with an UNVERIFIED sign convention (§6.2). Reported as 0.
    funding: 0,
  };
}

/**
 * The position's stop-loss and take-profit. The scalar stop_loss_price /
 * take_profit_price come first ("0"/"" = none); when they say none, the first
 * priced entry of stop_loss_list / take_profit_list (newer CoinEx rows, §6.1).
 * We only ever set one full-size stop of each kind, so a longer list means
 * someone else added stops; the first is reported.
 */
export function stopsOf(p: Pick<CoinexPosition, "stop_loss_price" | "take_profit_price" | "stop_loss_list" | "take_profit_list">): PositionStops {
  const fromList = (list: CoinexPosition["stop_loss_list"]) => list?.find((s) => s.price !== null)?.price ?? null;
  return {
    stop_loss_price: p.stop_loss_price ?? fromList(p.stop_loss_list),
    take_profit_price: p.take_profit_price ?? fromList(p.take_profit_list),
  };
}

/**
 * How a finished position ended, from CoinEx's `finished_type`. Its values are
 * UNVERIFIED (§2.6 names the field only), so this matches on words rather than
 * exact values: "liq" → liquidation, "adl"/deleverage → adl, stop-loss-ish →
 * stop_loss, take-profit-ish → take_profit, "close"/"market"/"limit" → close
 * (our own close-position), anything else → other.
 */
export function closeKindOf(finishedType: string | undefined): CloseKind {
  const text = (finishedType ?? "").toLowerCase();
  const words = text.split(/[^a-z]+/).filter(Boolean);
  if (text.includes("liq")) return "liquidation";
  if (words.includes("adl") || text.includes("deleverag")) return "adl";
  if (/stop_?loss|stoploss/.test(words.join("_")) || words.includes("sl")) return "stop_loss";
  if (/take_?profit|takeprofit/.test(words.join("_")) || words.includes("tp")) return "take_profit";
  if (words.some((w) => w === "close" || w === "closed" || w === "market" || w === "limit")) return "close";
  if (text) log.debug("unknown CoinEx finished_type; recorded as other", { finished_type: finishedType });
  return "other";
}

/** A finished-position row. realized_pnl is CoinEx's: fees and funding included. */
export function toClosedPosition(p: FinishedRow): ClosedPosition {
  const size = p.ath_position_amount && p.ath_position_amount > 0 ? p.ath_position_amount : p.open_interest;
  const direction = p.side === "long" ? 1 : -1;
  return {
    symbol: p.market,
    side: p.side,
    size,
    entry_price: p.avg_entry_price,
    // CoinEx reports no exit price for a finished position; this is the price at which
    // the position's realized P&L (fees and funding included) would have been made.
    exit_price: size > 0 ? p.avg_entry_price + (direction * p.realized_pnl) / size : p.avg_entry_price,
    realized_pnl: p.realized_pnl,
    // Neither is split out in the finished-position row (both are folded into realized_pnl).
    fees: 0,
    funding: 0,
    opened_at: p.created_at,
    closed_at: p.updated_at,
    kind: closeKindOf(p.finished_type),
  };
}

/** An order object (POST /futures/order, /futures/close-position) → OrderResult with the average fill price. */
export function toOrderResult(data: OrderRow, symbol: string, clientId: string): OrderResult {
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
