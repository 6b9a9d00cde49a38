/**
 * Bad input to the backtester says what and where and writes nothing; the
 * command runs on the shipped sample with no arguments and writes its files.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBacktestData } from "../../src/backtest/data.ts";

const ROOT = join(import.meta.dir, "../..");
const candle = (t: number, c = 100) => ({ t, o: c, h: c + 1, l: c - 1, c, v: 1 });

function folder(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "bt-data-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === "string" ? content : JSON.stringify(content));
  return dir;
}

describe("backtest data", () => {
  test("gaps are reported, not filled; a 1h file is optional; symbols are found by their 5m file", () => {
    const dir = folder({ "BTCUSDT-5m.json": [candle(0), candle(300_000), candle(1_500_000)], "ETHUSDT-5m.json": [candle(0)] });
    const data = loadBacktestData(dir);
    expect(data.symbols).toEqual(["BTCUSDT", "ETHUSDT"]);
    expect(data.gaps).toEqual([{ symbol: "BTCUSDT", timeframe: "5m", from: 600_000, missing: 3 }]);
    expect(data.series[0]!.five).toHaveLength(3);
    expect(data.series[0]!.hour).toBeNull();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a malformed file, a symbol without data and a bad funding row are refused with file and line", () => {
    const bad = folder({ "BTCUSDT-5m.json": `[\n${JSON.stringify(candle(0))},\n{"t":300000,"o":1,"h":0.5,"l":1,"c":1,"v":1}\n]`, "BTCUSDT-8h-funding.json": [{ t: 0, rate: "x" }] });
    expect(() => loadBacktestData(bad)).toThrow(/BTCUSDT-5m\.json\[1\] \(line 3\): high 0.5 < low 1/);
    expect(() => loadBacktestData(bad, { symbols: ["SOLUSDT"] })).toThrow(/no data for SOLUSDT: expected .*SOLUSDT-5m\.json \(symbols with data: BTCUSDT\)/);
    writeFileSync(join(bad, "BTCUSDT-5m.json"), JSON.stringify([candle(0)]));
    expect(() => loadBacktestData(bad)).toThrow(/BTCUSDT-8h-funding\.json\[0\] \(line 2\): expected \{"t": ms, "rate": number\}/);
    rmSync(bad, { recursive: true, force: true });
  });
});

function backtest(args: string[], cwd: string) {
  const run = Bun.spawnSync([process.execPath, join(ROOT, "src/main.ts"), "backtest", ...args], { cwd, stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent" } });
  return { code: run.exitCode, stdout: run.stdout.toString(), stderr: run.stderr.toString() };
}

describe("bun src/main.ts backtest", () => {
  test("with no arguments it runs on the shipped sample, prints the report and writes result.json, trades.csv and equity.csv", () => {
    const cwd = mkdtempSync(join(tmpdir(), "bt-cli-"));
    const run = backtest([], cwd);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Backtest of 4 coin(s)");
    expect(run.stdout).toContain("Assumptions");
    expect(run.stderr).toContain("100%");
    const result = JSON.parse(readFileSync(join(cwd, "backtest-out/result.json"), "utf8"));
    expect(result.runs[0].metrics.trades).toBeGreaterThan(0);
    expect(readFileSync(join(cwd, "backtest-out/trades.csv"), "utf8").split("\n")[0]).toBe("run,symbol,side,entry_time,entry_price,exit_time,exit_price,size,leverage,fees,funding,pnl,exit_reason,ta_changed_decision");
    expect(readFileSync(join(cwd, "backtest-out/equity.csv"), "utf8").split("\n").length).toBeGreaterThan(24 * 20);
    rmSync(cwd, { recursive: true, force: true });
  }, 60_000);

  test("bad input exits 2 with one line saying what, and writes nothing", () => {
    const cwd = mkdtempSync(join(tmpdir(), "bt-cli-"));
    writeFileSync(join(cwd, "bad-config.json"), JSON.stringify({ max_leverage: 500 }));
    const cases: [string[], RegExp][] = [
      [["--holdout", "95"], /--holdout must be a percentage from 1 to 90/],
      [["--from", "yesterday"], /--from must be a UTC date such as 2022-02-01/],
      [["--compare", "rsi"], /--compare takes "ta"/],
      [["--config", "bad-config.json"], /bad-config\.json is not a valid trader config: max_leverage/],
      [["--data", "nowhere"], /folder nowhere does not exist/],
      [["--symbols", "DOGEUSDT"], /no data for DOGEUSDT/],
      [["--from", "2030-01-01"], /no data to trade between 2030-01-01/],
      [["--bogus"], /unknown argument "--bogus"/],
    ];
    for (const [args, message] of cases) {
      const run = backtest([...args, "--out", "out"], cwd);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr.trim().split("\n").at(-1)).toMatch(message);
      expect(existsSync(join(cwd, "out"))).toBe(false);
    }
    rmSync(cwd, { recursive: true, force: true });
  }, 60_000);
});
