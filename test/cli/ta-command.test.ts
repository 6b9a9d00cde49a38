/**
 * The `ta` command, run as its own process (`bun src/cli/ta-command.ts`): output
 * against the pandas-ta reference, Binance kline rows, and one clear stderr line with
 * exit code 2 for each kind of bad input.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TA_SERIES } from "../../src/cli/ta-command.ts";
import type { Candle } from "../../src/market/candle.ts";
import { TaResultSchema } from "../../src/ta/result.ts";
import { CANDLES_PATH, compareSeries, FLAG_SERIES, loadCandles, loadReference, NUMERIC_SERIES, type ReferenceSeries } from "../ta/fixtures.ts";

const SCRIPT = new URL("../../src/cli/ta-command.ts", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "ta-command-"));
const candles: Candle[] = await loadCandles();
const ref: ReferenceSeries = await loadReference();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runTa(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn([process.execPath, SCRIPT, ...args], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

function writeInput(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe("ta command output", () => {
  test("the fixture: every series matches the pandas-ta reference, latest is a valid TA result", async () => {
    const { code, stdout, stderr } = await runTa(["--input", CANDLES_PATH]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout.trim().split("\n")).toHaveLength(1);
    const out = JSON.parse(stdout);
    expect(Object.keys(out).sort()).toEqual([...TA_SERIES, "latest"].sort());
    expect(out.t).toEqual(ref.t);
    for (const name of [...NUMERIC_SERIES, ...FLAG_SERIES]) expect(compareSeries(name, out[name], ref[name]!)).toEqual([]);
    const latest = TaResultSchema.parse(out.latest);
    expect(latest.symbol).toBe("ETH_BTC");
    expect(latest.timestamp).toBe(candles.at(-1)!.t);
    expect(latest.stoch_rsi_divergence.stoch_k).toBe(out.stochrsi_k.at(-1));
    expect(latest.ttm_squeeze.momentum).toBe(out.squeeze_momentum.at(-1));
  });

  test("Binance kline rows with string numbers give the same output as candle objects", async () => {
    const part = candles.slice(0, 300);
    const rows = part.map((c) => [c.t, String(c.o), String(c.h), String(c.l), String(c.c), String(c.v), c.t + 299_999, "0", 10, "0", "0", "0"]);
    const fromObjects = await runTa(["--input", writeInput("objects.json", JSON.stringify(part)), "--symbol", "ETHBTC"]);
    const fromRows = await runTa(["--input", writeInput("rows.json", JSON.stringify(rows)), "--symbol=ETHBTC"]);
    expect(fromRows.code).toBe(0);
    expect(fromObjects.code).toBe(0);
    expect(JSON.parse(fromRows.stdout)).toEqual(JSON.parse(fromObjects.stdout));
    expect(JSON.parse(fromRows.stdout).latest.symbol).toBe("ETHBTC");
  });

  test("symbol defaults to the file name's stem, or UNKNOWN", async () => {
    const one = JSON.stringify(candles.slice(0, 3));
    expect(JSON.parse((await runTa(["--input", writeInput("BTCUSDT-5m.json", one)])).stdout).latest.symbol).toBe("BTCUSDT");
    expect(JSON.parse((await runTa(["--input", writeInput("-.json", one)])).stdout).latest.symbol).toBe("UNKNOWN");
  });

  test("warm-up is null in every numeric series, false in the flags", async () => {
    const out = JSON.parse((await runTa(["--input", writeInput("short.json", JSON.stringify(candles.slice(0, 10)))])).stdout);
    for (const name of NUMERIC_SERIES) expect(out[name].slice(0, 7)).toEqual(Array(7).fill(null));
    expect(out.ema8[7]).not.toBeNull();
    expect(out.squeeze_on).toEqual(Array(10).fill(false));
    TaResultSchema.parse(out.latest);
  });
});

describe("ta command refuses bad input with one line and exit code 2", () => {
  const good = () => candles.slice(0, 30).map((c) => ({ ...c }));
  const cases: [string, () => string[], string][] = [
    ["no --input", () => [], "ta: missing --input FILE; usage: ta --input FILE [--symbol SYMBOL]"],
    ["an unknown flag", () => ["--inptu", "x"], 'ta: unknown argument "--inptu"'],
    ["--input without a value", () => ["--input"], "ta: --input needs a value"],
    ["a missing file", () => ["--input", join(dir, "nope.json")], `ta: input file ${join(dir, "nope.json")} not found`],
    ["not JSON", () => ["--input", writeInput("bad.json", "[{")], "is not valid JSON"],
    ["not an array", () => ["--input", writeInput("obj.json", '{"t":1}')], "expected a JSON array of candles, got object"],
    ["an empty array", () => ["--input", writeInput("empty.json", "[]")], "no candles (empty array)"],
    [
      "a missing field",
      () => {
        const cs: Record<string, unknown>[] = good();
        delete cs[4]!.c;
        return ["--input", writeInput("missing.json", JSON.stringify(cs))];
      },
      "candle 4: field c is missing",
    ],
    [
      "a non-finite field",
      () => ["--input", writeInput("nonfinite.json", JSON.stringify(good()).replace(`"v":${candles[2]!.v}`, '"v":"abc"'))],
      'candle 2: field v is not a finite number ("abc")',
    ],
    [
      "an empty string in a kline row",
      () => ["--input", writeInput("kline.json", JSON.stringify([[1, "1", "2", "", "1.5", "3", 2]]))],
      'candle 0: field l (position 3) is not a finite number ("")',
    ],
    [
      "high below low",
      () => {
        const cs = good();
        cs[17] = { ...cs[17]!, h: 1.2, l: 1.5 };
        return ["--input", writeInput("hl.json", JSON.stringify(cs))];
      },
      "candle 17: high 1.2 < low 1.5",
    ],
    [
      "timestamps not strictly increasing",
      () => {
        const cs = good();
        cs[9] = { ...cs[9]!, t: cs[8]!.t };
        return ["--input", writeInput("time.json", JSON.stringify(cs))];
      },
      `candle 9: open time ${candles[8]!.t} is not after candle 8's ${candles[8]!.t}`,
    ],
    [
      "a close outside the bar's range",
      () => {
        const cs = good();
        cs[3] = { ...cs[3]!, c: cs[3]!.h * 2 };
        return ["--input", writeInput("range.json", JSON.stringify(cs))];
      },
      `candle 3: close ${candles[3]!.h * 2} outside low–high ${candles[3]!.l}–${candles[3]!.h}`,
    ],
    [
      "a zero price",
      () => {
        const cs = good();
        cs[5] = { ...cs[5]!, l: 0 };
        return ["--input", writeInput("zero.json", JSON.stringify(cs))];
      },
      "candle 5: low 0 is not a positive price",
    ],
    ["a candle that is neither object nor array", () => ["--input", writeInput("num.json", "[1]")], "candle 0: expected an object {t,o,h,l,c,v} or a kline array, got number"],
  ];
  for (const [name, args, message] of cases) {
    test(name, async () => {
      const { code, stdout, stderr } = await runTa(args());
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr.endsWith("\n")).toBe(true);
      expect(stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(stderr).toContain(message);
    });
  }
});
