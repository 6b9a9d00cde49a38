/**
 * Backtests started from the dashboard: validated requests, one run at a time
 * in this process (in chunks that give the event loop a turn every few ms, so
 * the live loops and pushes go on), progress to listeners (the WebSocket), and
 * every run kept in SQLite (`<dataDir>/backtests.db`) with its whole result,
 * so past runs can be reopened and their files downloaded.
 *
 * Data sets: the sample shipped with the program, plus the folders given with
 * --backtest-data (each a folder of SYMBOL-5m.json files in the shared format).
 * A request names one by its name; the config is the trader's config in force
 * with the request's overrides (its mode is ignored: a backtest trades paper).
 */
import { Database } from "bun:sqlite";
import { basename, join } from "node:path";
import { z } from "zod";
import { BacktestDataError, loadBacktestData } from "../backtest/data.ts";
import { equityCsv, resultJson, tradesCsv } from "../backtest/report.ts";
import { runStudy, type StudyResult } from "../backtest/study.ts";
import { SAMPLE_DATA_DIR } from "../cli/backtest-command.ts";
import { describeIssues, TraderConfigPatchSchema, TraderConfigSchema, type TraderConfig } from "../config/schema.ts";
import { logger } from "../log.ts";
import type { Scorer } from "../scanner/scoring.ts";

const log = logger("backtest");

export interface DataSet {
  name: string;
  dir: string;
}

const DateText = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date such as 2022-02-01");

export const BacktestRequestSchema = z
  .object({
    data_set: z.string().min(1).max(100),
    from: DateText.optional(),
    to: DateText.optional(),
    compare: z.boolean().default(false),
    holdout_pct: z.number().min(1).max(90).nullable().default(null),
    config: TraderConfigPatchSchema.default({}),
  })
  .strict();
export type BacktestRequest = z.input<typeof BacktestRequestSchema>;

export type RunStatus = "running" | "done" | "failed";

export interface RunSummary {
  id: number;
  created_at: number;
  status: RunStatus;
  request: z.output<typeof BacktestRequestSchema>;
  error: string | null;
  /** While running: 0–1. */
  progress: number;
  /** When done: the headline of each run. */
  headline: { label: string; total_return_pct: number; max_drawdown_pct: number; trades: number }[];
}

export type StartResult = { ok: true; id: number } | { ok: false; status: 400 | 409; error: string; issues: { path: string; message: string }[] };

export interface BacktestRunsOptions {
  dataDir: string;
  dataSets?: DataSet[];
  currentConfig: () => TraderConfig;
  /** See BacktestOptions.yieldEveryMs; default 15. */
  yieldEveryMs?: number;
  /** The scorer the server scores with (an owner's module); the built-in base score when absent. */
  scorer?: Scorer;
  now?: () => number;
}

export class BacktestRuns {
  private readonly db: Database;
  private readonly dataSets: DataSet[];
  private running: { id: number; progress: number; promise: Promise<void> } | null = null;
  private readonly listeners = new Set<(summary: RunSummary) => void>();
  private readonly now: () => number;

  constructor(private readonly options: BacktestRunsOptions) {
    this.now = options.now ?? Date.now;
    this.dataSets = [{ name: "sample", dir: SAMPLE_DATA_DIR }, ...(options.dataSets ?? [])];
    this.db = new Database(join(options.dataDir, "backtests.db"), { create: true, strict: true });
    this.db.run("PRAGMA journal_mode = WAL");
    this.db.run(`CREATE TABLE IF NOT EXISTS runs (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      created_at INTEGER NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
      request TEXT NOT NULL,
      error TEXT,
      result TEXT
    )`);
    // A run cannot survive a restart of the process that ran it.
    this.db.run("UPDATE runs SET status = 'failed', error = 'interrupted by a restart of the server' WHERE status = 'running'");
  }

  /** The data sets a request may name. */
  sets(): { name: string; dir: string }[] {
    return this.dataSets.map((s) => ({ ...s }));
  }

