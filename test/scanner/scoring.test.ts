/**
 * Bring your own scoring: the interface's contract (run against the built-in
 * score and the example owner module alike), loading a module, and the rules
 * that keep a bad module from stopping anything.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { MarketPipeline } from "../../src/app/market-pipeline.ts";
import { DEFAULT_TRADER_CONFIG } from "../../src/config/schema.ts";
import { setQuiet } from "../../src/log.ts";
import { CandleStore } from "../../src/market/candle-store.ts";
import { MarketFeed } from "../../src/market/market-feed.ts";
import { SimSource } from "../../src/market/sim-source.ts";
import { BUILT_IN_SCORER } from "../../src/scanner/builtin-scorer.ts";
import { scoreContained } from "../../src/scanner/contained-scoring.ts";
import { loadScorerModule } from "../../src/scanner/scorer-module.ts";
import { scoringInput, type Scorer, type ScoringInput } from "../../src/scanner/scoring.ts";
import { captureLogs } from "../helpers/capture-logs.ts";
import { waitFor } from "../helpers/wait.ts";

setQuiet(true);
const FIXTURES = join(import.meta.dir, "../fixtures/scoring");
const EXAMPLE = join(import.meta.dir, "../../examples/scoring/indicators-adapter.ts");

/** Closed candles of a frozen simulated market, as live would hand them. */
async function sampleInput(symbol = "BTCUSDT"): Promise<ScoringInput> {
  const source = new SimSource({ symbols: [symbol], seed: 3, tickMs: 3_600_000 });
  const store = new CandleStore();
  const feed = new MarketFeed(source, store);
  await feed.start();
  feed.stop();
  const input = scoringInput(symbol, { "5m": store.candles(symbol, "5m"), "1h": store.candles(symbol, "1h"), "4h": store.candles(symbol, "4h") });
  if (!input) throw new Error("no candles");
  return input;
}

describe("the scoring interface's contract", () => {
  const scorers: [string, () => Promise<Scorer>][] = [
    ["the built-in base score", async () => BUILT_IN_SCORER],
    ["the example adapter of an owner's lib/indicators.ts", () => loadScorerModule(EXAMPLE)],
  ];
  for (const [name, make] of scorers) {
    test(`${name}: finite scores 0–100 with named components, the same for the same input`, async () => {
      const scorer = await make();
      const input = await sampleInput();
      const a = await scoreContained(scorer, input, 5000);
      const b = await scoreContained(scorer, input, 5000);
      if (!a.ok) throw new Error(a.problem);
      expect(a.score.long).toBeGreaterThanOrEqual(0);
      expect(a.score.long).toBeLessThanOrEqual(100);
      expect(a.score.short).toBeGreaterThanOrEqual(0);
      expect(a.score.short).toBeLessThanOrEqual(100);
      expect(a.score.components.length).toBeGreaterThan(0);
      expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    });
  }

  test("the input holds closed candles only, oldest first, with 24 h figures from the last 288 5m candles", async () => {
    const input = await sampleInput();
    const five = input.candles["5m"];
    expect(five.length).toBeGreaterThan(288);
    expect(five.every((c, i) => i === 0 || c.t > five[i - 1]!.t)).toBe(true);
    expect(input.price).toBe(five.at(-1)!.c);
    const day = five.slice(-288);
    expect(input.ticker24h).toMatchObject({ open: day[0]!.o, last: day.at(-1)!.c, high: Math.max(...day.map((c) => c.h)), low: Math.min(...day.map((c) => c.l)) });
  });
});

describe("loading a module", () => {
  test("one that exports score(input) is labelled as the owner's", async () => {
    expect((await loadScorerModule(join(FIXTURES, "fixed.ts"))).label).toBe(`${join(FIXTURES, "fixed.ts")} (owner)`);
  });

  test("a missing file, a module without score, and a module that does not load are refused with one line", async () => {
    await expect(loadScorerModule(join(FIXTURES, "nowhere.ts"))).rejects.toThrow(/scoring module .*nowhere\.ts: no such file/);
    await expect(loadScorerModule(join(FIXTURES, "no-export.ts"))).rejects.toThrow(/must export a function score\(input\); it exports scores/);
    await expect(loadScorerModule(join(FIXTURES, "fixed.txt"))).rejects.toThrow(/expected a \.ts or \.js file/);
  });
});

describe("a module that misbehaves gives that coin no score, and nothing stops", () => {
  const cases: [string, string, RegExp][] = [
    ["throws-on-eth.ts", "ETHUSDT", /threw: division by zero in my RSI/],
    ["nan.ts", "BTCUSDT", /returned long = NaN, not a finite number/],
    ["slow.ts", "SOLUSDT", /took longer than 200 ms/],
  ];
  for (const [file, symbol, problem] of cases) {
    test(`${file}: ${symbol} gets no score with the reason`, async () => {
      const scorer = await loadScorerModule(join(FIXTURES, file));
      const result = await scoreContained(scorer, await sampleInput(symbol), 200);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.problem).toMatch(problem);
    });
  }

  test("out of range and malformed components are refused too", async () => {
    const input = await sampleInput();
    const outOfRange: Scorer = { label: "x", builtIn: false, score: () => ({ long: 101, short: 0 }) };
    const badComponent: Scorer = { label: "x", builtIn: false, score: () => ({ long: 1, short: 0, components: [{ name: 3 } as never] }) };
    expect(await scoreContained(outOfRange, input)).toEqual({ ok: false, problem: "returned long = 101, outside 0–100" });
    expect(await scoreContained(badComponent, input)).toEqual({ ok: false, problem: "returned component 0 without a name and finite long/short points" });
  });
});

describe("the scanner and the trader follow the owner's module", () => {
  let market: MarketPipeline | null = null;
  afterEach(() => market?.stop());

  test("cards and the trader's coins carry its scores; a coin it fails on is shown unscored, not traded, and logged once", async () => {
    const symbols = ["BTCUSDT", "ETHUSDT", "SOLUSDT"];
    const scorer = await loadScorerModule(join(FIXTURES, "throws-on-eth.ts"));
    const { lines } = await captureLogs(async () => {
      market = new MarketPipeline(new MarketFeed(new SimSource({ symbols, seed: 5, tickMs: 20, simStepMs: 300_000 }), new CandleStore()), symbols, { notifyMs: 1, scorer });
      await market.start();
      await waitFor("a closed candle scored by the module", () => market!.coin("BTCUSDT")?.score.long === 60, 10_000);
      await waitFor("a second one", async () => (await market!.scoredCoins(DEFAULT_TRADER_CONFIG)).length === 2, 10_000);
    });
    const m = market!;
    expect(m.coin("BTCUSDT")?.score).toMatchObject({ long: 60, short: 10 });
    expect(m.coin("ETHUSDT")?.unscored).toBe("threw: division by zero in my RSI");
    expect((await m.scoredCoins(DEFAULT_TRADER_CONFIG)).map((c) => [c.symbol, c.long.base, c.short.base])).toEqual([["BTCUSDT", 60, 10], ["SOLUSDT", 60, 10]]);
    expect(m.scorerLabel()).toContain("throws-on-eth.ts (owner)");
    const errors = lines.filter((line) => line.includes("ETHUSDT has no score"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("throws-on-eth.ts (owner): ETHUSDT has no score: threw: division by zero in my RSI");
  }, 30_000);
});
