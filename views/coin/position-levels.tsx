/**
 * The coin page's open position (`#coin-position-SYMBOL`): entry, stop-loss,
 * take-profit and liquidation, in words here and as price lines on the chart
 * (static/coin-chart.js reads them from `data-levels`).
 */
import type { PositionView } from "../../src/trader/account-view.ts";
import { formatPrice, formatSignedPct, formatSignedUsd, formatTime, formatUsd, signClass } from "../format.ts";

export function coinPositionId(symbol: string): string {
  return `coin-position-${symbol}`;
}

export type LevelKind = "entry" | "sl" | "tp" | "liq";

export interface PriceLevel {
  kind: LevelKind;
  label: string;
  price: number;
}

/** The levels the chart draws for a position, those that are known. */
export function positionLevels(p: PositionView): PriceLevel[] {
  const levels: (PriceLevel | null)[] = [
    { kind: "entry", label: "Entry", price: p.entry_price },
    p.stop_loss_price === null ? null : { kind: "sl", label: "Stop-loss", price: p.stop_loss_price },
    p.take_profit_price === null ? null : { kind: "tp", label: "Take-profit", price: p.take_profit_price },
    p.liquidation_price === null ? null : { kind: "liq", label: "Liquidation", price: p.liquidation_price },
  ];
  return levels.filter((l): l is PriceLevel => l !== null);
}

export function PositionLevels(props: { symbol: string; position: PositionView | null; exchange: string }) {
  const { symbol, position: p, exchange } = props;
  const id = coinPositionId(symbol);
  if (!p) {
    return (
      <section id={id} class="panel coin-position" hx-swap-oob="true" data-levels="[]">
        <h2>Open position</h2>
        <p class="muted" data-no-position="true">No open position on {symbol} ({exchange}).</p>
      </section>
    );
  }
  const levels = positionLevels(p);
  const priceOf = (kind: LevelKind) => {
    const level = levels.find((l) => l.kind === kind);
    return level ? formatPrice(level.price) : "not set";
  };
  return (
    <section id={id} class="panel coin-position" hx-swap-oob="true" data-levels={JSON.stringify(levels)}>
      <h2>Open position <small class="muted">({exchange})</small></h2>
      <dl class="facts">
        <dt>Side</dt><dd class={p.side} data-field="side">{p.side} {p.leverage}×</dd>
        <dt>Size</dt><dd>{p.size} · margin {formatUsd(p.margin)} USDT</dd>
        <dt>Opened</dt><dd>{formatTime(p.opened_at)}</dd>
        <dt>Current</dt><dd>{formatPrice(p.current_price)}</dd>
        <dt>P&L</dt><dd class={signClass(p.pnl)}>{formatSignedUsd(p.pnl)} USDT ({formatSignedPct(p.pnl_pct)} of margin)</dd>
        <dt class="level entry">Entry</dt><dd data-level="entry">{priceOf("entry")}</dd>
        <dt class="level sl">Stop-loss</dt><dd data-level="sl">{priceOf("sl")}</dd>
        <dt class="level tp">Take-profit</dt><dd data-level="tp">{priceOf("tp")}</dd>
        <dt class="level liq">Liquidation</dt><dd data-level="liq">{priceOf("liq")}</dd>
      </dl>
    </section>
  );
}
