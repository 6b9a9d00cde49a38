/**
 * Isolated-margin arithmetic of a linear (USDT-M) perpetual, in one place: the
 * paper exchange, the CoinEx client, the trader's stops and the config checks
 * all use these, so dry-run and live agree on what a position is worth and
 * where it dies.
 *
 * Liquidation follows CoinEx's published formula for linear contracts
 * (exchange-api.md §6.3), with the position's own margin:
 *   L = margin / (size × entry)
 *   long:  liq = entry × (1 − L) / (1 − MMR)      short: liq = entry × (1 + L) / (1 + MMR)
 * CoinEx uses its settlement price where we write `entry`; with Auto-Settlement
 * off (or before the first settlement) they are the same. Funding paid out of an
 * isolated position's margin lowers `margin` and so moves the liquidation price.
 *
 * Defaults when a market does not say: maintenance margin rate 0.5 % (CoinEx's
 * smallest tier on the major markets) and taker fee 0.05 %.
 */
import type { PositionSide } from "./types.ts";

export const DEFAULT_MAINTENANCE_MARGIN_RATE = 0.005;
export const DEFAULT_TAKER_FEE_RATE = 0.0005;

export function sideSign(side: PositionSide): 1 | -1 {
  return side === "long" ? 1 : -1;
}

/** Margin a position of `size` at `entry` needs at `leverage`. */
export function initialMargin(entry: number, size: number, leverage: number): number {
  return (entry * size) / leverage;
}

/** Price P&L of `size` from `entry` to `price` (fees and funding not included). */
export function pricePnl(side: PositionSide, entry: number, price: number, size: number): number {
  return sideSign(side) * (price - entry) * size;
}

/** P&L as a % of margin: the unit of tp_pct / sl_pct and the dashboard's "P&L %". */
export function pnlPctOfMargin(pnl: number, margin: number): number {
  return margin > 0 ? (pnl / margin) * 100 : 0;
}

/**
 * The mark price at which an isolated position is liquidated, or null when it
 * cannot be (a long at 1× with its margin intact never reaches it above 0).
 */
export function liquidationPrice(side: PositionSide, entry: number, size: number, margin: number, maintenanceMarginRate = DEFAULT_MAINTENANCE_MARGIN_RATE): number | null {
  if (!(entry > 0) || !(size > 0)) return null;
  const cushion = margin / (size * entry);
  const price = side === "long" ? (entry * (1 - cushion)) / (1 - maintenanceMarginRate) : (entry * (1 + cushion)) / (1 + maintenanceMarginRate);
  return price > 0 && Number.isFinite(price) ? price : null;
}

/**
 * The P&L % of margin at which a fresh isolated position at `leverage` is
 * liquidated, less one taker fee's worth of room (a stop fills as a market
 * order after its trigger). A stop-loss at or beyond this can never fire:
 * liquidation comes first.
 *   price move to liquidation (fraction) = (1/L − MMR) / (1 − MMR)
 *   limit % = 100 × L × (move − fee)
 * e.g. 10×: 94.98 %, 20×: 89.95 %, 100×: 45.25 % with the defaults.
 */
export function liquidationLossPct(leverage: number, maintenanceMarginRate = DEFAULT_MAINTENANCE_MARGIN_RATE, takerFeeRate = DEFAULT_TAKER_FEE_RATE): number {
  const move = (1 / leverage - maintenanceMarginRate) / (1 - maintenanceMarginRate);
  return Math.max(0, 100 * leverage * (move - takerFeeRate));
}

/** The opening plus closing taker fee, as a % of margin at `leverage` (a take-profit below it closes at a loss). */
export function roundTripFeePct(leverage: number, takerFeeRate = DEFAULT_TAKER_FEE_RATE): number {
  return 100 * 2 * takerFeeRate * leverage;
}
