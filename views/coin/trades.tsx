/**
 * This bot's trades on one coin (`#coin-trades-SYMBOL`), live and dry-run,
 * from the trade record: a table of the latest, and every entry and exit as a
 * chart marker (static/coin-chart.js reads `data-markers` and puts each on
 * the bar that contains its time).
 */
import type { PositionView } from "../../src/trader/account-view.ts";
import type { ClosedTradeView } from "../../src/web/deps.ts";
import { formatPrice, formatSignedUsd, formatTime, signClass } from "../format.ts";

export function coinTradesId(symbol: string): string {
  return `coin-trades-${symbol}`;
}

/** Trades listed in the table (the chart marks all it was given). */
export const TRADES_LISTED = 20;

export interface TradeMarker {
  /** When it happened (ms). */
  t: number;
  kind: "entry" | "exit";
  side: "long" | "short";
  price: number;
  /** Short label drawn beside the marker. */
  text: string;
}

type Mode = "live" | "dry-run" | undefined;

export interface CoinTrade {
  side: "long" | "short";
  mode: Mode;
  entry_price: number;
  opened_at: number;
  exit_price: number | null;
  closed_at: number | null;
  pnl: number | null;
  close_reason: string | null;
  open: boolean;
}

/** The open position (if any) and the closed trades of one coin, newest first. */
export function coinTrades(closed: readonly ClosedTradeView[], position: PositionView | null, positionMode: Mode): CoinTrade[] {
  const rows: CoinTrade[] = closed.map((t) => ({
    side: t.side, mode: t.mode, entry_price: t.entry_price, opened_at: t.opened_at,
    exit_price: t.exit_price, closed_at: t.closed_at, pnl: t.pnl, close_reason: t.close_reason, open: false,
  }));
  if (position) {
    rows.push({
      side: position.side, mode: positionMode, entry_price: position.entry_price, opened_at: position.opened_at,
      exit_price: null, closed_at: null, pnl: null, close_reason: null, open: true,
    });
  }
  return rows.sort((a, b) => (b.closed_at ?? Infinity) - (a.closed_at ?? Infinity) || b.opened_at - a.opened_at);
}

/** One marker per entry and per exit, oldest first (the order the chart needs). */
export function tradeMarkers(trades: readonly CoinTrade[]): TradeMarker[] {
  const markers: TradeMarker[] = [];
  for (const t of trades) {
    const tag = t.mode === "dry-run" ? " (dry)" : "";
    markers.push({ t: t.opened_at, kind: "entry", side: t.side, price: t.entry_price, text: `${t.side === "long" ? "L" : "S"} ${formatPrice(t.entry_price)}${tag}` });
    if (t.closed_at !== null && t.exit_price !== null) {
      markers.push({ t: t.closed_at, kind: "exit", side: t.side, price: t.exit_price, text: `exit ${t.pnl === null ? formatPrice(t.exit_price) : formatSignedUsd(t.pnl)}` });
    }
  }
  return markers.sort((a, b) => a.t - b.t);
}

export function CoinTradesPanel(props: { symbol: string; trades: CoinTrade[] }) {
  const { symbol, trades } = props;
  const listed = trades.slice(0, TRADES_LISTED);
  return (
    <section id={coinTradesId(symbol)} class="panel coin-trades" hx-swap-oob="true" data-markers={JSON.stringify(tradeMarkers(trades))}>
      <h2>This bot's trades on {symbol} <small class="muted">(▲ long entry, ▼ short entry, ● exit on the chart)</small></h2>
      {listed.length === 0 ? (
        <p class="muted" data-no-trades="true">No trades on {symbol} yet.</p>
      ) : (
        <table class="stack">
          <thead>
            <tr><th>Side</th><th>Mode</th><th>Opened</th><th>Entry</th><th>Closed</th><th>Exit</th><th>P&L</th><th>Reason</th></tr>
          </thead>
          <tbody>
            {listed.map((t) => (
              <tr data-coin-trade={t.open ? "open" : "closed"}>
                <td data-label="Side" class={t.side}>{t.side}</td>
                <td data-label="Mode">{t.mode ?? "—"}</td>
                <td data-label="Opened">{formatTime(t.opened_at)}</td>
                <td data-label="Entry">{formatPrice(t.entry_price)}</td>
                <td data-label="Closed">{t.closed_at === null ? "open" : formatTime(t.closed_at)}</td>
                <td data-label="Exit">{t.exit_price === null ? "—" : formatPrice(t.exit_price)}</td>
                <td data-label="P&L" class={signClass(t.pnl)}>{t.pnl === null ? "—" : formatSignedUsd(t.pnl)}</td>
                <td data-label="Reason">{t.close_reason ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {trades.length > listed.length ? <p class="muted">Showing the latest {listed.length} of {trades.length}.</p> : null}
    </section>
  );
}
