import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createMarketSource } from "../../src/market/create-source.ts";
import { setQuiet } from "../../src/log.ts";
import { FakeBinance, startFakeBinance } from "../helpers/fake-binance.ts";

const FIXTURE = join(import.meta.dir, "../fixtures/ETH_BTC-5m.json");

let fake: FakeBinance | null = null;
afterEach(() => {
  fake?.stop();
  fake = null;
  setQuiet(true);
});

/** Runs `fn` with log lines captured. */
async function captureLog<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string }> {
  setQuiet(false);
  const original = process.stderr.write;
  let lines = "";
  process.stderr.write = ((chunk: string | Uint8Array) => {
    lines += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { result: await fn(), lines };
  } finally {
    process.stderr.write = original;
    setQuiet(true);
  }
}

function closedPortUrl(): string {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
  const url = `http://127.0.0.1:${server.port}`;
  server.stop(true);
  return url;
}

describe("createMarketSource", () => {
  test("auto falls back to the simulated market when Binance US is unreachable, and says so", async () => {
    const { result: source, lines } = await captureLog(() =>
      createMarketSource("auto", { symbols: ["BTCUSDT"], binance: { baseUrl: closedPortUrl() }, probeTimeoutMs: 1000 }),
    );
    expect(source.name).toBe("sim");
    const status = source.status();
    expect(status.simulated).toBe(true);
    expect(status.banner).toStartWith("Binance US cannot be reached (the connection to 127.0.0.1:");
    expect(status.banner).toContain("using the simulated market — prices are not real. Technical detail: cannot reach http://127.0.0.1:");
    expect(lines).toMatch(/WARN market: Binance US unreachable at start \(cannot reach http:\/\/127\.0\.0\.1:\d+ .*\): using the simulated market/);
  });

  test("auto falls back too when Binance US answers with a 403 page", async () => {
    fake = startFakeBinance();
    fake.mode = "403-html";
    setQuiet(true);
    const source = await createMarketSource("auto", { symbols: ["BTCUSDT"], binance: { baseUrl: fake.url } });
    expect(source.name).toBe("sim");
    expect(source.status().banner).toContain("HTTP 403");
    expect(fake.requests).toHaveLength(1); // the probe is not retried
  });

  test("auto uses Binance US when one cheap probe succeeds", async () => {
    fake = startFakeBinance();
    setQuiet(true);
    const source = await createMarketSource("auto", { symbols: ["ETHUSDT", "BTCUSDT"], binance: { baseUrl: fake.url } });
    expect(source.name).toBe("binance");
    expect(source.status()).toMatchObject({ simulated: false, banner: null, symbols: ["ETHUSDT", "BTCUSDT"] });
    expect(fake.requests.map((r) => r.params)).toEqual([{ symbol: "ETHUSDT", interval: "5m", limit: "1" }]);
  });

  test("api.binance.com is refused outright, never silently replaced by the sim", async () => {
    for (const kind of ["auto", "binance"] as const) {
      await expect(createMarketSource(kind, { binance: { baseUrl: "https://api.binance.com" } })).rejects.toThrow(
        /global Binance, not Binance US/,
      );
    }
  });

  test("sim and replay by name; bad names and missing replay options are refused", async () => {
    setQuiet(true);
    const sim = await createMarketSource("sim", { symbols: ["BTCUSDT"], sim: { seed: 1 } });
    expect(sim.status()).toMatchObject({ source: "sim", banner: "Simulated market — prices are not real" });
    const replay = await createMarketSource("replay", { symbols: ["BTCUSDT"], replay: { file: FIXTURE } });
    expect(replay.status().source).toBe("replay");
    expect(replay.status().banner).toStartWith("Replaying recorded candles");
    await expect(createMarketSource("replay")).rejects.toThrow(/needs replay options/);
    await expect(createMarketSource("live" as "sim")).rejects.toThrow(/"live" is not one of auto, binance, replay, sim/);
  });
});
