/**
 * Open positions (`#positions`, one `tr[data-position=SYMBOL]` each) with a
 * Close button per row and Close All; on a phone each row stacks into a card.
 * Each row shows the quantity, how long the position has been open (in whole
 * minutes, so a re-render within the minute writes the same text), the
 * exchange-side stop-loss / take-profit and the liquidation price. Below: positions the bot is still trying to close (the closing duty,
 * with a Cancel for the owner) and coins resting after repeated rejections.
 * The figures that move with the market (age, current price, P&L, P&L %)
 * are parts (a <span> in their cell: a pushed <td> would not parse beside the
 * other fragments of a message), pushed alone when their text changes: the
 * table and its Close buttons are replaced only when a position, a stop or a
 * level changes.
 */
import type { ClosingTask } from "../../src/trader/closing-duty.ts";
import type { PositionView } from "../../src/trader/controller.ts";
import type { RejectionState } from "../../src/trader/risk/rejection-cooldown.ts";
import { formatDuration, formatPrice, formatSignedPct, formatSignedUsd, formatTime, formatUsd, signClass } from "../format.ts";
import { ActionButton } from "./forms.tsx";

export function Positions(props: { positions: PositionView[]; exchange: string; closing?: ClosingTask[]; cooldowns?: RejectionState[]; now?: number }) {
  const positions = [...props.positions].sort((a, b) => a.symbol.localeCompare(b.symbol));
  const now = props.now ?? Date.now();
  return (
    <section id="positions" class="panel" hx-swap-oob="true">
      <h2>Open positions <small class="muted">({positions.length} on {props.exchange})</small></h2>
      {positions.length === 0 ? (
        <p class="muted" id="no-positions">No open positions.</p>
      ) : (
        <>
          <div class="table-scroll positions-scroll">
          <table class="stack">
            <thead>
              <tr>
                <th>Symbol</th><th>Side</th><th><abbr title="Quantity (base units)">Qty</abbr></th><th>Age</th><th>Entry</th><th>Current</th><th>P&L</th>
                <th><abbr title="P&L in % of the position's margin">P&L %</abbr></th><th>Margin</th><th>Lev.</th>
                <th><abbr title="Stop-loss on the exchange (mark price)">SL</abbr></th><th><abbr title="Take-profit on the exchange (mark price)">TP</abbr></th>
                <th><abbr title="Liquidation price">Liq.</abbr></th><th />
              </tr>
            </thead>
            <tbody>
              {positions.map((p) => (
                <tr data-position={p.symbol}>
                  <td data-label="Symbol"><b>{p.symbol}</b></td>
                  <td data-label="Side" class={p.side}>{p.side}</td>
                  <td data-label="Quantity" data-col="quantity">{String(p.size)}</td>
                  <td data-label="Age" data-col="age" title={`opened ${formatTime(p.opened_at)}`}><span id={`pos-${p.symbol}-age`} data-part>{ageText(now - p.opened_at)}</span></td>
                  <td data-label="Entry">{formatPrice(p.entry_price)}</td>
                  <td data-label="Current"><span id={`pos-${p.symbol}-now`} data-part>{formatPrice(p.current_price)}</span></td>
                  <td data-label="P&L"><span class={signClass(p.pnl)} id={`pos-${p.symbol}-pnl`} data-part>{formatSignedUsd(p.pnl)}</span></td>
                  <td data-label="P&L % of margin"><span class={signClass(p.pnl_pct)} id={`pos-${p.symbol}-pnl-pct`} data-part>{formatSignedPct(p.pnl_pct)}</span></td>
                  <td data-label="Margin">{formatUsd(p.margin)}</td>
                  <td data-label="Leverage">{p.leverage}×</td>
                  <td data-label="Stop-loss" data-stop="sl">{priceOrNone(p.stop_loss_price)}</td>
                  <td data-label="Take-profit" data-stop="tp">{priceOrNone(p.take_profit_price)}</td>
                  <td data-label="Liquidation">{priceOrNone(p.liquidation_price)}</td>
                  <td class="actions">
                    <ActionButton action="/trader/close-position" name="symbol" value={p.symbol} label="Close" class="warn" title={`Market-close the ${p.side} ${p.symbol} position`} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
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
      <ClosingDuty tasks={props.closing ?? []} />
      <Cooldowns coins={props.cooldowns ?? []} />
    </section>
  );
}

/** Whole minutes (under a minute: "< 1 min"), so the text changes at most once a minute. */
function ageText(ms: number): string {
  return ms < 60_000 ? "< 1 min" : formatDuration(ms);
}

function priceOrNone(price: number | null): string {
  return price === null ? "—" : formatPrice(price);
}

/** Positions that must close but have not yet: "closing — attempt N, last error …". */
function ClosingDuty(props: { tasks: ClosingTask[] }) {
  if (props.tasks.length === 0) return null;
  return (
    <div id="closing-duty" role="alert">
      <h3>Still closing</h3>
      <ul>
        {props.tasks.map((t) => (
          <li data-closing={t.symbol}>
            <b>{t.symbol}</b> on {t.exchange}: closing — attempt {t.attempts}{t.last_error ? `, last error: ${t.last_error}` : ""} <small class="muted">({t.reason}, since {formatTime(t.since)})</small>
            <ActionButton action="/trader/cancel-closing" name="symbol" value={t.symbol} label="Stop retrying" title={`Stop retrying the close of ${t.symbol}: you will handle it yourself`} confirm={`Stop retrying the close of ${t.symbol}? The position stays open until you close it.`} />
          </li>
        ))}
      </ul>
    </div>
  );
}

function Cooldowns(props: { coins: RejectionState[] }) {
  if (props.coins.length === 0) return null;
  return (
    <p class="muted" id="cooldowns">
      Resting after repeated rejections: {props.coins.map((c) => `${c.symbol} until ${c.until === null ? "—" : formatTime(c.until)} (${c.last_error})`).join("; ")}
    </p>
  );
}
