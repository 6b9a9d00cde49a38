/**
 * Exchange-side position stop-loss / take-profit on CoinEx v2 (exchange-api.md
 * §6.1), as a plan of POSTs the client sends in order.
 *
 * Whether a second set-position-stop-loss replaces the first or adds another is
 * UNVERIFIED, so a stop is never "set over" an existing one: moving it is
 * cancel (no id: cancels every stop of that kind) then set; null is cancel
 * only; a side whose rounded price is unchanged is left alone, so a cycle that
 * re-sends the same stops sends nothing. Triggers use the mark price (the web
 * UI's default, and what the trader's own P&L check uses).
 */
import { roundToDecimalString } from "./decimal.ts";
import type { PositionStops } from "./types.ts";

export interface StopCall {
  path: string;
  body: Record<string, unknown>;
  /** Which stop this call touches, for error messages. */
  kind: "stop-loss" | "take-profit";
  action: "cancel" | "set";
}

const KINDS = [
  { field: "stop_loss_price", kind: "stop-loss", set: "/futures/set-position-stop-loss", cancel: "/futures/cancel-position-stop-loss", type: "stop_loss_type" },
  { field: "take_profit_price", kind: "take-profit", set: "/futures/set-position-take-profit", cancel: "/futures/cancel-position-take-profit", type: "take_profit_type" },
] as const;

/**
 * The calls that turn `held` into `wanted` on `market`; prices are sent as
 * decimal strings rounded half-up to `pricePrecision` places.
 */
export function planStopCalls(market: string, held: PositionStops, wanted: PositionStops, pricePrecision: number): StopCall[] {
  const calls: StopCall[] = [];
  const text = (price: number | null) => (price === null ? null : roundToDecimalString(price, pricePrecision));
  for (const k of KINDS) {
    const want = text(wanted[k.field]);
    const have = text(held[k.field]);
    if (want === have) continue;
    const base = { market, market_type: "FUTURES" };
    if (have !== null) calls.push({ path: k.cancel, body: base, kind: k.kind, action: "cancel" });
    if (want !== null) calls.push({ path: k.set, body: { ...base, [k.type]: "mark_price", [k.field]: want }, kind: k.kind, action: "set" });
  }
  return calls;
}
