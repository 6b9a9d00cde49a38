/**
 * The exchange-side stops a position should carry, from tp_pct / sl_pct (P&L %
 * of margin, the dashboard's "P&L %"). With effective leverage L = entry × size
 * / margin, a P&L of x % of margin is a price move of x / L %:
 *   stop-loss   = entry × (1 − d × sl_pct / (100 L))
 *   take-profit = entry × (1 + d × tp_pct / (100 L))        d = +1 long, −1 short
 * Rounded to the market's price precision TOWARDS the entry for the stop-loss
 * (never a larger loss than configured) and AWAY from it for the take-profit
 * (never less profit than configured). The cycle's own check stays as the
 * second line in case the exchange did not take or kept a stop.
 */
import { sideSign } from "../../exchange/margin.ts";
import type { Position, PositionStops } from "../../exchange/types.ts";

export function desiredStops(
  position: Pick<Position, "side" | "entry_price" | "size" | "margin">,
  tpPct: number | null,
  slPct: number | null,
  pricePrecision: number,
): PositionStops {
  const leverage = position.margin > 0 ? (position.entry_price * position.size) / position.margin : 1;
  const d = sideSign(position.side);
  const factor = 10 ** pricePrecision;
  // Stop towards the entry, take-profit away from it: for a long both mean rounding
  // up, for a short both mean rounding down. (The 1e-9 keeps an exact tick exact.)
  const round = (price: number) => (d > 0 ? Math.ceil(price * factor - 1e-9) : Math.floor(price * factor + 1e-9)) / factor;
  const sl = slPct === null ? null : round(position.entry_price * (1 - (d * slPct) / (100 * leverage)));
  const tp = tpPct === null ? null : round(position.entry_price * (1 + (d * tpPct) / (100 * leverage)));
  return { stop_loss_price: sl !== null && sl > 0 ? sl : null, take_profit_price: tp !== null && tp > 0 ? tp : null };
}

/** True when the exchange's stops differ from the wanted ones by more than half a tick. */
export function stopsDiffer(held: PositionStops, wanted: PositionStops, pricePrecision: number): boolean {
  const tick = 10 ** -pricePrecision;
  const differs = (a: number | null, b: number | null) => (a === null) !== (b === null) || (a !== null && b !== null && Math.abs(a - b) > tick / 2);
  return differs(held.stop_loss_price, wanted.stop_loss_price) || differs(held.take_profit_price, wanted.take_profit_price);
}
