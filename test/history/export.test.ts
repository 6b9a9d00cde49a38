/**
 * `history export` writes SYMBOL-5m.json / SYMBOL-1h.json byte for byte in the
 * shared format (../shared/data/backtest/*\/PROVENANCE.md: one object per line,
 * numbers in Python's shortest round-trip form), and what it writes reads back
 * through the backtester's loader as exactly what was stored.
 */
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBacktestData } from "../../src/backtest/data.ts";
import { runHistoryCommand } from "../../src/cli/history-command.ts";
import { formatCandleFile, pythonFloat } from "../../src/history/export.ts";
import { HistoryDb } from "../../src/history/history-db.ts";
import type { Candle } from "../../src/market/candle.ts";
import { readCandleFile } from "../../src/market/replay-source.ts";
import { setQuiet } from "../../src/log.ts";

beforeAll(() => setQuiet(true));

const FIXTURES = join(import.meta.dir, "fixtures");
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "history-export-"));
  dirs.push(dir);
  return dir;
}

async function history(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runHistoryCommand(args, { env: {}, out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

/** A data dir whose history.db holds the three fixture files. */
function filledDataDir(): { dataDir: string; fixtures: Record<string, Candle[]> } {
  const dataDir = tempDir();
  const db = HistoryDb.open(dataDir);
  const fixtures: Record<string, Candle[]> = {};
  for (const [name, tf] of [["SHIBUSDT-5m", "5m"], ["BTCUSDT-1h", "1h"], ["YFIUSDT-5m", "5m"]] as const) {
    const candles = readCandleFile(join(FIXTURES, `${name}.json`), tf);
    fixtures[name] = candles;
    db.put(candles.map((candle) => ({ symbol: name.split("-")[0]!, timeframe: tf, candle })));
  }
  db.close();
  return { dataDir, fixtures };
}

describe("the shared file format", () => {
  test("numbers are written as Python writes floats (shortest round-trip, .0 on whole numbers, e-05 below 1e-4)", () => {
    const cases: [number, string][] = [
      [43150, "43150.0"],
      [0, "0.0"],
      [42761.9, "42761.9"],
      [3.037e-5, "3.037e-05"],
      [3e-5, "3e-05"],
      [0.0001, "0.0001"],
      [0.00012, "0.00012"],
      [37211239624, "37211239624.0"],
      [1e16, "1e+16"],
      [1.5e17, "1.5e+17"],
      [123456789012345.6, "123456789012345.6"],
      [0.1 + 0.2, "0.30000000000000004"],
    ];
    for (const [value, text] of cases) expect({ value, text: pythonFloat(value) }).toEqual({ value, text });
  });

  test("a file is `[`, one object per line with a comma, the last without, `]` and a newline", () => {
    expect(formatCandleFile([{ t: 0, o: 1, h: 2, l: 0.5, c: 1.5, v: 0 }, { t: 300_000, o: 1.5, h: 1.5, l: 1.5, c: 1.5, v: 3.2e-7 }])).toBe(
      '[\n{"t":0,"o":1.0,"h":2.0,"l":0.5,"c":1.5,"v":0.0},\n{"t":300000,"o":1.5,"h":1.5,"l":1.5,"c":1.5,"v":3.2e-07}\n]\n',
    );
  });
});

describe("history export", () => {
  test("writes each stored series byte for byte as the shared files it came from, and the backtester reads it back as stored", async () => {
    const { dataDir, fixtures } = filledDataDir();
    const out = join(tempDir(), "export");
    const result = await history(["export", "--out", out, "--data-dir", dataDir]);
    expect(result.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["BTCUSDT-1h.json", "SHIBUSDT-5m.json", "YFIUSDT-5m.json"]);
    for (const name of Object.keys(fixtures)) {
      expect({ name, text: readFileSync(join(out, `${name}.json`), "utf8") }).toEqual({ name, text: readFileSync(join(FIXTURES, `${name}.json`), "utf8") });
    }
    expect(result.out).toContain("SHIBUSDT-5m.json: 12 candle(s)");
    // The backtester's loader reads the exported folder as exactly what was stored.
    const data = loadBacktestData(out, { symbols: ["SHIBUSDT", "YFIUSDT"] });
    expect(data.series.map((s) => s.five)).toEqual([fixtures["SHIBUSDT-5m"]!, fixtures["YFIUSDT-5m"]!]);
    expect(data.gaps).toEqual([]);
  });

  test("--symbols, --timeframes, --from and --to choose what is written", async () => {
    const { dataDir, fixtures } = filledDataDir();
    const out = join(tempDir(), "export");
    const shib = fixtures["SHIBUSDT-5m"]!;
    const from = new Date(shib[2]!.t).toISOString().slice(0, 16) + "Z";
    const to = new Date(shib[5]!.t).toISOString().slice(0, 16) + "Z";
    const result = await history(["export", "--out", out, "--data-dir", dataDir, "--symbols", "SHIBUSDT,BTCUSDT", "--timeframes", "5m", "--from", from, "--to", to]);
    expect(result.code).toBe(0);
    expect(readdirSync(out)).toEqual(["SHIBUSDT-5m.json"]);
    // --from is inclusive, --to exclusive: candles opening at or after it are left out.
    expect(readCandleFile(join(out, "SHIBUSDT-5m.json"), "5m")).toEqual(shib.slice(2, 5));
  });

  test("an empty history, a missing --out or a symbol without data exits 2 with one line, writing nothing", async () => {
    const empty = tempDir();
    const out = join(tempDir(), "export");
    const none = await history(["export", "--out", out, "--data-dir", empty]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^error: no recorded candles in .*history\.db: fill it with `bun src\/main\.ts history fetch --days 30`/);
    expect(none.err.trim().split("\n")).toHaveLength(1);
    expect((await history(["export", "--data-dir", empty])).err).toMatch(/^error: export needs --out DIR/);
    const { dataDir } = filledDataDir();
    const missing = await history(["export", "--out", out, "--data-dir", dataDir, "--symbols", "DOGEUSDT"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no recorded candles for DOGEUSDT .*\(symbols with data: BTCUSDT, SHIBUSDT, YFIUSDT\)/);
    expect(existsSync(out)).toBe(false);
  });
});