  onChange(listener: (summary: RunSummary) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Validates and starts a run in the background; answers at once. */
  start(input: unknown): StartResult {
    const parsed = BacktestRequestSchema.safeParse(input);
    if (!parsed.success) return { ok: false, status: 400, error: "Backtest not started: the request is invalid", issues: describeIssues(parsed.error) };
    const request = parsed.data;
    const set = this.dataSets.find((s) => s.name === request.data_set);
    if (!set) {
      const message = `unknown data set ${JSON.stringify(request.data_set)}: choose one of ${this.dataSets.map((s) => s.name).join(", ")}`;
      return { ok: false, status: 400, error: `Backtest not started: ${message}`, issues: [{ path: "data_set", message }] };
    }
    const config = TraderConfigSchema.safeParse({ ...this.options.currentConfig(), ...request.config });
    if (!config.success) return { ok: false, status: 400, error: "Backtest not started: the config overrides are invalid", issues: describeIssues(config.error).map((i) => ({ ...i, path: `config.${i.path}` })) };
    if (this.running) return { ok: false, status: 409, error: `Backtest not started: run #${this.running.id} is still running (one at a time)`, issues: [] };
    let data;
    try {
      data = loadBacktestData(set.dir);
    } catch (error) {
      const message = error instanceof BacktestDataError ? error.message : `could not read ${set.dir}: ${(error as Error).message}`;
      return { ok: false, status: 400, error: `Backtest not started: ${message}`, issues: [{ path: "data_set", message }] };
    }
    const id = Number(this.db.query<{ id: number }, [number, string]>("INSERT INTO runs (created_at, status, request) VALUES (?, 'running', ?) RETURNING id").get(this.now(), JSON.stringify(request))!.id);
    const promise = runStudy({
      data,
      config: config.data,
      from: request.from ? Date.parse(`${request.from}T00:00:00Z`) : undefined,
      to: request.to ? Date.parse(`${request.to}T23:55:00Z`) : undefined,
      compare: request.compare,
      holdoutPct: request.holdout_pct,
      yieldEveryMs: this.options.yieldEveryMs ?? 15,
      scorer: this.options.scorer,
      onProgress: (label, done, total) => this.progress(id, label, done, total, request.compare),
    }).then(
      (result) => this.finish(id, result, null),
      (error: unknown) => this.finish(id, null, error instanceof Error ? error.message : String(error)),
    );
    this.running = { id, progress: 0, promise };
    this.emit(id);
    return { ok: true, id };
  }

  /** Resolves when the current run (if any) has finished; for tests and shutdown. */
  async settled(): Promise<void> {
    await this.running?.promise;
  }

  list(limit = 50): RunSummary[] {
    const rows = this.db.query<RunRow, [number]>("SELECT id, created_at, status, request, error, result FROM runs ORDER BY id DESC LIMIT ?").all(limit);
    return rows.map((row) => this.summary(row));
  }

  get(id: number): { summary: RunSummary; result: StudyResult | null } | null {
    const row = this.db.query<RunRow, [number]>("SELECT id, created_at, status, request, error, result FROM runs WHERE id = ?").get(id);
    if (!row) return null;
    return { summary: this.summary(row), result: row.result ? (JSON.parse(row.result) as StudyResult) : null };
  }

  /** A finished run's file: result.json, trades.csv or equity.csv. */
  file(id: number, name: string): { type: string; text: string; filename: string } | null {
    const run = this.get(id)?.result;
    if (!run) return null;
    if (name === "result.json") return { type: "application/json", text: resultJson(run), filename: `backtest-${id}-result.json` };
    if (name === "trades.csv") return { type: "text/csv", text: tradesCsv(run), filename: `backtest-${id}-trades.csv` };
    if (name === "equity.csv") return { type: "text/csv", text: equityCsv(run), filename: `backtest-${id}-equity.csv` };
    return null;
  }

  close(): void {
    this.db.close();
  }

  private progress(id: number, label: string, done: number, total: number, compare: boolean): void {
    if (!this.running || this.running.id !== id) return;
    const part = total > 0 ? done / total : 1;
    this.running.progress = compare ? (label.endsWith("on") ? 0.5 + part / 2 : part / 2) : part;
    this.emit(id);
  }

  private finish(id: number, result: StudyResult | null, error: string | null): void {
    try {
      this.db.run("UPDATE runs SET status = ?, error = ?, result = ? WHERE id = ?", [result ? "done" : "failed", error, result ? JSON.stringify(result) : null, id]);
    } catch (writeError) {
      log.error(`could not save backtest #${id}: ${(writeError as Error).message}`);
    }
    if (error) log.warn(`backtest #${id} failed: ${error}`);
    this.running = null;
    this.emit(id);
  }

  private emit(id: number): void {
    const found = this.get(id);
    if (!found) return;
    for (const listener of this.listeners) listener(found.summary);
  }

  private summary(row: RunRow): RunSummary {
    const result = row.result ? (JSON.parse(row.result) as StudyResult) : null;
    return {
      id: row.id,
      created_at: row.created_at,
      status: row.status,
      request: JSON.parse(row.request),
      error: row.error,
      progress: row.status === "running" ? (this.running?.id === row.id ? this.running.progress : 0) : 1,
      headline: (result?.runs ?? []).map((r) => ({ label: r.label, total_return_pct: r.metrics.total_return_pct, max_drawdown_pct: r.metrics.max_drawdown.pct, trades: r.metrics.trades })),
    };
  }
}

interface RunRow {
  id: number;
  created_at: number;
  status: RunStatus;
  request: string;
  error: string | null;
  result: string | null;
}

/** Data sets from --backtest-data: each folder named by its last path part. */
export function dataSetsFrom(dirs: readonly string[]): DataSet[] {
  return dirs.map((dir) => ({ name: basename(dir.replace(/\/+$/, "")), dir }));
}
