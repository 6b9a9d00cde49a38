/**
 * One backtest run (`#backtest-run-<id>`): what was asked, then its progress
 * while it runs, its error when it failed, or its results when done. The same
 * fragment is the run page's content and what the WebSocket pushes while the
 * run goes on (the last push carries the results).
 */
import type { RunSummary } from "../../src/app/backtest-runs.ts";
import type { StudyResult } from "../../src/backtest/study.ts";
import { formatTime } from "../format.ts";
import { Results } from "./results.tsx";

export { TRADE_ROWS } from "./results.tsx";

export function runPanelId(id: number): string {
  return `backtest-run-${id}`;
}

/** 0–1 progress as a whole percentage, never 100 while running. */
export function progressPct(summary: RunSummary): number {
  const pct = Math.floor(Math.max(0, Math.min(1, summary.progress)) * 100);
  return summary.status === "running" ? Math.min(99, pct) : 100;
}

const STATUS_TEXT: Record<RunSummary["status"], string> = { running: "running", done: "done", failed: "failed" };

export function RunPanel(props: { summary: RunSummary; result: StudyResult | null }) {
  const { summary, result } = props;
  const pct = progressPct(summary);
  return (
    <section id={runPanelId(summary.id)} class="panel backtest-run" data-status={summary.status} hx-swap-oob="true">
      <h1>
        Backtest #{summary.id} <span class={`pill status-${summary.status}`}>{STATUS_TEXT[summary.status]}</span>
      </h1>
      <RequestFacts summary={summary} />
      {summary.status === "running" ? (
        <div class="progress" data-progress={String(pct)}>
          <progress max="100" value={String(pct)} aria-label={`Backtest #${summary.id} progress`}>{pct}%</progress>
          <span>{pct}% done</span>
          <p class="muted">
            The results appear here when the run is done; this page updates by itself (without JavaScript, <a href={`/backtest/${summary.id}`}>reload it</a>).
          </p>
        </div>
      ) : summary.status === "failed" ? (
        <p class="refusal" role="alert">This run failed: {summary.error ?? "no reason recorded"}</p>
      ) : result ? (
        <Results id={summary.id} study={result} />
      ) : (
        <p class="refusal" role="alert">This run is marked done but its result is not stored.</p>
      )}
    </section>
  );
}

/** What the run was asked to do, as the request said it (the rest is the config in force when it started). */
export function RequestFacts(props: { summary: RunSummary }) {
  const r = props.summary.request;
  const overrides = Object.entries(r.config ?? {});
  return (
    <dl class="facts request">
      <dt>Started</dt>
      <dd>{formatTime(props.summary.created_at)}</dd>
      <dt>Data</dt>
      <dd>{r.data_set}, {periodText(r.from, r.to)}</dd>
      <dt>Study</dt>
      <dd>{studyText(props.summary)}</dd>
      <dt>Overrides</dt>
      <dd>{overrides.length === 0 ? "none (the config in force)" : overrides.map(([k, v]) => `${k} = ${v === null ? "off" : String(v)}`).join(", ")}</dd>
    </dl>
  );
}

export function periodText(from: string | undefined, to: string | undefined): string {
  if (!from && !to) return "all the data";
  return `${from ?? "start"} → ${to ?? "end"}`;
}

export function studyText(summary: RunSummary): string {
  const r = summary.request;
  const what = r.compare ? "TA bonus off vs on" : "one run";
  return r.holdout_pct ? `${what}, final ${r.holdout_pct}% held out` : what;
}
