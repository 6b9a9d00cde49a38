/**
 * The account and positions as the dashboard, the API and the bus show them:
 * P&L also as % of margin (the unit of TP/SL), the kill switch's baseline with
 * its date, the drawdown and the distance left before it trips.
 */
import { pnlPctOfMargin } from "../exchange/margin.ts";
import type { Balance, Position } from "../exchange/types.ts";
import { readKillSwitch } from "./risk/kill-switch.ts";
import type { Baseline } from "./risk/kill-switch-baseline.ts";

export interface AccountView {
  equity: number;
  available: number;
  margin: number;
  unrealized_pnl: number;
  /** The kill switch's baseline equity (the starting balance until the owner resets it). */
  starting_balance: number;
  /** When the baseline was set (ms); null for the paper account's starting balance. */
  baseline_at: number | null;
  drawdown_pct: number;
  kill_switch_distance_pct: number;
}

export interface PositionView {
  symbol: string;
  side: "long" | "short";
  size: number;
  entry_price: number;
  current_price: number;
  pnl: number;
  pnl_pct: number;
  margin: number;
  leverage: number;
  opened_at: number;
  stop_loss_price: number | null;
  take_profit_price: number | null;
  liquidation_price: number | null;
}

type StopFields = "stop_loss_price" | "take_profit_price" | "liquidation_price" | "funding";

/** A position as the dashboard shows it: P&L also as % of margin (the unit of TP/SL). Stops may be unknown (an older publisher). */
export function positionView(p: Omit<Position, StopFields> & Partial<{ [K in StopFields]: Position[K] | null }>): PositionView {
  return {
    stop_loss_price: p.stop_loss_price ?? null,
    take_profit_price: p.take_profit_price ?? null,
    liquidation_price: p.liquidation_price ?? null,
    symbol: p.symbol,
    side: p.side,
    size: p.size,
    entry_price: p.entry_price,
    current_price: p.current_price,
    pnl: p.unrealized_pnl,
    pnl_pct: pnlPctOfMargin(p.unrealized_pnl, p.margin),
    margin: p.margin,
    leverage: p.leverage,
    opened_at: p.opened_at,
  };
}

/** The account panel's figures from a balance read and the baseline in force (the equity itself when there is none yet). */
export function accountView(balance: Balance, baseline: Baseline | null, killSwitchPct: number): AccountView {
  const starting = baseline?.equity ?? balance.equity;
  const kill = readKillSwitch(balance.equity, starting, killSwitchPct);
  return {
    equity: balance.equity,
    available: balance.available,
    margin: balance.margin,
    unrealized_pnl: balance.unrealized_pnl,
    starting_balance: starting,
    baseline_at: baseline?.at ?? null,
    drawdown_pct: kill.drawdown_pct,
    kill_switch_distance_pct: kill.distance_pct,
  };
}
