/**
 * Take-profit / stop-loss per position. The basis is P&L as a percentage of the
 * position's margin (what the owner put at risk), the same number the dashboard
 * shows as "P&L %": at 10× leverage a 1 % price move is a 10 % P&L.
 *   tp hit: pnl_pct ≥ tp_pct        sl hit: pnl_pct ≤ −sl_pct
 * This is the second line of defence: the first is the stop placed on the
 * exchange right after the open (exchange-stops.ts), which fires between cycles.
 */
import { pnlPctOfMargin } from "../../exchange/margin.ts";

export interface PnlReading {
  pnl_pct: number;
  exit: "tp" | "sl" | null;
}


export function readTakeProfitStopLoss(
  unrealizedPnl: number,
  margin: number,
  tpPct: number | null,
  slPct: number | null,
): PnlReading {
  const pnl_pct = pnlPctOfMargin(unrealizedPnl, margin);
  if (tpPct !== null && pnl_pct >= tpPct) return { pnl_pct, exit: "tp" };
  if (slPct !== null && pnl_pct <= -slPct) return { pnl_pct, exit: "sl" };
  return { pnl_pct, exit: null };
}
