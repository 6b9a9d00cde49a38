/**
 * Backtests started from the dashboard: requests validated with field names,
 * one run at a time, progress heard, the result kept in SQLite across a
 * restart of the service, and a run interrupted by a restart marked so.
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BacktestRuns, type RunSummary } from "../../src/app/backtest-runs.ts";
import { DEFAULT_TRADER_CONFIG } from "../../src/config/schema.ts";
import { setQuiet } from "../../src/log.ts";

setQuiet(true);
const FIXTURES = join(import.meta.dir, "../fixtures/backtest");
const open: BacktestRuns[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const runs of open.splice(0)) runs.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function service(dataDir = mkdtempSync(join(tmpdir(), "bt-runs-"))): BacktestRuns {
  dirs.push(dataDir);
  const runs = new BacktestRuns({ dataDir, dataSets: [{ name: "fixtures", dir: FIXTURES }], currentConfig: () => ({ ...DEFAULT_TRADER_CONFIG, sl_pct: 8, tp_pct: 12 }) });
  open.push(runs);
  return runs;
}

test("a run is validated, heard while it runs, kept with its result and files, and readable after a restart", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "bt-runs-"));
  const runs = service(dataDir);
  const heard: RunSummary[] = [];
  runs.onChange((summary) => heard.push(summary));
  expect(runs.start({ data_set: "nope" })).toMatchObject({ ok: false, status: 400, issues: [{ path: "data_set" }] });
  expect(runs.start({ data_set: "fixtures", holdout_pct: 95 })).toMatchObject({ ok: false, status: 400, issues: [{ path: "holdout_pct" }] });
  expect(runs.start({ data_set: "fixtures", config: { max_leverage: 500 } })).toMatchObject({ ok: false, issues: [{ path: "config.max_leverage" }] });
  const started = runs.start({ data_set: "fixtures", compare: true, config: { long_threshold: 40, short_threshold: 40 } });
  if (!started.ok) throw new Error(started.error);
  expect(runs.start({ data_set: "fixtures" })).toMatchObject({ ok: false, status: 409 });
  await runs.settled();
  const done = runs.get(started.id)!;
  expect(done.summary.status).toBe("done");
  expect(done.result?.runs.map((r) => r.label)).toEqual(["TA bonus off", "TA bonus on"]);
  expect(done.result?.config.sl_pct).toBe(8); // the trader's config with the request's overrides
  expect(done.result?.config.long_threshold).toBe(40);
  expect(heard.at(-1)).toMatchObject({ id: started.id, status: "done", progress: 1 });
  expect(heard.some((s) => s.status === "running" && s.progress > 0 && s.progress < 1)).toBe(true);
  expect(runs.file(started.id, "trades.csv")?.text.split("\n")[0]).toContain("run,symbol,side");
  expect(runs.file(started.id, "secrets.txt")).toBeNull();
  runs.close();
  open.splice(open.indexOf(runs), 1);

  const again = service(dataDir);
  expect(again.list().map((s) => [s.id, s.status])).toEqual([[started.id, "done"]]);
  expect(again.get(started.id)?.result?.runs[0]?.metrics.trades).toBe(done.result?.runs[0]?.metrics.trades);
}, 60_000);
