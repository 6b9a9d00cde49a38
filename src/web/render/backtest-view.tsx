/**
 * The backtest pages' fragments, kept in the dashboard's one FragmentCache so
 * a page and its pushes are the same strings:
 *  - `#backtest-runs` (topic "backtests"): the past runs, for /backtest;
 *  - `#backtest-run-<id>` (topic "backtest:<id>"): one run, for its page,
 *    defined on demand (a page, a socket or a progress report asks for it)
 *    and forgotten again, oldest finished first, beyond RUN_FRAGMENTS_KEPT.
 * Live groups: "backtest" (the list page) and "backtest-run:<id>" (a run's
 * page; made by the hub when a socket asks for it).
 *
 * The list is read from the service only when a run starts or ends: progress
 * in between is patched into the rows kept (the service's list() reads every
 * stored result, which is too much four times a second).
 */
import type { RunSummary } from "../../app/backtest-runs.ts";
import type { TraderConfig } from "../../config/schema.ts";
import type { BacktestsPort } from "../deps.ts";
import type { FragmentCache } from "./fragment-cache.ts";
import { toHtml } from "./to-html.ts";
import { BacktestForm } from "../../../views/backtest/form.tsx";
import { BacktestListMain, BacktestListPage, BacktestRunMain, BacktestRunPage } from "../../../views/backtest/pages.tsx";
import { RunPanel, runPanelId } from "../../../views/backtest/run.tsx";
import { RUNS_LIST_ID, RunsList } from "../../../views/backtest/runs-list.tsx";
import type { PageShell } from "../../../views/pages.tsx";

export const RUNS_LISTED = 20;
export const RUN_FRAGMENTS_KEPT = 8;
export const BACKTEST_GROUP = "backtest";
const RUN_GROUP = /^backtest-run:(\d{1,12})$/;

export function runGroup(id: number): string {
  return `backtest-run:${id}`;
}

export function runTopic(id: number): string {
  return `backtest:${id}`;
}

export interface FormState {
  values?: Record<string, string>;
  issues?: Record<string, string>;
}

export class BacktestView {
  /** Run fragments defined, oldest first, with the status they were last seen in. */
  private readonly runs = new Map<number, RunSummary["status"]>();
  private rows: RunSummary[] | null = null;

  constructor(
    private readonly port: BacktestsPort | null,
    private readonly cache: FragmentCache,
    private readonly shell: PageShell,
    private readonly config: () => TraderConfig,
    /** What the page says where backtests do not run (no port). */
    private readonly unavailableText: string,
  ) {
    if (port) cache.define({ id: RUNS_LIST_ID, topics: ["backtests"], render: () => toHtml(<RunsList runs={this.listRows()} limit={RUNS_LISTED} />) });
  }

  get available(): boolean {
    return this.port !== null;
  }

  get unavailable(): string {
    return this.unavailableText;
  }

  /** A run was heard from (started, moved on, ended): the topics whose fragments are stale now. */
  heard(summary: RunSummary): string[] {
    const row = this.rows?.find((r) => r.id === summary.id);
    if (!row || row.status !== summary.status) this.rows = null;
    else row.progress = summary.progress;
    if (this.runs.has(summary.id)) this.runs.set(summary.id, summary.status);
    return ["backtests", runTopic(summary.id)];
  }

  /** The list page's live group: the fragment ids its pushes carry. */
  listIds(): readonly string[] {
    return this.port ? [RUNS_LIST_ID] : [];
  }

  /** The ids of a group made on demand ("backtest-run:<id>"), or null for a name that is not one. */
  groupIds(name: string): (() => readonly string[]) | null {
    const match = RUN_GROUP.exec(name);
    if (!match) return null;
    const id = Number(match[1]);
    return () => (this.ensureRun(id) ? [runPanelId(id)] : []);
  }

  /** /backtest, with a refused form's values and issues when there are some. */
  listPage(form: FormState = {}, flash?: string): string {
    return "<!doctype html>" + toHtml(<BacktestListPage shell={this.shell} main={this.listMain(form)} flash={flash} />);
  }

  /** The form panel on its own (an htmx answer to a refused post). */
  formPanel(form: FormState): string {
    if (!this.port) return "";
    return toHtml(<BacktestForm sets={this.port.sets().map((s) => s.name)} config={this.config()} values={form.values} issues={form.issues} />);
  }

  /** /backtest/:id, or null when there is no such run. */
  runPage(id: number): string | null {
    const main = this.runMain(id);
    return main === null ? null : "<!doctype html>" + toHtml(<BacktestRunPage shell={this.shell} id={id} main={main} />);
  }

  /** The run page's <main> (also the htmx answer to a started run), or null when there is no such run. */
  runMain(id: number, options: { nested?: boolean } = {}): string | null {
    if (!this.ensureRun(id)) return null;
    const fragment = this.cache.get(runPanelId(id));
    const running = this.runs.get(id) === "running";
    // Inside a swapped <main> the panel is part of it, not an out-of-band swap of its own.
    const panel = options.nested ? fragment.html.replace(/^(<section\b[^>]*?) hx-swap-oob="true"/, "$1") : fragment.html;
    const wsUrl = running ? `/ws?page=backtest&run=${id}&since=${this.since()}` : null;
    return toHtml(<BacktestRunMain wsUrl={wsUrl} panel={panel} />);
  }

  private listMain(form: FormState): string {
    if (!this.port) return toHtml(<BacktestListMain wsUrl={null} form={null} runs={null} unavailable={this.unavailableText} />);
    const runs = this.cache.get(RUNS_LIST_ID).html;
    return toHtml(<BacktestListMain wsUrl={`/ws?page=backtest&since=${this.since()}`} form={this.formPanel(form)} runs={runs} unavailable={null} />);
  }

  private since(): string {
    return `${this.cache.boot}.${this.cache.version()}`;
  }

  private listRows(): RunSummary[] {
    if (!this.port) return [];
    this.rows ??= this.port.list(RUNS_LISTED);
    return this.rows;
  }

  /** Defines run `id`'s fragment if there is such a run; false when there is none. */
  private ensureRun(id: number): boolean {
    if (!this.port) return false;
    if (this.runs.has(id) && this.cache.has(runPanelId(id))) return true;
    const found = this.port.get(id);
    if (!found) return false;
    this.runs.set(id, found.summary.status);
    let first: typeof found | null = found;
    this.cache.define({
      id: runPanelId(id),
      topics: [runTopic(id)],
      render: () => {
        // The first rendering uses what was just read; later ones read afresh.
        const current = first ?? this.port?.get(id) ?? null;
        first = null;
        if (!current) return toHtml(<section id={runPanelId(id)} class="panel" hx-swap-oob="true"><p>Backtest #{id} is gone.</p></section>);
        this.runs.set(id, current.summary.status);
        return toHtml(<RunPanel summary={current.summary} result={current.result} />);
      },
    });
    this.trim(id);
    return true;
  }

  /** Forgets the oldest finished run fragments beyond RUN_FRAGMENTS_KEPT (never `keep`, never a running one). */
  private trim(keep: number): void {
    for (const [id, status] of this.runs) {
      if (this.runs.size <= RUN_FRAGMENTS_KEPT) return;
      if (id === keep || status === "running") continue;
      this.cache.forget(runPanelId(id));
      this.runs.delete(id);
    }
  }
}
