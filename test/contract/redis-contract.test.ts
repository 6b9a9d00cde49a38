/**
 * The Redis contract as a program outside this repo sees it: the real server
 * (sim market, paper exchange, dry-run with a trade opened and one closed)
 * publishes on a real redis-server, and a plain ioredis client reads every key
 * and listens to every channel. Each value and message must validate against
 * its JSON Schema in src/bus/contracts/ (ajv, no zod), so a change of a
 * payload's type fails here. Then a subscriber written from the spec's example
 * alone reads ta:latest and signals:ta.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Redis from "ioredis";
import { classifyChannel, classifyKey, type ChannelKind, type KeyKind } from "../../src/bus/keys.ts";
import { DEFAULT_SYMBOLS } from "../../src/market/symbols.ts";
import { startRedisServer, type RedisServer } from "../helpers/redis-server.ts";
import { startTestServer, waitFor, type TestServer } from "../helpers/server.ts";
import { contractValidator } from "./validator.ts";

let redis: RedisServer;
let server: TestServer;
let raw: Redis;
let listener: Redis;
/** Every message seen on every channel, raw, by channel name (newest last, at most KEEP per channel). */
const heard = new Map<string, string[]>();
const KEEP = 50;
/** When the server under test started: its simulated market starts there and then runs faster than the wall clock. */
let startedAt = 0;

const validator = contractValidator();

async function readJson(key: string): Promise<unknown> {
  const value = await raw.get(key);
  return value === null ? null : JSON.parse(value);
}

function heardOf(kind: ChannelKind): [string, string][] {
  return [...heard.entries()].filter(([channel]) => classifyChannel(channel) === kind).flatMap(([channel, messages]) => messages.map((m) => [channel, m] as [string, string]));
}

beforeAll(async () => {
  redis = await startRedisServer();
  raw = new Redis(redis.url);
  // Listening before the server starts: its first messages count too.
  listener = new Redis(redis.url);
  listener.on("pmessage", (_pattern, channel, message) => {
    const list = heard.get(channel) ?? [];
    list.push(message);
    if (list.length > KEEP) list.shift();
    heard.set(channel, list);
  });
  await listener.psubscribe("*");
  startedAt = Date.now();
  server = await startTestServer({ redisUrl: redis.url });
  // Dry-run, thresholds at 0: one cycle opens two positions; then one is closed.
  expect((await server.post("/api/trader/config", { mode: "dry-run", long_threshold: 0, short_threshold: 0, max_positions: 2 })).status).toBe(200);
  expect((await server.post("/api/trader/control", { action: "run-cycle" })).status).toBe(200);
  const positions = await waitFor("two positions in state:positions", async () => {
    const list = (await readJson("state:positions")) as { symbol: string }[] | null;
    return list && list.length === 2 ? list : null;
  }, 10_000);
  expect((await server.post("/api/trader/close-position", { symbol: positions![0]!.symbol })).status).toBe(200);
  // Wait on what the close changes, not on the clock: the status may be written before this line runs.
  await waitFor("state:trader:status showing the close as its last trade", async () => {
    const status = (await readJson("state:trader:status")) as { last_trade?: { action?: string } | null } | null;
    return status?.last_trade?.action === "close";
  }, 10_000);
  await waitFor("ta:latest for every coin", async () => (await raw.keys("ta:latest:*")).length === DEFAULT_SYMBOLS.length, 10_000);
  await waitFor("a message on every channel kind", () => (["marketCandles", "taSignals", "scan", "traderEvents"] as const).every((kind) => heardOf(kind).length > 0), 10_000);
}, 60_000);

afterAll(async () => {
  listener?.disconnect();
  raw?.disconnect();
  await server?.close();
  await redis?.stop();
});

describe("every key the real server writes", () => {
  test("conforms to its JSON Schema", async () => {
    const all = (await raw.keys("*")).sort();
    const kinds = new Set<KeyKind>();
    const problems: string[] = [];
    for (const key of all) {
      // Leases are coordination tokens between our own processes, not part of the data contract.
      if (key.startsWith("lease:")) continue;
      const kind = classifyKey(key);
      expect({ key, kind }).not.toEqual({ key, kind: null });
      kinds.add(kind!);
      problems.push(...validator.key(key, await readJson(key)).map((p) => `${key}: ${p}`));
    }
    expect(problems).toEqual([]);
    expect([...kinds].sort()).toEqual(["balance", "candles", "positions", "taLatest", "traderConfig", "traderStatus"]);
    // All three candle caches of a coin, and a TA result for every coin.
    for (const suffix of ["", ":1h", ":4h"]) expect(all).toContain(`cache:candles:BTCUSDT${suffix}`);
    for (const symbol of DEFAULT_SYMBOLS) expect(all).toContain(`ta:latest:${symbol}`);
  });

  test("state:trader:status carries the spec's status, uptime and last trade", async () => {
    const status = (await readJson("state:trader:status")) as Record<string, any>;
    expect(status.status).toBe("disabled"); // dry-run but OFF: the cycle was run by hand
    expect(status.uptime_s).toBeGreaterThanOrEqual(0);
    expect(status.last_trade).toMatchObject({ action: "close", side: expect.stringMatching(/^(long|short)$/) });
    expect(Number.isNaN(Date.parse(status.last_trade.at))).toBe(false);
    const positions = (await readJson("state:positions")) as unknown[];
    expect(positions).toHaveLength(1);
  });
});

