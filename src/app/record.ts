/**
 * Adapts the SQLite TraderStore to the trader's journal port and the web's
 * record view. A write that the store refuses (bad input) is logged and never
 * crashes a cycle: the order already happened and must not be retried.
 */
import type { TraderStore } from "../store/trader-store.ts";
import { logger } from "../log.ts";
import type { TraderJournal } from "../trader/ports.ts";
import type { RecordView } from "../web/deps.ts";

const log = logger("record");

export function journalFor(store: TraderStore, onWrite: () => void = () => {}): TraderJournal {
  // A failing disk fails every write: say it once, then count, and say when it works again.
  let failing: { first: string; count: number } | null = null;
  const safely = (what: string, write: () => void) => {
    try {
      write();
      if (failing) {
        log.warn(`recording works again after ${failing.count} failed write(s) (first: ${failing.first})`);
        failing = null;
      }
      onWrite();
    } catch (error) {
      const message = `could not record ${what}: ${(error as Error).message}`;
      if (failing) {
        failing.count += 1;
        return;
      }
      failing = { first: message, count: 1 };
      log.error(`${message} (further failures are counted, not repeated)`);
    }
  };
  return {
    log: (kind, message, data, origin) =>
      safely(`${kind} log`, () => {
        const record = (data ?? null) as never;
        if (kind === "control") store.log("control", message, record, origin ?? "system");
        else store.log(kind as "trade", message, record, origin ?? null);
      }),
    // Each line inside is still written through `safely`; a failing commit is reported like a failing line.
    together: (work) => safely("log lines", () => store.narrationBatch(work)),
    // The store writes the "trade" log line (the trader's message, the same text as the event) in the same transaction as the trade.
    tradeOpened: (message, entry) =>
      safely(`trade open ${entry.symbol}`, () => {
        store.recordTradeOpen({
            symbol: entry.symbol,
            side: entry.side,
            size: entry.size,
            entry_price: entry.entry_price,
            fees: entry.fee,
            margin: entry.margin,
            leverage: entry.leverage,
            opened_at: entry.at,
            open_reason: entry.reason,
            client_id: entry.client_id,
            exchange: entry.exchange,
            mode: entry.mode === "live" ? "live" : "dry-run",
        }, message);
      }),
    tradeClosed: (message, entry) =>
      safely(`trade close ${entry.symbol}`, () => {
        const open = store.openTrades().find((t) => t.symbol === entry.symbol && t.exchange === entry.exchange);
        if (!open) {
          // A position the bot did not open (or opened before its record existed): still log the close.
          store.log("trade", message, { symbol: entry.symbol, exit_price: entry.exit_price, pnl: entry.pnl, reason: entry.reason, untracked: true });
          return;
        }
        const result = store.recordTradeClose({
          trade_id: open.id,
          exit_price: entry.exit_price,
          close_fees: entry.fee,
          // Already the whole trade's net (both fees and funding): one figure everywhere.
          pnl: entry.pnl,
          funding: entry.funding,
          closed_at: entry.at,
          close_reason: entry.reason,
        }, message);
        if (!result.ok) throw new Error(result.error);
      }),
    hasOrderWithClientId: (clientId) => store.tradeByClientId(clientId) !== null,
    openTrades: (exchange) =>
      store.openTrades().filter((t) => t.exchange === exchange).map((t) => ({
        symbol: t.symbol, side: t.side, size: t.size, entry_price: t.entry_price, fees: t.fees, opened_at: t.opened_at, exchange: t.exchange,
        closing_reason: store.closingReason(t.id),
      })),
    noteClosing: (exchange, symbol, reason, at) =>
      safely(`closing note ${symbol}`, () => {
        const open = store.openTrades().find((t) => t.symbol === symbol && t.exchange === exchange);
        if (open) store.noteClosing(open.id, reason, at);
      }),
    lastCloseAt: (symbol, exchange) => store.lastCloseAt(symbol, exchange),
    equitySnapshot: (entry) => safely("equity snapshot", () => void store.snapshotEquity(entry)),
  };
}

export function recordViewFor(store: TraderStore): RecordView {
  return {
    logs: (query) => store.logs(query),
    closedTrades: (limit) =>
      store.recentClosedTrades(limit).map((t) => ({
        symbol: t.symbol,
        side: t.side,
        size: t.size,
        entry_price: t.entry_price,
        exit_price: t.exit_price,
        pnl: t.pnl,
        fees: t.fees,
        opened_at: t.opened_at,
        closed_at: t.closed_at,
        close_reason: t.close_reason,
        mode: t.mode,
      })),
    equityCurve: (limit) => store.equityCurve(limit).map((p) => ({ at: p.at, equity: p.equity })),
  };
}
