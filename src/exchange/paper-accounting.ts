/**
 * What a paper position is worth and what ending it does to the balance, in
 * one place so closes, stops and liquidations book the same way.
 *
 * The identity every close keeps: pnl = payout − initial margin − open fee,
 * i.e. the position's whole effect on the balance (the open took margin + fee
 * out of `available`; funding moved only the position's own margin; the end
 * pays `payout` back). Without a clamp that is
 *   pnl = price P&L − open fee − close fee + funding.
 */
import { liquidationPrice, pricePnl } from "./margin.ts";
import type { PaperPosition } from "./paper-state.ts";
import type { CloseKind, ClosedPosition, OrderSide, PositionSide } from "./types.ts";

/** The position's isolated margin now: initial margin plus funding received (minus paid). */
export function currentMargin(position: PaperPosition): number {
  return position.margin + position.funding;
}

/** Where the position is liquidated, with its current margin (funding moves it). */
export function positionLiquidationPrice(position: PaperPosition, maintenanceMarginRate: number): number | null {
  return liquidationPrice(position.side, position.entry_price, position.size, currentMargin(position), maintenanceMarginRate);
}

/** The order side that closes `side`. */
export function exitSide(side: PositionSide): OrderSide {
  return side === "long" ? "sell" : "buy";
}

/** A taker market fill from `price`: always worse for the taker by `slippage`. */
export function takerFill(orderSide: OrderSide, price: number, slippage: number): number {
  return orderSide === "buy" ? price * (1 + slippage) : price * (1 - slippage);
}

export interface Settlement {
  exit_price: number;
  close_fee: number;
  /** USDT handed back to `available`. */
  payout: number;
  /** The whole position's net effect on the balance. */
  pnl: number;
}

/** A market close filled at `fillPrice`. */
export function settleClose(position: PaperPosition, fillPrice: number, takerFeeRate: number): Settlement {
  const gross = pricePnl(position.side, position.entry_price, fillPrice, position.size);
  const closeFee = position.size * fillPrice * takerFeeRate;
  const owed = currentMargin(position) + gross - closeFee;
  if (owed >= 0) {
    return { exit_price: fillPrice, close_fee: closeFee, payout: owed, pnl: gross - position.open_fee - closeFee + position.funding };
  }
  // Isolated margin: a fill beyond bankruptcy costs the margin, not more (the exchange's insurance fund takes the rest).
  return { exit_price: fillPrice, close_fee: closeFee, payout: 0, pnl: -(position.margin + position.open_fee) };
}

/**
 * A liquidation at `liqPrice`: the whole remaining margin is lost, no close fee
 * is charged, nothing is paid back (CoinEx's liquidation fee and any leftover
 * margin are not documented; see paper-exchange.ts). Net: −(initial margin +
 * open fee), which equals −(remaining margin + open fee + funding paid).
 */
export function settleLiquidation(position: PaperPosition, liqPrice: number): Settlement {
  return { exit_price: liqPrice, close_fee: 0, payout: 0, pnl: -(position.margin + position.open_fee) };
}

export function closedRow(position: PaperPosition, settlement: Settlement, kind: CloseKind, closedAt: number): ClosedPosition {
  return {
    symbol: position.symbol,
    side: position.side,
    size: position.size,
    entry_price: position.entry_price,
    exit_price: settlement.exit_price,
    realized_pnl: settlement.pnl,
    fees: position.open_fee + settlement.close_fee,
    funding: position.funding,
    opened_at: position.opened_at,
    closed_at: closedAt,
    kind,
  };
}
