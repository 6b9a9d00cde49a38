/**
 * Position size: position_size_pct of equity is used as margin, at
 * min(max_leverage, the market's maximum) leverage; amount = margin × leverage
 * / price, rounded DOWN to the market's amount precision so the order never
 * uses more margin than intended. Below the market minimum → no order.
 */
import type { MarketInfo } from "../exchange/types.ts";

export type SizingResult =
  | { ok: true; margin: number; leverage: number; amount: number }
  | { ok: false; reason: string };

export function sizePosition(
  equity: number,
  positionSizePct: number,
  maxLeverage: number,
  price: number,
  market: MarketInfo,
): SizingResult {
  if (!(equity > 0)) return { ok: false, reason: `equity ${equity} is not positive` };
  if (!(price > 0)) return { ok: false, reason: `price ${price} is not positive` };
  const leverage = Math.max(1, Math.min(maxLeverage, market.max_leverage));
  const margin = (equity * positionSizePct) / 100;
  const factor = 10 ** market.amount_precision;
  const amount = Math.floor(((margin * leverage) / price) * factor + 1e-9) / factor;
  if (amount < market.min_amount || amount <= 0) {
    return { ok: false, reason: `size ${amount} is below the market minimum ${market.min_amount}` };
  }
  return { ok: true, margin, leverage, amount };
}
