import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { BinanceUsClient, BinanceUsError, checkBinanceUsBaseUrl } from "../../src/market/binance-client.ts";
import { systemClock } from "../../src/market/clock.ts";
import { splitClosed, type KlineRow } from "../../src/market/kline-rows.ts";
import { WeightLimiter } from "../../src/market/weight-limiter.ts";
import { setQuiet } from "../../src/log.ts";
import { DOCUMENTED_KLINE_ROW, FakeBinance, startFakeBinance } from "../helpers/fake-binance.ts";
import { ManualClock } from "./manual-clock.ts";

beforeAll(() => setQuiet(true));

// 2023-11-14T22:14:15Z: 15 s into a minute (1_700_000_040_000 is a minute boundary).
const T0 = 1_700_000_055_000;

let fake: FakeBinance | null = null;
afterEach(() => {
  fake?.stop();
  fake = null;
});

function setup(options: { clock?: ManualClock; maxRetries?: number; limiter?: WeightLimiter; maxRetryWaitMs?: number } = {}) {
  const clock = options.clock ?? new ManualClock(T0);
  fake = startFakeBinance({ now: () => clock.now() });
  const client = new BinanceUsClient({
    baseUrl: fake.url,
    clock,
    maxRetries: options.maxRetries ?? 4,
    backoffBaseMs: 1000,
    maxRetryWaitMs: options.maxRetryWaitMs ?? 60_000,
    limiter: options.limiter ?? new WeightLimiter({ clock }),
  });
  return { clock, fake, client };
}

async function failure(promise: Promise<unknown>): Promise<BinanceUsError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BinanceUsError);
    return error as BinanceUsError;
  }
  throw new Error("expected the request to fail");
}

describe("base URL", () => {
  test("refuses api.binance.com and every other *.binance.com host", () => {
    for (const url of [
      "https://api.binance.com",
      "https://API.Binance.com/",
      "https://api.binance.com./api",
      "https://api1.binance.com",
      "http://binance.com",
    ]) {
      expect(() => new BinanceUsClient({ baseUrl: url })).toThrow(/global Binance, not Binance US/);
    }
  });

  test("defaults to https://api.binance.us and rejects non-URLs and other schemes", () => {
    expect(new BinanceUsClient().baseUrl).toBe("https://api.binance.us");
    expect(checkBinanceUsBaseUrl("http://127.0.0.1:1234/").host).toBe("127.0.0.1:1234");
    expect(() => checkBinanceUsBaseUrl("api.binance.us")).toThrow(/not a valid URL/);
    expect(() => checkBinanceUsBaseUrl("ftp://api.binance.us")).toThrow(/must be http\(s\)/);
  });
});