describe("every channel the real server publishes on", () => {
  for (const kind of ["marketCandles", "taSignals", "scan", "traderEvents"] as const) {
    test(`${kind}: the messages heard conform to its JSON Schema`, () => {
      const messages = heardOf(kind);
      expect(messages.length).toBeGreaterThan(0);
      const problems = messages.flatMap(([channel, message]) => validator.channel(channel, JSON.parse(message)).map((p) => `${channel}: ${p}`));
      expect(problems).toEqual([]);
    });
  }

  test("trader:events carried the open and the close", () => {
    const types = heardOf("traderEvents").map(([, m]) => (JSON.parse(m) as { type: string }).type);
    expect(types.filter((t) => t === "trade_open")).toHaveLength(2);
    expect(types).toContain("trade_close");
  });

  test("nothing is published on a channel outside the contract", () => {
    expect([...heard.keys()].filter((channel) => classifyChannel(channel) === null)).toEqual([]);
  });
});

// ---- A consumer written from the spec's example alone ---------------------------

/** The spec's "Output Schema (per symbol)", typed from its example and nothing else. */
interface SpecTaResult {
  symbol: string;
  timestamp: string;
  ema_ribbon: { state_5m: string; state_1h: string; spread_5m: number; spread_1h: number; values: number[] };
  ttm_squeeze: { squeeze: boolean; momentum: number; direction: "bullish" | "bearish"; bars_in_squeeze: number; timeframe: string };
  stoch_rsi_divergence: { divergence: "bullish" | "bearish" | "none"; strength: number; candles_ago: number; stoch_k: number; stoch_d: number };
  composite_score_adjustment: { long_bonus: number; short_bonus: number; reasoning: string[] };
}

/** What such a consumer might do with a message: a one-line summary. */
function summarize(msg: SpecTaResult): { at: string; emas: string[]; squeeze: boolean; pivotBars: number; line: string } {
  const at = new Date(msg.timestamp).toISOString();
  const emas = msg.ema_ribbon.values.map((v: number) => v.toFixed(2));
  const squeeze = msg.ttm_squeeze.squeeze === true;
  const pivotBars = msg.stoch_rsi_divergence.candles_ago + 1;
  const line = `${msg.symbol} ${at} EMAs ${emas.join("/")} ${squeeze ? "squeeze" : "no squeeze"} ${msg.ttm_squeeze.direction} ${msg.stoch_rsi_divergence.divergence} (${pivotBars})`;
  return { at, emas, squeeze, pivotBars, line };
}

function expectSensible(summary: ReturnType<typeof summarize>): void {
  // A 5m close time, not older than the candle closed when the server started. No upper bound from the
  // wall clock: the test server's simulated market runs ahead of it (about a 5m bar per second).
  const closeTime = Date.parse(summary.at);
  expect(closeTime % 300_000).toBe(0);
  expect(closeTime).toBeGreaterThanOrEqual(startedAt - 300_000);
  expect(summary.emas).toHaveLength(6);
  for (const ema of summary.emas) expect(ema).toMatch(/^\d+\.\d{2}$/);
  expect(typeof summary.squeeze).toBe("boolean");
  expect(Number.isInteger(summary.pivotBars) && summary.pivotBars >= 1).toBe(true);
  expect(summary.line).not.toContain("undefined");
  expect(summary.line).not.toContain("NaN");
}

describe("a subscriber written from the spec's example", () => {
  test("reads ta:latest:{symbol} without a type error", async () => {
    const client = new Redis(redis.url);
    try {
      for (const symbol of ["BTCUSDT", "ETHUSDT", "SOLUSDT"]) {
        const msg = JSON.parse((await client.get(`ta:latest:${symbol}`))!) as SpecTaResult;
        expectSensible(summarize(msg));
      }
    } finally {
      client.disconnect();
    }
  });

  test("receives signals:ta:{symbol} without a type error", async () => {
    const client = new Redis(redis.url);
    try {
      const received = new Promise<string>((resolve) => client.on("message", (_channel: string, message: string) => resolve(message)));
      await client.subscribe("signals:ta:BTCUSDT");
      const msg = JSON.parse(await received) as SpecTaResult;
      expect(msg.symbol).toBe("BTCUSDT");
      expectSensible(summarize(msg));
    } finally {
      client.disconnect();
    }
  });
});
