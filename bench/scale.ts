/**
 * `scale.symbols`: how the server's cost grows with the number of coins it
 * watches. For 29 (the default list), 100 and 300 symbols (the default list
 * plus made-up USDT pairs, which the simulated market generates like any
 * other), one server each, started as an owner starts it with `--symbols`:
 *
 * - `start_s`: until /health answers (history generated and loaded, TA warm);
 * - `rss_mb`: VmRSS after `cycles` trading cycles (and right after start);
 * - `cycle_p50_ms` / `cycle_p99_ms`: POST /api/trader/control run-cycle round
 *   trips in dry-run with thresholds 0 (every coin scanned, scored and logged;
 *   positions opened and closed: bench/rss.ts's busy config, about 20 paper
 *   fills per cycle, each an fsynced paper-account write and a trade record);
 * - `scan_only_cycle_p50_ms` / `…_p99_ms`: the same with thresholds 130
 *   (nothing signals): the part of a cycle that grows with the coins;
 * - `default_cycle_p50_ms` / `…_p99_ms`: on a second server, the shipped
 *   trader_config.json in dry-run (thresholds 45/50, at most 3 positions, no
 *   TP/SL): a cycle as it trades out of the box, the first one opening up to 3;
 * - `ta_updates_s`: candle updates (5m, 1h, 4h per coin per tick) applied per
 *   second of wall time on the 1 s sim market, and `ta_updates_per_cpu_s`:
 *   the same per second of the server's CPU time (/proc/PID/stat) over the
 *   window — the rate one core could sustain, with everything a tick costs
 *   (TA, scores, snapshots, bus caches, rendering, pushes) included;
 * - `scanner_kb_h` / `scanner_wire_kb_h`: what one open scanner tab (the
 *   first page) receives per hour, as messages and on the wire (see
 *   push-bytes.ts), and `scanner_page_kb`: the size of GET /.
 *
 * Baseline: the hello server's RSS (a bare Bun.serve) in the same run.
 */
import { readFileSync } from "node:fs";
import { DEFAULT_SYMBOLS } from "../src/market/symbols.ts";
import { openTab, runCycle } from "./push-bytes.ts";
import { BUSY_DRY_RUN_CONFIG } from "./rss.ts";
import { startHelloServer, startProductServer, type ChildServer } from "./servers.ts";
import { percentile, round } from "./stats.ts";

export const SCALE_POINTS = [29, 100, 300] as const;
const TIMEFRAMES_PER_COIN = 3;

export interface ScaleOptions {
  points?: readonly number[];
  cycles?: number;
  /** Seconds of ticking market measured per point. */
  seconds?: number;
}

/** The default coins, then made-up pairs (Z001USDT, …) up to `count`. */
export function scaleSymbols(count: number): string[] {
  const symbols = DEFAULT_SYMBOLS.slice(0, count);
  for (let i = 1; symbols.length < count; i++) symbols.push(`Z${String(i).padStart(3, "0")}USDT`);
  return symbols;
}

export async function benchScale(options: ScaleOptions = {}): Promise<object[]> {
  const hello = await startHelloServer();
  let baselineMb: number;
  try {
    await Bun.sleep(500);
    baselineMb = hello.rssMb();
  } finally {
    await hello.stop();
  }
  const rows: object[] = [];
  for (const count of options.points ?? SCALE_POINTS) {
    const row = await measurePoint(count, options.cycles ?? 20, options.seconds ?? 10, baselineMb);
    // After that server has stopped, so the two do not share the cores.
    const shipped = await shippedDefaultCycles(count, options.cycles ?? 20);
    rows.push({ ...row, default_cycle_p50_ms: round(percentile(shipped, 50)), default_cycle_p99_ms: round(percentile(shipped, 99)) });
  }
  return rows;
}