describe("klines", () => {
  test("parses the documented kline row and sends symbol, interval and limit", async () => {
    const { client, fake } = setup();
    fake.script.push({ status: 200, body: `[${DOCUMENTED_KLINE_ROW}]` });
    const rows = await client.klines("BTCUSDT", "5m", { limit: 3 });
    expect(rows).toEqual([
      {
        candle: { t: 1499040000000, o: 0.0163479, h: 0.8, l: 0.015758, c: 0.015771, v: 148976.11427815 },
        closeTime: 1499644799999,
      },
    ]);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.path).toBe("/api/v3/klines");
    expect(fake.requests[0]!.params).toEqual({ symbol: "BTCUSDT", interval: "5m", limit: "3" });
  });

  test("rejects malformed rows with the row and field named", async () => {
    const { client, fake } = setup();
    const bad: [string, RegExp][] = [
      [`[[1499040000000,"1","2","0.5","1.5","10",1499040299999,"1",3,"1","1"]]`, /row 0: expected a 12-element array/],
      [`[[1499040000000,1.5,"2","0.5","1.5","10",1499040299999,"1",3,"1","1","0"]]`, /row 0: field 1 \(open\) must be a decimal string/],
      [`[[1499040000000,"1","2","0.5","abc","10",1499040299999,"1",3,"1","1","0"]]`, /row 0: field 4 \(close\) must be a decimal string/],
      [`[["1499040000000","1","2","0.5","1.5","10",1499040299999,"1",3,"1","1","0"]]`, /row 0: field 0 \(open time\) must be a whole JSON number/],
      [`[[1499040000000,"1","2","0.5","1.5","10",1499040000000,"1",3,"1","1","0"]]`, /row 0: close time .* is not after open time/],
      [`[[1499040000000,"1","0.9","0.5","1.5","10",1499040299999,"1",3,"1","1","0"]]`, /row 0: open 1 outside low–high 0.5–0.9/],
      [`{"code":0}`, /expected a JSON array of kline rows/],
    ];
    for (const [body, message] of bad) {
      fake.script.push({ status: 200, body });
      const error = await failure(client.klines("BTCUSDT", "5m"));
      expect(error.kind).toBe("bad-response");
      expect(error.message).toMatch(message);
    }
  });

  test("a 403 CloudFront HTML page is a clear error, not data, and is not retried", async () => {
    const { client, fake } = setup();
    fake.mode = "403-html";
    const error = await failure(client.klines("BTCUSDT", "5m"));
    expect(error.kind).toBe("refused");
    expect(error.status).toBe(403);
    expect(error.message).toContain("HTTP 403, text/html");
    expect(error.message).toContain("block access from your country");
    expect(fake.requests).toHaveLength(1);
  });

  test("HTML with status 200 is refused before JSON.parse", async () => {
    const { client, fake } = setup();
    fake.mode = "html-200";
    const error = await failure(client.klines("BTCUSDT", "5m"));
    expect(error.message).toContain("expected JSON but got text/html (HTTP 200)");
    expect(error.message).toContain("hotel Wi-Fi");
  });

  test("a 400 with Binance's JSON error is reported with its code and not retried", async () => {
    const clock = new ManualClock(T0);
    fake = startFakeBinance({ now: () => clock.now(), symbols: ["BTCUSDT"] });
    const client = new BinanceUsClient({ baseUrl: fake.url, clock });
    const error = await failure(client.klines("NOPEUSDT", "5m"));
    expect(error.kind).toBe("bad-request");
    expect(error.message).toContain("HTTP 400");
    expect(error.message).toContain("code -1121: Invalid symbol.");
    expect(fake.requests).toHaveLength(1);
  });

  test("a redirect is not followed (it could lead off Binance US)", async () => {
    const { client, fake } = setup();
    fake.script.push({ status: 302, body: "", headers: { location: "https://api.binance.com/api/v3/klines" } });
    const error = await failure(client.klines("BTCUSDT", "5m"));
    expect(error.message).toContain("redirect (HTTP 302 to https://api.binance.com/api/v3/klines), which is not followed");
    expect(fake.requests).toHaveLength(1);
  });

  test("checks its own arguments before sending anything", async () => {
    const { client, fake } = setup();
    expect((await failure(client.klines("btc-usdt", "5m"))).message).toMatch(/must be upper-case/);
    expect((await failure(client.klines("BTCUSDT", "5m", { limit: 1001 }))).message).toMatch(/limit must be a whole number 1–1000/);
    expect(fake.requests).toHaveLength(0);
  });
});

