/**
 * `rss.steady`: memory of the server process once it carries its working
 * load: 29 coins × 3 timeframes of simulated history loaded (the server only
 * answers /health after that), then 100 trading cycles in dry-run mode, run
 * one after another through POST /api/trader/control {"action":"run-cycle"}.
 * Thresholds are 0 and TP/SL tight, so every cycle scans every coin, logs its
 * signals, opens paper positions and closes them: real SQLite and paper-exchange
 * work, not 100 early exits. RSS is read from /proc/PID/status (VmRSS).
 *
 * Baseline: the RSS of bench/hello-server.ts, what an idle Bun.serve costs.
 */
import { startHelloServer, startProductServer, type ChildServer } from "./servers.ts";
import { percentile, round } from "./stats.ts";

const CYCLES = 100;
const GOAL_MB = 150;

/** Dry-run, every coin signals, positions close at ±0.2 % of margin: cycles do work. */
export const BUSY_DRY_RUN_CONFIG = {
  mode: "dry-run",
  long_threshold: 0,
  short_threshold: 0,
  max_positions: 10,
  tp_pct: 0.2,
  sl_pct: 0.2,
  scan_interval_minutes: 1,
};

interface CycleAnswer {
  ok?: boolean;
  message?: string;
  data?: { skipped?: string | null; scanned?: number; signals?: number; actions?: string[]; errors?: string[] };
}

export async function benchRss(cycles = CYCLES): Promise<object[]> {
  const servers: ChildServer[] = [];
  try {
    const hello = await startHelloServer();
    servers.push(hello);
    await Bun.sleep(500);
    const baselineMb = hello.rssMb();

    const product = await startProductServer({ config: BUSY_DRY_RUN_CONFIG });
    servers.push(product);
    const afterStartMb = product.rssMb();
    let peakMb = afterStartMb;
    const durations: number[] = [];
    let scanned = 0, signals = 0, opened = 0, closed = 0, errors = 0;
    for (let i = 0; i < cycles; i++) {
      const t0 = performance.now();
      const response = await fetch(`${product.url}/api/trader/control`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ action: "run-cycle" }),
      });
      const text = await response.text();
      durations.push(performance.now() - t0);
      if (response.status !== 200) throw new Error(`run-cycle ${i + 1} answered ${response.status}: ${text.slice(0, 300)}`);
      const answer = JSON.parse(text) as CycleAnswer;
      const summary = answer.data;
      if (!summary) throw new Error(`run-cycle ${i + 1} returned no cycle summary: ${text.slice(0, 300)}`);
      if (summary.skipped) throw new Error(`run-cycle ${i + 1} was skipped (${summary.skipped}): the benchmark needs cycles that do work`);
      scanned += summary.scanned ?? 0;
      signals += summary.signals ?? 0;
      opened += (summary.actions ?? []).filter((a) => a.startsWith("opened")).length;
      closed += (summary.actions ?? []).filter((a) => a.startsWith("closed")).length;
      errors += (summary.errors ?? []).length;
      if (i % 10 === 9) peakMb = Math.max(peakMb, product.rssMb());
    }
    await Bun.sleep(1000); // let the cycles' pushes and writes settle
    const steadyMb = product.rssMb();
    peakMb = Math.max(peakMb, steadyMb);
    if (signals === 0) throw new Error(`${cycles} cycles found no signal at all: thresholds 0 should make every coin signal`);
    return [{
      name: "rss.steady",
      rss_mb: round(steadyMb, 1),
      rss_after_start_mb: round(afterStartMb, 1),
      rss_peak_mb: round(peakMb, 1),
      baseline_rss_mb: round(baselineMb, 1),
      ratio: round(steadyMb / baselineMb),
      goal_mb: GOAL_MB,
      meets_goal: steadyMb <= GOAL_MB,
      symbols: 29,
      timeframes: 3,
      cycles,
      coins_scanned: scanned,
      signals,
      positions_opened: opened,
      positions_closed: closed,
      cycle_errors: errors,
      cycle_p50_ms: round(percentile(durations, 50)),
      cycle_p99_ms: round(percentile(durations, 99)),
    }];
  } finally {
    for (const server of servers) await server.stop();
  }
}
