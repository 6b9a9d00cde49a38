/**
 * Positions the exchange closed on its own — an exchange-side stop-loss or
 * take-profit, a liquidation, auto-deleveraging, a close from CoinEx's own app —
 * are recorded from the exchange's position history, with its P&L (fees and
 * funding included): the record and the exchange agree, and the re-entry
 * cooldown sees the close.
 *
 * A trade the journal holds open whose symbol is no longer among the positions
 * is matched to the newest finished position of that symbol that ended after
 * the trade opened. If none matches yet (the history can lag), the trade stays
 * open in the record and the next reconciliation tries again. A plain close
 * the bot was making itself (noted before its order: closing.ts) is recorded
 * with the bot's reason: its own record was cut off (a crash, a lost answer).
 */
import type { CloseKind, ClosedPosition, Exchange, Position } from "../exchange/types.ts";
import { formatPrice, formatSignedUsd } from "../util/number-format.ts";
import type { ClosePorts } from "./closing.ts";
import { recordClose } from "./closing.ts";
import type { OpenTradeRecord } from "./ports.ts";

/** How far apart our clock and the exchange's may put the open of the same position. */
const OPEN_TIME_SLACK_MS = 60_000;
const HISTORY_DEPTH = 50;

export const CLOSE_REASONS: Record<CloseKind, string> = {
  close: "closed outside the bot",
  stop_loss: "stop-loss on the exchange",
  take_profit: "take-profit on the exchange",
  liquidation: "liquidated",
  adl: "auto-deleveraged by the exchange",
  other: "closed by the exchange",
};

export async function reconcileClosedPositions(exchange: Exchange, positions: Position[], ports: ClosePorts): Promise<number> {
  const held = new Set(positions.map((p) => p.symbol));
  const missing = ports.journal.openTrades(exchange.name).filter((t) => !held.has(t.symbol));
  if (missing.length === 0) return 0;
  const history = await exchange.getClosedPositions(HISTORY_DEPTH);
  let recorded = 0;
  for (const trade of missing) {
    const finished = matchFinished(trade, history);
    if (!finished) continue;
    // A plain close the bot itself was making (its record cut off by a crash or a lost
    // answer) keeps the bot's reason; an exchange-side stop, a liquidation or ADL are
    // what the exchange says they were, whatever the bot was doing.
    const reason = finished.kind === "close" && trade.closing_reason ? trade.closing_reason : CLOSE_REASONS[finished.kind];
    recordClose(exchange.name, trade, reason, finished.closed_at, {
      exit_price: finished.exit_price,
      // The history's fees cover both fills; the record already holds the opening fee.
      close_fee: Math.max(0, finished.fees - trade.fees),
      funding: finished.funding,
      pnl: finished.realized_pnl,
    }, ports);
    emitExchangeClose(trade, finished, ports);
    recorded += 1;
  }
  return recorded;
}

function matchFinished(trade: OpenTradeRecord, history: ClosedPosition[]): ClosedPosition | null {
  let best: ClosedPosition | null = null;
  for (const finished of history) {
    if (finished.symbol !== trade.symbol || finished.side !== trade.side) continue;
    if (finished.closed_at + OPEN_TIME_SLACK_MS < trade.opened_at) continue;
    if (!best || finished.closed_at > best.closed_at) best = finished;
  }
  return best;
}

function emitExchangeClose(trade: OpenTradeRecord, finished: ClosedPosition, ports: Pick<ClosePorts, "emit">): void {
  const type = finished.kind === "stop_loss" ? "sl_hit" : finished.kind === "take_profit" ? "tp_hit" : finished.kind === "liquidation" ? "liquidation" : null;
  if (!type) return;
  const message = `${CLOSE_REASONS[finished.kind]}: ${trade.side} ${trade.symbol} at ${formatPrice(finished.exit_price)}, P&L ${formatSignedUsd(finished.realized_pnl)} USDT`;
  ports.emit({ type, at: finished.closed_at, symbol: trade.symbol, message, data: { pnl: finished.realized_pnl, exit_price: finished.exit_price, kind: finished.kind } });
}