describe("back-off", () => {
  test("429 with Retry-After: waits exactly that long (by the fake's clock), then succeeds", async () => {
    const { client, fake, clock } = setup();
    fake.script.push({ status: 429, body: '{"code":-1003,"msg":"Too many requests."}', headers: { "retry-after": "2" } });
    const result = client.klines("BTCUSDT", "5m", { limit: 2 });
    await clock.untilSleeping(1);
    expect(fake.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([2000]);
    clock.advance(1999);
    expect(clock.pending).toBe(1); // not due yet: nothing else may go out
    expect(fake.requests).toHaveLength(1);
    clock.advance(1);
    const rows = await result;
    expect(rows).toHaveLength(2);
    expect(fake.requests.map((r) => r.at - T0)).toEqual([0, 2000]);
  });

  test("a 429 pauses every caller of the client, not just the one that got it", async () => {
    const { client, fake, clock } = setup();
    fake.script.push({ status: 429, body: "{}", headers: { "retry-after": "5" } });
    const first = client.klines("BTCUSDT", "5m");
    await clock.untilSleeping(1);
    const second = client.klines("ETHUSDT", "5m");
    await clock.untilSleeping(2);
    expect(fake.requests).toHaveLength(1);
    clock.advance(5000);
    await Promise.all([first, second]);
    // After the pause both go out (in either order), none before.
    const seen = fake.requests.map((r) => `${r.symbol}@${r.at - T0}`);
    expect(seen[0]).toBe("BTCUSDT@0");
    expect(seen.slice(1).sort()).toEqual(["BTCUSDT@5000", "ETHUSDT@5000"]);
  });

  test("429 without Retry-After and 5xx back off exponentially (1 s, 2 s)", async () => {
    const { client, fake, clock } = setup();
    fake.script.push({ status: 500, body: "oops", contentType: "text/plain" });
    fake.script.push({ status: 429, body: "{}" });
    const result = client.klines("BTCUSDT", "5m");
    await clock.untilSleeping(1);
    clock.advance(1000);
    await clock.untilSleeping(1);
    clock.advance(2000);
    await result;
    expect(fake.requests.map((r) => r.at - T0)).toEqual([0, 1000, 3000]);
  });

  test("gives up after maxRetries with the last error", async () => {
    fake = startFakeBinance();
    fake.mode = "500";
    const client = new BinanceUsClient({ baseUrl: fake.url, maxRetries: 2, backoffBaseMs: 1, clock: systemClock });
    const error = await failure(client.klines("BTCUSDT", "5m"));
    expect(error.kind).toBe("server");
    expect(error.message).toContain("HTTP 500");
    expect(fake.requests).toHaveLength(3);
  });

  test("418 with a long Retry-After fails at once and blocks further requests until the ban ends", async () => {
    const { client, fake, clock } = setup({ maxRetryWaitMs: 60_000 });
    fake.mode = "418";
    fake.retryAfterSeconds = 120;
    const error = await failure(client.klines("BTCUSDT", "5m"));
    expect(error.kind).toBe("banned");
    expect(error.message).toContain("HTTP 418");
    expect(error.message).toContain("retry after 120 s");
    fake.mode = "ok";
    const blocked = await failure(client.klines("ETHUSDT", "5m"));
    expect(blocked.message).toContain("paused until 2023-11-14T22:16:15.000Z");
    expect(fake.requests).toHaveLength(1);
    clock.advance(120_000);
    await client.klines("ETHUSDT", "5m");
    expect(fake.requests.map((r) => r.at - T0)).toEqual([0, 120_000]);
  });

  test("a slow answer times out with a clear message", async () => {
    fake = startFakeBinance();
    fake.mode = "slow";
    fake.slowMs = 3000;
    const client = new BinanceUsClient({ baseUrl: fake.url, timeoutMs: 100, maxRetries: 0 });
    const error = await failure(client.klines("BTCUSDT", "5m"));
    expect(error.kind).toBe("timeout");
    expect(error.message).toContain("no answer within 100 ms");
  });

  test("an unreachable server is a network error naming the URL", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const url = `http://127.0.0.1:${closed.port}`;
    closed.stop(true);
    const client = new BinanceUsClient({ baseUrl: url, maxRetries: 0 });
    const error = await failure(client.klines("BTCUSDT", "5m"));
    expect(error.kind).toBe("network");
    expect(error.message).toContain(`cannot reach ${url}`);
  });
});

describe("closed vs forming", () => {
  const row = (t: number, closeTime: number): KlineRow => ({ candle: { t, o: 1, h: 1, l: 1, c: 1, v: 1 }, closeTime });

  test("the newest row is forming while closeTime >= now", () => {
    const rows = [row(0, 299_999), row(300_000, 599_999)];
    expect(splitClosed(rows, 599_999).forming?.t).toBe(300_000);
    expect(splitClosed(rows, 599_999).closed.map((c) => c.t)).toEqual([0]);
    expect(splitClosed(rows, 600_000).forming).toBeNull();
    expect(splitClosed(rows, 600_000).closed.map((c) => c.t)).toEqual([0, 300_000]);
  });

  test("an older row is closed even if the local clock says otherwise (a newer bar exists)", () => {
    const rows = [row(0, 299_999), row(300_000, 599_999)];
    expect(splitClosed(rows, 100).closed.map((c) => c.t)).toEqual([0]);
    expect(splitClosed(rows, 100).forming?.t).toBe(300_000);
  });

  test("against the fake: the bar containing now is the forming one", async () => {
    const { client, clock } = setup();
    // T0 = 22:14:15 → the 5m bar opened at 22:10:00 is forming.
    const rows = await client.klines("BTCUSDT", "5m", { limit: 3 });
    const { closed, forming } = splitClosed(rows, clock.now());
    expect(forming?.t).toBe(Date.UTC(2023, 10, 14, 22, 10));
    expect(closed.map((c) => c.t)).toEqual([Date.UTC(2023, 10, 14, 22, 0), Date.UTC(2023, 10, 14, 22, 5)]);
  });
});
