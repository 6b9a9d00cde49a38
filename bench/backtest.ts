/**
 * `backtest.run`: the whole backtest of the 2022Q1 set (22 coins, 5m, about
 * 100 days; ../shared/data/backtest/binance-spot-2022q1-usdt, read in place —
 * benchmarks may read ../shared, tests may not) with the default config plus a
 * stop-loss and take-profit, a cycle every 5 simulated minutes. Run in a child
 * process so its peak RSS is its own. Reported: candles per second of the
 * simulation (all 5m candles of the set ÷ run seconds), the wall seconds of
 * loading and of running, and the peak RSS.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

export const BACKTEST_SET = join(import.meta.dir, "../../shared/data/backtest/binance-spot-2022q1-usdt");

export async function benchBacktest(dir = BACKTEST_SET): Promise<object[]> {
  if (!existsSync(dir)) throw new Error(`the 2022Q1 data set is not at ${dir} (it lives in ../shared, beside the repository)`);
  const child = Bun.spawn([process.execPath, join(import.meta.dir, "backtest-child.ts"), dir], { stdout: "pipe", stderr: "pipe", env: { ...process.env, LOG_LEVEL: "silent" } });
  const timer = setTimeout(() => child.kill("SIGKILL"), 10 * 60_000);
  const [out, err, code] = [await new Response(child.stdout).text(), await new Response(child.stderr).text(), await child.exited];
  clearTimeout(timer);
  if (code !== 0) throw new Error(`backtest child exited ${code}: ${err.trim().split("\n").at(-1) ?? ""}`);
  const result = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as { load_s: number; run_s: number; candles: number; cycles: number; trades: number; peak_rss_mb: number };
  return [
    {
      name: "backtest.run",
      candles: result.candles,
      candles_per_s: Math.round(result.candles / result.run_s),
      run_s: Number(result.run_s.toFixed(2)),
      load_s: Number(result.load_s.toFixed(2)),
      cycles: result.cycles,
      trades: result.trades,
      peak_rss_mb: result.peak_rss_mb === null ? null : Math.round(result.peak_rss_mb),
      goal: "whole set ≤ 2 s (≥ 300k candles/s), peak RSS ≤ 300 MB",
    },
  ];
}
