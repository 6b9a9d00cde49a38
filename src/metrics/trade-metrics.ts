/**
 * Performance metrics as pure functions over a trades table and an equity
 * series (the way freqtrade keeps them apart from its engine): the backtest
 * report (src/backtest/study.ts) and the dashboard's /performance page
 * (performance.ts beside this file) use the same ones.
 *
 * Definitions:
 * - Daily returns: equity at the end of each UTC day (the last sample of the
 *   day, carried forward over days without one), r_d = E_d / E_{d−1} − 1; days
 *   without a trade count as 0 % ("zero-filled").
 * - Sharpe = mean(r) / sd(r) × √365 (sd with n − 1); Sortino = mean(r) /
 *   √(mean(min(r, 0)²)) × √365; both null with fewer than two days or no spread.
 * - Max drawdown: the largest fall of mark-to-market equity from a running
 *   peak, in % of that peak, with the peak's and the trough's times.
 * - CAGR = (end / start)^(365 days / length) − 1; Calmar = CAGR / max drawdown.
 * - Profit factor = Σ winning P&L / |Σ losing P&L| (null without a loss);
 *   win rate = winners / trades; expectancy = mean P&L per trade.
 * - Exposure = share of the period with at least one position open.
 */
const DAY = 86_400_000;

export interface EquitySample {
  t: number;
  equity: number;
}

export interface TradeLike {
  symbol: string;
  entry_time: number;
  exit_time: number;
  pnl: number;
  fees: number;
  funding: number;
  exit_reason: string;
}

export interface Drawdown {
  pct: number;
  peak_at: number | null;
  trough_at: number | null;
}

export interface Metrics {
  start_balance: number;
  end_balance: number;
  total_return_pct: number;
  cagr_pct: number | null;
  max_drawdown: Drawdown;
  sharpe: number | null;
  sortino: number | null;
  calmar: number | null;
  profit_factor: number | null;
  win_rate_pct: number | null;
  expectancy: number | null;
  trades: number;
  avg_hold_hours: number | null;
  longest_hold_hours: number | null;
  exposure_pct: number;
  fees: number;
  funding: number;
  liquidations: number;
  days: number;
}

export function maxDrawdown(equity: readonly EquitySample[]): Drawdown {
  let peak = Number.NEGATIVE_INFINITY;
  let peakAt: number | null = null;
  let worst: Drawdown = { pct: 0, peak_at: null, trough_at: null };
  for (const point of equity) {
    if (point.equity > peak) {
      peak = point.equity;
      peakAt = point.t;
    }
    const pct = peak > 0 ? ((peak - point.equity) / peak) * 100 : 0;
    if (pct > worst.pct) worst = { pct, peak_at: peakAt, trough_at: point.t };
  }
  return worst;
}

/** Zero-filled daily returns between `from` and `to` (see the module comment). */
export function dailyReturns(equity: readonly EquitySample[], startBalance: number, from: number, to: number): number[] {
  const firstDay = Math.floor(from / DAY);
  const lastDay = Math.floor((to - 1) / DAY);
  const closes: number[] = [];
  let i = 0;
  let current = startBalance;
  for (let day = firstDay; day <= lastDay; day++) {
    const end = (day + 1) * DAY;
    while (i < equity.length && equity[i]!.t <= end) current = equity[i++]!.equity;
    closes.push(current);
  }
  const returns: number[] = [];
  let previous = startBalance;
  for (const close of closes) {
    returns.push(previous > 0 ? close / previous - 1 : 0);
    previous = close;
  }
  return returns;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, v) => sum + v, 0) / values.length;
}

export function sharpe(daily: readonly number[]): number | null {
  if (daily.length < 2) return null;
  const m = mean(daily);
  const variance = daily.reduce((sum, r) => sum + (r - m) ** 2, 0) / (daily.length - 1);
  return variance > 0 ? (m / Math.sqrt(variance)) * Math.sqrt(365) : null;
}

export function sortino(daily: readonly number[]): number | null {
  if (daily.length < 2) return null;
  const downside = Math.sqrt(mean(daily.map((r) => Math.min(r, 0) ** 2)));
  return downside > 0 ? (mean(daily) / downside) * Math.sqrt(365) : null;
}

export function cagr(start: number, end: number, lengthMs: number): number | null {
  if (!(start > 0) || !(lengthMs > 0) || end < 0) return null;
  return (Math.pow(end / start, (365 * DAY) / lengthMs) - 1) * 100;
}

