/** Recently closed trades with their realized P&L (`#history`). */
import type { ClosedTradeView } from "../../src/web/deps.ts";
import { formatPrice, formatSignedUsd, formatTime, signClass } from "../format.ts";

export function History(props: { trades: ClosedTradeView[] }) {
  const total = props.trades.reduce((sum, t) => sum + (t.pnl ?? 0), 0);
  return (
    <section id="history" class="panel" hx-swap-oob="true">
      <h2>Position history <small class="muted">(last {props.trades.length}, P&L <span class={signClass(total)}>{formatSignedUsd(total)}</span>)</small></h2>
      {props.trades.length === 0 ? (
        <p class="muted">No closed trades yet.</p>
      ) : (
        <table class="stack">
          <thead>
            <tr><th>Closed</th><th>Symbol</th><th>Side</th><th>Entry</th><th>Exit</th><th>P&L</th><th>Reason</th></tr>
          </thead>
          <tbody>
            {props.trades.map((t) => (
              <tr data-trade={t.symbol}>
                <td data-label="Closed">{t.closed_at === null ? "—" : formatTime(t.closed_at)}</td>
                <td data-label="Symbol"><b>{t.symbol}</b></td>
                <td data-label="Side" class={t.side}>{t.side}</td>
                <td data-label="Entry">{formatPrice(t.entry_price)}</td>
                <td data-label="Exit">{t.exit_price === null ? "—" : formatPrice(t.exit_price)}</td>
                <td data-label="P&L" class={signClass(t.pnl)}>{t.pnl === null ? "—" : formatSignedUsd(t.pnl)}</td>
                <td data-label="Reason">{t.close_reason ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
