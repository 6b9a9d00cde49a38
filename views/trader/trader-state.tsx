/**
 * The master controls (`#trader-state`): ON/OFF, the mode selector (live needs
 * the word LIVE typed, and says why it is refused when it is), run-a-cycle,
 * and the lockfile status with its Clear button (`#lock-status`). Things that
 * change every cycle live elsewhere (account), so a push of this fragment,
 * which replaces the LIVE confirmation input, happens only when a control changes.
 */
import { LIVE_REASON_SEPARATOR, type TraderStatus } from "../../src/trader/controller.ts";
import { formatTime } from "../format.ts";
import { withoutHosts } from "../banner.tsx";
import { ActionButton, PageForm } from "./forms.tsx";

export interface TraderStateProps {
  status: TraderStatus;
  /** A refusal of the last mode change, shown beside the mode selector (not cached). */
  modeError?: string | null;
}

/** Whether the kill switch would trip at the next cycle with the account as last read (no numbers: the fragment changes only when this does). */
function killSwitchWouldTrip(status: TraderStatus): boolean {
  return status.account !== null && status.account.drawdown_pct >= status.config.kill_switch_drawdown_pct;
}

/** Every reason live trading is refused (the controller joins them with LIVE_REASON_SEPARATOR). */
function liveReasons(status: TraderStatus): string[] {
  return (status.live.reason ?? "unknown reason").split(LIVE_REASON_SEPARATOR).filter((reason) => reason.trim() !== "");
}

export function TraderState({ status, modeError = null }: TraderStateProps) {
  return (
    <section id="trader-state" class="panel" hx-swap-oob="true">
      <h2>Controls</h2>
      <div class="row">
        <span class={`pill ${status.running ? "on" : "off"}`} id="running-state">{status.running ? "ON" : "OFF"}</span>
        {status.running
          ? <ActionButton action="/trader/control" name="action" value="stop" label="Turn OFF" id="toggle-running" />
          : <ActionButton action="/trader/control" name="action" value="start" label="Turn ON" id="toggle-running" />}
        <ActionButton action="/trader/control" name="action" value="run-cycle" label="Run cycle now" />
      </div>
      <PageForm action="/trader/mode" class="mode-form" id="mode-form">
        <fieldset>
          <legend>Mode: <b class={`mode-${status.mode}`} id="current-mode">{status.mode}</b></legend>
          <div class="segmented">
            <button type="submit" name="mode" value="paused" aria-pressed={String(status.mode === "paused")}>paused</button>
            <button type="submit" name="mode" value="dry-run" aria-pressed={String(status.mode === "dry-run")}>dry-run</button>
            <button type="submit" name="mode" value="live" class="live" aria-pressed={String(status.mode === "live")}>live</button>
          </div>
          <label class="confirm-live">
            To switch to live (real money), type <b>LIVE</b> here first:
            <input name="confirm" autocomplete="off" spellcheck={false} placeholder="LIVE" aria-describedby="live-reason" />
          </label>
          {status.live.possible
            ? <p class="muted" id="live-reason">Live trading is possible with the CoinEx account.</p>
            : (
              <div class="refusal" id="live-reason">
                Live trading is refused here until:
                <ul>{liveReasons(status).map((reason) => <li>{withoutHosts(reason)}</li>)}</ul>
              </div>
            )}
          {modeError ? <p class="field-error" id="mode-error" role="alert">{withoutHosts(modeError)}</p> : null}
        </fieldset>
      </PageForm>
      <div id="lock-status" class={status.lock ? "locked" : "clear"}>
        {status.lock
          ? <span>LOCKED: {status.lock.reason} <small>({status.lock.source}, {formatTime(status.lock.at)}{status.lock.count ? `, ${status.lock.count}×` : ""})</small></span>
          : <span>Lockfile: none</span>}
        <ActionButton
          action="/trader/control"
          name="action"
          value="clear-lock"
          label="Clear"
          id="clear-lock"
          title="Remove the lockfile and reset the circuit breaker"
          confirm={killSwitchWouldTrip(status) ? "The drawdown is still beyond the kill-switch limit: the kill switch will trip again on the next cycle unless you reset the baseline first. Clear the lock anyway?" : undefined}
        />
      </div>
      {status.warnings.length > 0 ? (
        <ul class="warnings" id="standing-warnings">
          {status.warnings.map((w) => <li role="alert">{w}</li>)}
        </ul>
      ) : null}
    </section>
  );
}
