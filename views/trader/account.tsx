/**
 * Account overview (`#account`): equity, available, margin in use, unrealized
 * P&L, starting balance, drawdown and the distance to the kill switch, with the
 * equity curve from the recorded snapshots. Each figure is a part (pushed on
 * its own when its text changes), so an account refresh that moves the equity
 * re-sends a few numbers, not the panel with its button.
 */
import type { AccountView, TraderStatus } from "../../src/trader/controller.ts";
import type { EquityPoint } from "../../src/web/deps.ts";
import { formatPct, formatSignedUsd, formatTime, formatUsd, signClass } from "../format.ts";
import { EquityCurve } from "../svg.tsx";
import { ActionButton } from "./forms.tsx";

export function Account(props: { account: AccountView | null; error: string | null; exchange: string; curve: EquityPoint[]; killSwitchPct: number; status: TraderStatus; scoring: string }) {
  const a = props.account;
  const cycle = props.status.last_cycle;
  return (
    <section id="account" class="panel" hx-swap-oob="true">
      <h2>Account <small class="muted">({props.exchange})</small></h2>
      {props.error ? <p class="refusal" role="alert">Account not refreshed: {props.error}</p> : null}
      {a ? (
        <dl class="metrics">
          <Metric name="equity" label="Equity" value={formatUsd(a.equity)} />
          <Metric name="available" label="Available" value={formatUsd(a.available)} />
          <Metric name="margin" label="Margin in use" value={formatUsd(a.margin)} />
          <Metric name="unrealized_pnl" label="Unrealized P&L" value={formatSignedUsd(a.unrealized_pnl)} cls={signClass(a.unrealized_pnl)} />
          <Metric
            name="starting_balance"
            label="Kill-switch baseline"
            value={`${formatUsd(a.starting_balance)} ${a.baseline_at === null ? "(starting balance)" : `(since ${formatTime(a.baseline_at)})`}`}
          />
          <Metric name="drawdown_pct" label="Drawdown" value={formatPct(a.drawdown_pct)} cls={a.drawdown_pct > 0 ? "down" : "flat"} />
          <Metric
            name="kill_switch_distance_pct"
            label="Kill switch distance"
            value={`${formatPct(a.kill_switch_distance_pct)} (at ${props.killSwitchPct}%)`}
            cls={a.kill_switch_distance_pct <= 10 ? "down" : "flat"}
          />
        </dl>
      ) : (
        <p class="muted">No account reading yet.</p>
      )}
      {a ? (
        <ActionButton
          action="/trader/reset-baseline"
          name="scope"
          value="baseline"
          label="Reset baseline to current equity"
          id="reset-baseline"
          title="After a deposit or withdrawal: measure the kill switch's drawdown from the equity now"
          confirm={`Reset the kill-switch baseline from ${formatUsd(a.starting_balance)} USDT to the current equity (shown above)?`}
        />
      ) : null}
      <EquityCurve points={props.curve} baseline={a?.starting_balance ?? null} />
      <dl class="facts">
        <dt>Market</dt><dd>{props.status.market_source.name}{props.status.market_source.simulated ? " (not real prices)" : ""}</dd>
        <dt>Scoring</dt><dd id="trader-scoring">{props.scoring}</dd>
        <dt>Last cycle</dt>
        <dd id="last-cycle">{cycle ? `${formatTime(cycle.at)} · ${cycle.skipped ? `skipped: ${cycle.skipped}` : `${cycle.mode}: ${cycle.scanned} scanned, ${cycle.signals} signals, ${cycle.actions.length} actions${cycle.errors.length ? `, ${cycle.errors.length} errors` : ""}`}` : "none yet"}</dd>
      </dl>
    </section>
  );
}

function Metric(props: { name: string; label: string; value: string; cls?: string }) {
  return (
    <div class="metric" id={`metric-${props.name}`} data-part data-metric={props.name}>
      <dt>{props.label}</dt>
      <dd class={props.cls}>{props.value}</dd>
    </div>
  );
}
