/**
 * Activity log, one panel per kind (`#log-trade`, `#log-error`, …). The tabs
 * are CSS radio buttons outside the panels, so a pushed panel never resets the
 * tab the owner chose, and no script is needed.
 */
import type { LogKind } from "../../src/trader/ports.ts";
import type { LogEntry } from "../../src/web/deps.ts";
import { formatTime } from "../format.ts";
import { withoutHosts } from "../banner.tsx";

export const LOG_TABS: { kind: LogKind; label: string }[] = [
  { kind: "trade", label: "Trades" },
  { kind: "error", label: "Errors" },
  { kind: "signal", label: "Signals" },
  { kind: "cycle", label: "Cycles" },
  { kind: "control", label: "Control" },
];

export function logPanelId(kind: LogKind): string {
  return `log-${kind}`;
}

export function LogPanel(props: { kind: LogKind; entries: LogEntry[] }) {
  return (
    <div id={logPanelId(props.kind)} class="log-panel" hx-swap-oob="true">
      {props.entries.length === 0 ? (
        <p class="muted">Nothing logged yet.</p>
      ) : (
        <ol class="log">
          {props.entries.map((e) => (
            <li class={`log-${e.kind}`}>
              <time datetime={new Date(e.at).toISOString()}>{formatTime(e.at)}</time>
              {e.origin ? <span class="origin">{e.origin}</span> : null}
              <span class="msg">{withoutHosts(e.message)}</span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

/** The tab strip and the panel slots; panels are pre-rendered strings passed in as children. */
export function ActivityLogTabs(props: { children?: unknown }) {
  return (
    <section class="panel activity" id="activity">
      <h2>Activity log</h2>
      {LOG_TABS.map((tab, i) => <input type="radio" name="log-tab" id={`tab-${tab.kind}`} class="tab-radio" checked={i === 0} />)}
      <div class="tabs" role="tablist">
        {LOG_TABS.map((tab) => <label for={`tab-${tab.kind}`} role="tab">{tab.label}</label>)}
      </div>
      <div class="log-panels">{props.children as never}</div>
    </section>
  );
}
