/**
 * Past backtests (`#backtest-runs`), newest first: when, on what, the study,
 * and its state — progress while running, the headline of each run when done,
 * the error when it failed — each reopening at /backtest/:id. Pushed to the
 * /backtest page whenever a run starts, moves on or ends.
 */
import type { RunSummary } from "../../src/app/backtest-runs.ts";
import { formatPct, formatSignedPct, formatTime, signClass } from "../format.ts";
import { periodText, progressPct, studyText } from "./run.tsx";

export const RUNS_LIST_ID = "backtest-runs";

export function RunsList(props: { runs: readonly RunSummary[]; limit: number }) {
  return (
    <section id={RUNS_LIST_ID} class="panel" hx-swap-oob="true">
      <h2>Past runs <small class="muted">(newest first{props.runs.length >= props.limit ? `, the last ${props.limit}` : ""})</small></h2>
      {props.runs.length === 0 ? (
        <p class="muted">No backtests yet.</p>
      ) : (
        <table class="stack runs-table">
          <thead>
            <tr><th>Run</th><th>Started</th><th>Data</th><th>Study</th><th>Status</th><th>Result</th></tr>
          </thead>
          <tbody>
            {props.runs.map((run) => (
              <tr data-run={String(run.id)} data-status={run.status}>
                <td data-label="Run"><a href={`/backtest/${run.id}`}>#{run.id}</a></td>
                <td data-label="Started">{formatTime(run.created_at)}</td>
                <td data-label="Data">{run.request.data_set}, {periodText(run.request.from, run.request.to)}</td>
                <td data-label="Study">{studyText(run)}</td>
                <td data-label="Status"><Status run={run} /></td>
                <td data-label="Result" class="result">{run.status === "failed" ? <span class="refusal">{short(run.error ?? "no reason recorded")}</span> : <Headline run={run} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Status(props: { run: RunSummary }) {
  const { run } = props;
  if (run.status !== "running") return <span class={`pill status-${run.status}`}>{run.status}</span>;
  const pct = progressPct(run);
  return (
    <span class="running" data-progress={String(pct)}>
      <progress max="100" value={String(pct)} aria-label={`Backtest #${run.id} progress`}>{pct}%</progress> {pct}%
    </span>
  );
}

function Headline(props: { run: RunSummary }) {
  if (props.run.headline.length === 0) return <span class="muted">—</span>;
  return (
    <ul class="headline">
      {props.run.headline.map((h) => (
        <li>
          {props.run.headline.length > 1 ? `${h.label}: ` : ""}
          <span class={signClass(h.total_return_pct)}>{formatSignedPct(h.total_return_pct)}</span>, max DD {formatPct(h.max_drawdown_pct)}, {h.trades} trade{h.trades === 1 ? "" : "s"}
        </li>
      ))}
    </ul>
  );
}

function short(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
