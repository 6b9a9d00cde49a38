/**
 * A deterministic set of closed trades (dry-run and live, several coins,
 * sides and exit reasons in the trader's own words, over about two weeks,
 * two of them closing in the same millisecond) and equity snapshots, written
 * through the real store the way the trader's journal writes them (open,
 * then close, in one transaction each). Tests compute what they expect from
 * these rows with plain arithmetic, never with the code under test.
 */
import type { TraderStore } from "../../src/store/trader-store.ts";
import type { TradeMode } from "../../src/store/types.ts";

export interface FixtureTrade {
  symbol: string;
  side: "long" | "short";
  mode: TradeMode;
  size: number;
  entry_price: number;
  exit_price: number;
  leverage: number;
  margin: number;
  open_fee: number;
  close_fee: number;
  funding: number;
  /** Net, as the trader records it. */
  pnl: number;
  opened_at: number;
  closed_at: number;
  reason: string;
}

const HOUR = 3_600_000;
const COINS: [string, number][] = [["BTCUSDT", 61_626.49784999999], ["ETHUSDT", 3_012.345678], ["SOLUSDT", 152.3456], ["DOGEUSDT", 0.159268326]];
/** Exit reasons in the trader's words, for winners and for losers (a stop-loss never closes a winner). */
const WIN_REASONS = ["take profit 21.40 % ≥ 20 %", "closed by owner (page)", "take-profit on the exchange", "closed outside the bot"];
const LOSS_REASONS = [
  "stop-loss on the exchange",
  "closed by owner (api)",
  "stop loss -5.20 % ≤ −5 %",
  "liquidated",
  "kill switch: equity 4,900.00 is 51.00 % below the baseline 10,000.00 (limit 50 %)",
];

/** `dryRun` dry-run trades and `live` live ones, closing from `base` on, 7 h apart. */
export function sampleTrades(base: number, counts: { dryRun: number; live: number } = { dryRun: 30, live: 3 }): FixtureTrade[] {
  const trades: FixtureTrade[] = [];
  const total = counts.dryRun + counts.live;
  for (let i = 0; i < total; i++) {
    const [symbol, price] = COINS[i % COINS.length]!;
    const side = i % 3 === 0 ? "short" : "long";
    const leverage = [5, 10, 20][i % 3]!;
    const size = Number(((500 * leverage) / price).toPrecision(6));
    const move = (((i * 37) % 23) - 10) / 1000;
    const exit = price * (1 + (side === "long" ? move : -move));
    const openFee = Number((size * price * 0.0005).toFixed(6));
    const closeFee = Number((size * exit * 0.0005).toFixed(6));
    const funding = i % 4 === 0 ? -0.37 : i % 5 === 0 ? 0.12 : 0;
    const pricePnl = (side === "long" ? exit - price : price - exit) * size;
    const pnl = pricePnl - openFee - closeFee + funding;
    // Trades 5 and 6 close in the same millisecond (a Close all): the order must still be stable.
    const closed = i === 6 ? base + 5 * 7 * HOUR : base + i * 7 * HOUR;
    const opened = closed - (1 + (i % 5)) * HOUR - 17 * 60_000;
    trades.push({
      symbol,
      side,
      mode: i < counts.dryRun ? "dry-run" : "live",
      size,
      entry_price: price,
      exit_price: exit,
      leverage,
      margin: (price * size) / leverage,
      open_fee: openFee,
      close_fee: closeFee,
      funding,
      pnl,
      opened_at: opened,
      closed_at: closed,
      reason: pnl > 0 ? WIN_REASONS[i % WIN_REASONS.length]! : LOSS_REASONS[i % LOSS_REASONS.length]!,
    });
  }
  return trades;
}

/** Writes each trade as the journal does: its open, then its close. Returns the trade ids in order. */
export function writeTrades(store: TraderStore, trades: readonly FixtureTrade[], tag = "fixture"): number[] {
  return trades.map((t, i) =>
    store.batch(() => {
      const { trade } = store.recordTradeOpen({
        symbol: t.symbol, side: t.side, size: t.size, entry_price: t.entry_price, fees: t.open_fee, margin: t.margin, leverage: t.leverage,
        opened_at: t.opened_at, open_reason: `long score 62 ≥ 45 (${tag} ${i})`, client_id: `${tag}-${i}`, exchange: t.mode === "live" ? "coinex" : "paper", mode: t.mode,
      });
      const closed = store.recordTradeClose({ trade_id: trade.id, exit_price: t.exit_price, close_fees: t.close_fee, pnl: t.pnl, funding: t.funding, closed_at: t.closed_at, close_reason: t.reason });
      if (!closed.ok) throw new Error(closed.error);
      return trade.id;
    }),
  );
}

/** Equity snapshots of one mode: the starting balance plus the P&L closed so far, at each close. */
export function writeEquity(store: TraderStore, trades: readonly FixtureTrade[], mode: TradeMode, start = 10_000): { at: number; equity: number }[] {
  const mine = trades.filter((t) => t.mode === mode).sort((a, b) => a.closed_at - b.closed_at);
  let equity = start;
  const points = [{ at: (mine[0]?.opened_at ?? 0) - HOUR, equity: start }];
  for (const t of mine) points.push({ at: t.closed_at + 1000, equity: (equity += t.pnl) });
  for (const p of points) store.snapshotEquity({ at: p.at, equity: p.equity, available: p.equity, margin: 0, unrealized_pnl: 0, mode });
  return points;
}
