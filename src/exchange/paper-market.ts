/**
 * The paper exchange's market rules: precisions, minimum order and leverage
 * levels, derived from the price so any USDT pair works without a market list,
 * and shaped like CoinEx's so dry-run is refused or granted what live would be.
 */
import { ceilToDecimals, roundToDecimalString } from "./decimal.ts";
import type { MarketInfo } from "./types.ts";

/** Paper minimum order size, in USDT notional (CoinEx minimums are of this order). */
export const MIN_NOTIONAL_USDT = 5;

/** The leverage levels CoinEx lists on its usual USDT perpetuals; it grants only these. */
export const COINEX_LEVERAGE_LEVELS: readonly number[] = [1, 2, 3, 5, 8, 10, 15, 20, 30, 50, 100];

/** CoinEx's levels up to the paper maximum, ascending. */
export function leverageLevels(maxLeverage: number): number[] {
  return COINEX_LEVERAGE_LEVELS.filter((level) => level <= maxLeverage);
}

/** Amount decimals: one step is worth at most 0.01 USDT at this price. */
export function amountPrecision(price: number): number {
  return Math.min(12, Math.max(0, Math.ceil(Math.log10(price * 100))));
}

/**
 * Price decimals: the fewest with which one tick is at most 1/100 000 of the
 * price (BTC at 50 000 → 1 decimal, SOL at 100 → 3, a 0.5 coin → 6), finer
 * than any stop distance a trader sets and near CoinEx's tick sizes. A loop
 * on exact powers of ten avoids log10's rounding at 100, 1000 …
 */
export function pricePrecision(price: number): number {
  let decimals = 0;
  while (decimals < 12 && 10 ** -decimals > (price / 100_000) * (1 + 1e-9)) decimals += 1;
  return decimals;
}

/** `price` rounded half-up to `decimals` places, as the CoinEx client rounds stop prices (1.005 → 1.01, not toFixed's 1.00). */
export function roundPrice(price: number, decimals: number): number {
  return Number(roundToDecimalString(price, decimals));
}

export interface PaperMarketRules {
  maxLeverage: number;
  takerFeeRate: number;
  maintenanceMarginRate: number;
  slippage: number;
}

/** Minimum: the amount worth MIN_NOTIONAL_USDT, rounded up to the amount precision. */
export function paperMarketInfo(symbol: string, price: number, rules: PaperMarketRules): MarketInfo {
  const precision = amountPrecision(price);
  const levels = leverageLevels(rules.maxLeverage);
  return {
    symbol,
    min_amount: ceilToDecimals(MIN_NOTIONAL_USDT / price, precision),
    amount_precision: precision,
    price_precision: pricePrecision(price),
    leverage_levels: levels,
    // The highest level granted: a trader that asks for max_leverage gets exactly it.
    max_leverage: levels[levels.length - 1] ?? 1,
    taker_fee_rate: rules.takerFeeRate,
    maintenance_margin_rate: rules.maintenanceMarginRate,
    fill_allowance_rate: rules.slippage,
  };
}