async function measurePoint(count: number, cycles: number, seconds: number, baselineMb: number): Promise<object> {
  const t0 = performance.now();
  const server: ChildServer = await startProductServer({ config: BUSY_DRY_RUN_CONFIG, symbols: scaleSymbols(count) });
  const startS = (performance.now() - t0) / 1000;
  try {
    const afterStartMb = server.rssMb();
    const page = await (await fetch(`${server.url}/`)).text();
    const cards = (page.match(/data-symbol="/g) ?? []).length;

    const tab = await openTab(server, "/");
    let tick: { wall: number; cpu: number; kb_h: number; wire_kb_h: number };
    try {
      await Bun.sleep(1500);
      tab.mark();
      const w0 = performance.now();
      const c0 = server.cpuSeconds();
      await Bun.sleep(seconds * 1000);
      const wall = (performance.now() - w0) / 1000;
      const cpu = server.cpuSeconds() - c0;
      const got = tab.since();
      tick = { wall, cpu, kb_h: (got.bytes / wall) * 3600 / 1024, wire_kb_h: (got.wire / wall) * 3600 / 1024 };
    } finally {
      tab.close();
    }

    const durations: number[] = [];
    for (let i = 0; i < cycles; i++) {
      const c = performance.now();
      await runCycle(server);
      durations.push(performance.now() - c);
    }
    // The same cycles with nothing to trade (thresholds out of reach): what scanning and
    // scoring every coin costs, apart from the fills and records the busy cycles make.
    await setConfig(server, { long_threshold: 130, short_threshold: 130 });
    const scanOnly: number[] = [];
    for (let i = 0; i < cycles; i++) {
      const c = performance.now();
      await runCycle(server);
      scanOnly.push(performance.now() - c);
    }
    await Bun.sleep(500);
    const rssMb = server.rssMb();
    const updates = count * TIMEFRAMES_PER_COIN * tick.wall; // one tick per second, each updating every timeframe of every coin
    return {
      name: "scale.symbols",
      symbols: count,
      start_s: round(startS, 1),
      rss_mb: round(rssMb, 1),
      rss_after_start_mb: round(afterStartMb, 1),
      baseline_rss_mb: round(baselineMb, 1),
      rss_above_baseline_per_symbol_kb: round(((rssMb - baselineMb) * 1024) / count, 0),
      cycles,
      cycle_p50_ms: round(percentile(durations, 50)),
      cycle_p99_ms: round(percentile(durations, 99)),
      scan_only_cycle_p50_ms: round(percentile(scanOnly, 50)),
      scan_only_cycle_p99_ms: round(percentile(scanOnly, 99)),
      ta_updates_s: Math.round(updates / tick.wall),
      server_cpu_pct: round((100 * tick.cpu) / tick.wall, 1),
      ta_updates_per_cpu_s: tick.cpu > 0 ? Math.round(updates / tick.cpu) : null,
      scanner_kb_h: round(tick.kb_h, 1),
      scanner_wire_kb_h: round(tick.wire_kb_h, 1),
      scanner_page_kb: round(Buffer.byteLength(page) / 1024, 1),
      scanner_page_cards: cards,
      goal: count === 300 ? { rss_mb: 300, cycle_p99_ms: 100 } : undefined,
      meets_goal: count === 300 ? rssMb <= 300 && percentile(durations, 99) <= 100 : undefined,
    };
  } finally {
    await server.stop();
  }
}

/** Cycle round trips on a fresh server with the shipped config in dry-run (see the module comment). */
async function shippedDefaultCycles(count: number, cycles: number): Promise<number[]> {
  const shipped = JSON.parse(readFileSync(new URL("../trader_config.json", import.meta.url), "utf8")) as Record<string, unknown>;
  const server = await startProductServer({ config: { ...shipped, mode: "dry-run" }, symbols: scaleSymbols(count) });
  try {
    const durations: number[] = [];
    for (let i = 0; i < cycles; i++) {
      const c = performance.now();
      await runCycle(server);
      durations.push(performance.now() - c);
    }
    return durations;
  } finally {
    await server.stop();
  }
}

async function setConfig(server: ChildServer, patch: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${server.url}/api/trader/config`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(patch),
  });
  if (response.status !== 200) throw new Error(`POST /api/trader/config answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
}
