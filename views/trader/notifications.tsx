/**
 * Notifications on /trader, as two fragments so that a message going out
 * (which changes the channel list) never re-renders the form being edited:
 *
 *  - `#notify-channels`: each channel configured or which environment
 *    variables turn it on (never a value), its last success or failure and
 *    how many retries are pending, and a "Send test message" button;
 *  - `#notify-settings` (`form#notify-form`): on / silent / off per event,
 *    per-trade messages in dry-run, the daily summary's UTC hour.
 */
import { NOTIFY_EVENTS, NOTIFY_LEVELS, type NotificationSettings, type NotifyLevel } from "../../src/config/schema.ts";
import { EVENT_LABELS } from "../../src/notify/events.ts";
import type { ChannelStatus, NotificationsStatus } from "../../src/notify/notifier.ts";
import { HOUR_RANGE } from "../../src/notify/settings-form.ts";
import { formatClock } from "../format.ts";
import { PageForm } from "./forms.tsx";

export const NOTIFY_CHANNELS_ID = "notify-channels";
export const NOTIFY_SETTINGS_ID = "notify-settings";

/** `status` null: this process sends none (a read-only web instance). */
export function NotifyChannels({ status }: { status: NotificationsStatus | null }) {
  return (
    <section id={NOTIFY_CHANNELS_ID} class="panel notify" hx-swap-oob="true">
      <h2>Notifications</h2>
      {status === null ? (
        <p class="muted">Notifications are sent by the trader process, not by this read-only web instance.</p>
      ) : (
        <>
          {status.speaks ? null : <p class="muted" id="notify-standby">This process is on standby: it sends only test messages; the process holding the trader lease sends the rest.</p>}
          <ul class="channels">{status.channels.map((channel) => <ChannelRow channel={channel} />)}</ul>
        </>
      )}
    </section>
  );
}

function ChannelRow({ channel }: { channel: ChannelStatus }) {
  return (
    <li id={`channel-${channel.name}`} class={`channel ${!channel.configured ? "off" : channel.failing ? "failing" : "ok"}`}>
      <span>
        <b>{channel.label}</b>: {channel.configured ? channelState(channel) : `not configured: set ${channel.needs}`}
      </span>
      {channel.configured ? (
        <PageForm action="/trader/notifications/test" class="inline">
          <button type="submit" name="channel" value={channel.name}>Send test message</button>
        </PageForm>
      ) : null}
    </li>
  );
}

/** "last failure 12:03:00Z (HTTP 500), 3 retries pending" while failing; "last sent 12:05:00Z · 4 sent" when not. */
function channelState(c: ChannelStatus): string {
  const parts: string[] = [];
  if (c.failing && c.last_failure_at) {
    parts.push(`last failure ${formatClock(c.last_failure_at)} (${c.last_error ?? "unknown error"})${c.waiting ? `, ${c.waiting} retries pending` : ""}`);
  } else if (c.last_success_at) {
    parts.push(`last sent ${formatClock(c.last_success_at)} · ${c.sent ?? 0} sent`);
    if (c.last_failure_at) parts.push(`last failure ${formatClock(c.last_failure_at)} (${c.last_error ?? "unknown error"})`);
  } else parts.push("configured · nothing sent yet");
  if (c.dropped) parts.push(`${c.dropped} dropped (queue full)`);
  if (c.gave_up) parts.push(`${c.gave_up} given up`);
  return parts.join(" · ");
}

export interface NotifySettingsProps {
  settings: NotificationSettings;
  issues?: Record<string, string>;
  values?: Record<string, string>;
}

export function NotifySettings({ settings, issues = {}, values = {} }: NotifySettingsProps) {
  const known = new Set<string>([...NOTIFY_EVENTS, "dry_run_trades", "daily_summary_hour_utc"]);
  const stray = Object.entries(issues).filter(([name]) => !known.has(name));
  const hourError = issues.daily_summary_hour_utc;
  return (
    <section id={NOTIFY_SETTINGS_ID} class="panel" hx-swap-oob="true">
      <details open={Object.keys(issues).length > 0 ? true : undefined}>
        <summary>Notifications: what to send</summary>
        <PageForm action="/trader/notifications" id="notify-form" class="notify-form" novalidate>
          <table class="notify-table">
            <thead><tr><th>Event</th><th>Send</th></tr></thead>
            <tbody>
              {NOTIFY_EVENTS.map((event) => (
                <LevelRow name={event} label={EVENT_LABELS[event].label} what={EVENT_LABELS[event].what} value={values[event] ?? settings[event]} error={issues[event]} />
              ))}
              <LevelRow
                name="dry_run_trades"
                label="Per-trade messages in dry-run"
                what="trade opened / closed and TP/SL in dry-run are sent at most at this level"
                value={values.dry_run_trades ?? settings.dry_run_trades}
                error={issues.dry_run_trades}
              />
            </tbody>
          </table>
          <div class={`field${hourError ? " invalid" : ""}`} data-field="daily_summary_hour_utc">
            <label for="notify-hour">Daily summary at (UTC hour)</label>
            <input id="notify-hour" name="daily_summary_hour_utc" type="text" inputmode="numeric" autocomplete="off" value={values.daily_summary_hour_utc ?? String(settings.daily_summary_hour_utc)} aria-invalid={hourError ? "true" : undefined} />
            <small class="range">{HOUR_RANGE}</small>
            {hourError ? <span class="field-error" role="alert">{hourError}</span> : null}
          </div>
          {stray.map(([name, message]) => <p class="field-error" role="alert">{name}: {message}</p>)}
          <p class="muted">Silent: delivered without sound (Telegram), low priority (ntfy), <code>"silent": true</code> (webhook).</p>
          <div class="form-actions">
            <button type="submit" class="primary">Save notifications</button>
          </div>
        </PageForm>
      </details>
    </section>
  );
}

function LevelRow(props: { name: string; label: string; what: string; value: string; error?: string }) {
  return (
    <tr id={`notify-${props.name}`} data-event={props.name} class={props.error ? "invalid" : undefined}>
      <td>
        <label for={`notify-select-${props.name}`}>{props.label}</label>
        <small class="muted"> {props.what}</small>
        {props.error ? <span class="field-error" role="alert">{props.error}</span> : null}
      </td>
      <td>
        <select id={`notify-select-${props.name}`} name={props.name}>
          {NOTIFY_LEVELS.map((level: NotifyLevel) => <option value={level} selected={props.value === level}>{level}</option>)}
        </select>
      </td>
    </tr>
  );
}