export function profitFactor(trades: readonly TradeLike[]): number | null {
  let wins = 0;
  let losses = 0;
  for (const t of trades) {
    if (t.pnl > 0) wins += t.pnl;
    else losses -= t.pnl;
  }
  return losses > 0 ? wins / losses : null;
}

/** Share (%) of [from, to] with at least one position open. */
export function exposure(trades: readonly TradeLike[], from: number, to: number): number {
  if (!(to > from)) return 0;
  const intervals = trades
    .map((t) => [Math.max(from, t.entry_time), Math.min(to, t.exit_time)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let covered = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const [a, b] of intervals) {
    if (a > end) {
      covered += b - a;
      end = b;
    } else if (b > end) {
      covered += b - end;
      end = b;
    }
  }
  return (covered / (to - from)) * 100;
}

/** What the trades alone say (no equity needed): the part of `Metrics` the live record can always give. */
export type TradeMetrics = Pick<
  Metrics,
  "profit_factor" | "win_rate_pct" | "expectancy" | "trades" | "avg_hold_hours" | "longest_hold_hours" | "fees" | "funding" | "liquidations"
>;

export function tradeMetrics(trades: readonly TradeLike[]): TradeMetrics {
  const holds = trades.map((t) => (t.exit_time - t.entry_time) / 3_600_000);
  const winners = trades.filter((t) => t.pnl > 0).length;
  return {
    profit_factor: profitFactor(trades),
    win_rate_pct: trades.length > 0 ? (winners / trades.length) * 100 : null,
    expectancy: trades.length > 0 ? mean(trades.map((t) => t.pnl)) : null,
    trades: trades.length,
    avg_hold_hours: holds.length > 0 ? mean(holds) : null,
    longest_hold_hours: holds.length > 0 ? Math.max(...holds) : null,
    fees: trades.reduce((sum, t) => sum + t.fees, 0),
    funding: trades.reduce((sum, t) => sum + t.funding, 0),
    liquidations: trades.filter((t) => t.exit_reason === "liquidation").length,
  };
}

export function computeMetrics(trades: readonly TradeLike[], equity: readonly EquitySample[], startBalance: number, endBalance: number, from: number, to: number): Metrics {
  const drawdown = maxDrawdown([{ t: from, equity: startBalance }, ...equity]);
  const daily = dailyReturns(equity, startBalance, from, to);
  const growth = cagr(startBalance, endBalance, to - from);
  const byTrade = tradeMetrics(trades);
  // Keys in the order result.json has always written them (its bytes must not change).
  return {
    start_balance: startBalance,
    end_balance: endBalance,
    total_return_pct: startBalance > 0 ? (endBalance / startBalance - 1) * 100 : 0,
    cagr_pct: growth,
    max_drawdown: drawdown,
    sharpe: sharpe(daily),
    sortino: sortino(daily),
    calmar: growth !== null && drawdown.pct > 0 ? growth / drawdown.pct : null,
    profit_factor: byTrade.profit_factor,
    win_rate_pct: byTrade.win_rate_pct,
    expectancy: byTrade.expectancy,
    trades: byTrade.trades,
    avg_hold_hours: byTrade.avg_hold_hours,
    longest_hold_hours: byTrade.longest_hold_hours,
    exposure_pct: exposure(trades, from, to),
    fees: byTrade.fees,
    funding: byTrade.funding,
    liquidations: byTrade.liquidations,
    days: daily.length,
  };
}

export interface GroupRow {
  key: string;
  trades: number;
  win_rate_pct: number;
  pnl: number;
  fees: number;
}

/** Trades grouped by `keyOf` (per coin, per exit reason), sorted by key. */
export function groupTrades(trades: readonly TradeLike[], keyOf: (t: TradeLike) => string): GroupRow[] {
  const groups = new Map<string, TradeLike[]>();
  for (const t of trades) {
    const key = keyOf(t);
    const list = groups.get(key) ?? [];
    list.push(t);
    groups.set(key, list);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, list]) => ({
      key,
      trades: list.length,
      win_rate_pct: (list.filter((t) => t.pnl > 0).length / list.length) * 100,
      pnl: list.reduce((sum, t) => sum + t.pnl, 0),
      fees: list.reduce((sum, t) => sum + t.fees, 0),
    }));
}
