/**
 * Open positions (`#positions`, one `tr[data-position=SYMBOL]` each) with a
 * Close button per row and Close All; on a phone each row stacks into a card.
 */
import type { PositionView } from "../../src/trader/controller.ts";
import { formatPrice, formatSignedPct, formatSignedUsd, formatUsd, signClass } from "../format.ts";
import { ActionButton } from "./forms.tsx";

export function Positions(props: { positions: PositionView[]; exchange: string }) {
  const positions = [...props.positions].sort((a, b) => a.symbol.localeCompare(b.symbol));
  return (
    <section id="positions" class="panel" hx-swap-oob="true">
      <h2>Open positions <small class="muted">({positions.length} on {props.exchange})</small></h2>
      {positions.length === 0 ? (
        <p class="muted" id="no-positions">No open positions.</p>
      ) : (
        <>
          <table class="stack">
            <thead>
              <tr><th>Symbol</th><th>Side</th><th>Entry</th><th>Current</th><th>P&L</th><th>P&L %</th><th>Margin</th><th>Lev.</th><th /></tr>
            </thead>
            <tbody>
              {positions.map((p) => (
                <tr data-position={p.symbol}>
                  <td data-label="Symbol"><b>{p.symbol}</b></td>
                  <td data-label="Side" class={p.side}>{p.side}</td>
                  <td data-label="Entry">{formatPrice(p.entry_price)}</td>
                  <td data-label="Current">{formatPrice(p.current_price)}</td>
                  <td data-label="P&L" class={signClass(p.pnl)}>{formatSignedUsd(p.pnl)}</td>
                  <td data-label="P&L %" class={signClass(p.pnl_pct)}>{formatSignedPct(p.pnl_pct)}</td>
                  <td data-label="Margin">{formatUsd(p.margin)}</td>
                  <td data-label="Leverage">{p.leverage}×</td>
                  <td class="actions">
                    <ActionButton action="/trader/close-position" name="symbol" value={p.symbol} label="Close" class="warn" title={`Market-close the ${p.side} ${p.symbol} position`} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <ActionButton
            action="/trader/close-all"
            name="scope"
            value="all"
            label="Close all"
            class="warn"
            id="close-all"
            confirm={`Market-close all ${positions.length} open position(s) now?`}
          />
        </>
      )}
    </section>
  );
}
