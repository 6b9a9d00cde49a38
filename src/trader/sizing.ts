/**
 * Position size. The owner's position_size_pct of equity is the most one
 * opening may cost: margin + opening taker fee ≤ equity × pct / 100, at the
 * leverage the exchange GRANTED (CoinEx accepts only its listed levels, so the
 * caller resolves the level first and sizes with it).
 *
 * For a notional N at leverage L the cost is N/L + N·fee, so
 *   N = budget / (1/L + fee)
 * priced at the worst expected fill, price × (1 + fill_allowance_rate), so a
 * market order that fills a little worse still stays within the budget.
 * amount = N / that price, rounded DOWN to the market's amount precision.
 * Below the market minimum → no order.
 */
import { floorToDecimals } from "../exchange/decimal.ts";
import type { MarketInfo } from "../exchange/types.ts";
import { formatAmount, formatUsd } from "../util/number-format.ts";

export type SizingResult =
  | { ok: true; amount: number; leverage: number; budget: number; margin: number; fee: number }
  | { ok: false; reason: string };

export interface SizingInput {
  equity: number;
  position_size_pct: number;
  /** The level the exchange granted. */
  leverage: number;
  price: number;
  market: Pick<MarketInfo, "amount_precision" | "min_amount" | "taker_fee_rate" | "fill_allowance_rate">;
}

/** The leverage to ask the exchange for: the owner's maximum, capped by the market's. */
export function requestedLeverage(maxLeverage: number, market: Pick<MarketInfo, "max_leverage">): number {
  return Math.max(1, Math.min(maxLeverage, market.max_leverage));
}

export function sizePosition(input: SizingInput): SizingResult {
  const { equity, leverage, price, market } = input;
  if (!(equity > 0)) return { ok: false, reason: `equity ${formatUsd(equity)} USDT is not positive` };
  if (!(price > 0)) return { ok: false, reason: `price ${formatAmount(price)} is not positive` };
  if (!(leverage >= 1)) return { ok: false, reason: `leverage ${leverage} is below 1` };
  const budget = (equity * input.position_size_pct) / 100;
  const worstPrice = price * (1 + market.fill_allowance_rate);
  const notional = budget / (1 / leverage + market.taker_fee_rate);
  const amount = floorToDecimals(notional / worstPrice, market.amount_precision);
  if (!(amount > 0) || amount < market.min_amount) {
    return { ok: false, reason: `size ${formatAmount(amount, market.amount_precision)} is below the market minimum ${formatAmount(market.min_amount, market.amount_precision)}` };
  }
  const filled = amount * worstPrice;
  return { ok: true, amount, leverage, budget, margin: filled / leverage, fee: filled * market.taker_fee_rate };
}
