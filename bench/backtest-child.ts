/**
 * One backtest in its own process, for `npm run bench -- --only backtest`:
 * loads a data folder, runs the product's default config over it, and prints
 * one JSON line with the timings and its own peak RSS (VmHWM).
 * Usage: bun bench/backtest-child.ts <data dir>
 */
import { readFileSync } from "node:fs";
import { loadBacktestData } from "../src/backtest/data.ts";
import { runBacktest } from "../src/backtest/engine.ts";
import { DEFAULT_TRADER_CONFIG } from "../src/config/schema.ts";
import { setQuiet } from "../src/log.ts";

setQuiet(true);
const dir = process.argv[2];
if (!dir) throw new Error("usage: bun bench/backtest-child.ts <data dir>");
const t0 = performance.now();
const data = loadBacktestData(dir);
const t1 = performance.now();
const run = await runBacktest({ data, config: { ...DEFAULT_TRADER_CONFIG, sl_pct: 8, tp_pct: 12 } });
const t2 = performance.now();
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
const candles = data.series.reduce((sum, s) => sum + s.five.length, 0);
console.log(JSON.stringify({ load_s: (t1 - t0) / 1000, run_s: (t2 - t1) / 1000, candles, traded_candles: run.candles, cycles: run.cycles, trades: run.trades.length, peak_rss_mb: hwm ? Number(hwm) / 1024 : null }));
