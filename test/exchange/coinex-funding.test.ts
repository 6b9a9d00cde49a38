/**
 * The public funding-rate reader the paper exchange uses (exchange-api.md §6.2):
 * latest_funding_rate per market, ≤ 10 markets per request, times as numbers or
 * strings, undefined when unreachable or stale, and refresh() never throws.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { type CoinexFundingRates, createCoinexFundingRates } from "../../src/exchange/coinex-funding.ts";
import { defaultFakeMarkets, type FakeCoinex, type FakeMarket, startFakeCoinex } from "../helpers/fake-coinex.ts";
import { waitFor } from "../helpers/wait.ts";
import { captureLogs } from "./coinex-harness.ts";

let fake: FakeCoinex | undefined;
let rates: CoinexFundingRates | undefined;
afterEach(() => {
  rates?.stop();
  fake?.stop();
  fake = rates = undefined;
});

function twelveMarkets(): FakeMarket[] {
  const [template] = defaultFakeMarkets();
  return Array.from({ length: 12 }, (_, i) => ({ ...template!, market: `C${String.fromCharCode(65 + i)}USDT`, funding_rate: i / 10_000 }));
}

describe("createCoinexFundingRates", () => {
  test("before any symbol is known, one request reads every market", async () => {
    fake = startFakeCoinex();
    fake.setFundingRate("BTCUSDT", 0.0003);
    fake.setFundingRate("ETHUSDT", -0.00012);
    rates = createCoinexFundingRates({ baseUrl: fake.url });
    expect(fake.requests).toHaveLength(0); // no timer was asked for
    await rates.refresh();
    expect([rates.rateOf("BTCUSDT"), rates.rateOf("ETHUSDT")]).toEqual([0.0003, -0.00012]);
    expect(fake.requestsTo("/futures/funding-rate")[0]?.query).toEqual({});
  });

  test("the symbols asked about are read in requests of at most 10 markets; a rate of 0 is a rate", async () => {
    fake = startFakeCoinex({ markets: twelveMarkets() });
    const symbols = twelveMarkets().map((m) => m.market);
    rates = createCoinexFundingRates({ baseUrl: fake.url, symbols });
    await rates.refresh();
    const asked = fake.requestsTo("/futures/funding-rate").map((r) => r.query.market?.split(",") ?? []);
    expect(asked.map((list) => list.length)).toEqual([10, 2]);
    expect(asked.flat().sort()).toEqual([...symbols].sort());
    expect(fake.requestsTo("/futures/funding-rate").every((r) => r.code === 0)).toBe(true);
    expect(rates.rateOf("CAUSDT")).toBe(0);
    expect(rates.rateOf("CLUSDT")).toBe(0.0011);
  });

  test("funding times sent as strings and rates in exponent form are read", async () => {
    fake = startFakeCoinex({ fundingTimesAsStrings: true, exponentDecimals: true });
    fake.setFundingRate("BTCUSDT", 0.000125);
    rates = createCoinexFundingRates({ baseUrl: fake.url, symbols: ["BTCUSDT"] });
    await rates.refresh();
    expect(rates.rateOf("BTCUSDT")).toBe(0.000125);
  });

  test("unreachable: refresh resolves, rateOf is undefined, one warning per streak of failures", async () => {
    const probe = startFakeCoinex();
    const deadUrl = probe.url;
    probe.stop();
    rates = createCoinexFundingRates({ baseUrl: deadUrl, symbols: ["BTCUSDT"], timeoutMs: 2_000 });
    const { lines } = await captureLogs(async () => {
      await rates!.refresh();
      await rates!.refresh();
    });
    expect(rates.rateOf("BTCUSDT")).toBeUndefined();
    expect(lines.filter((line) => line.includes("WARN"))).toHaveLength(1);
    expect(lines[0]).toContain("funding rates unavailable");
  });

  test("a failure after a success warns again; old rates expire after maxAgeMs", async () => {
    let t = 1_700_000_000_000;
    fake = startFakeCoinex();
    rates = createCoinexFundingRates({ baseUrl: fake.url, symbols: ["BTCUSDT"], now: () => t, maxAgeMs: 60_000 });
    const { lines } = await captureLogs(async () => {
      fake!.inject({ kind: "code", code: 3008 }, { endpoint: "/futures/funding-rate" });
      await rates!.refresh(); // fails: warning 1
      await rates!.refresh(); // works
      fake!.inject({ kind: "http", status: 502 }, { endpoint: "/futures/funding-rate" });
      await rates!.refresh(); // fails again: warning 2
    });
    expect(lines.filter((line) => line.includes("WARN"))).toHaveLength(2);
    expect(rates.rateOf("BTCUSDT")).toBe(0.0001); // the last good read is still fresh
    t += 60_001;
    expect(rates.rateOf("BTCUSDT")).toBeUndefined();
  });

  test("a symbol first seen in rateOf is read on the next refresh", async () => {
    fake = startFakeCoinex();
    rates = createCoinexFundingRates({ baseUrl: fake.url, symbols: ["BTCUSDT"] });
    await rates.refresh();
    expect(rates.rateOf("ETHUSDT")).toBeUndefined();
    expect(rates.rateOf("not a market")).toBeUndefined();
    await rates.refresh();
    expect(rates.rateOf("ETHUSDT")).toBe(0.0001);
    expect(fake.requestsTo("/futures/funding-rate").map((r) => r.query.market)).toEqual(["BTCUSDT", "BTCUSDT,ETHUSDT"]);
  });

  test("refreshMs: reads at once and on a timer until stop()", async () => {
    fake = startFakeCoinex();
    rates = createCoinexFundingRates({ baseUrl: fake.url, symbols: ["BTCUSDT"], refreshMs: 20 });
    await waitFor("three timed reads", () => fake!.requestsTo("/futures/funding-rate").length >= 3);
    rates.stop();
    const count = fake.requestsTo("/futures/funding-rate").length;
    expect(rates.rateOf("BTCUSDT")).toBe(0.0001);
    await Bun.sleep(50);
    expect(fake.requestsTo("/futures/funding-rate").length).toBeLessThanOrEqual(count + 1); // at most one already in flight
  });
});
