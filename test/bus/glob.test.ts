/**
 * The in-memory glob matcher against the reference: a real redis-server's own
 * matcher (KEYS uses the same stringmatchlen routine as PSUBSCRIBE). Every
 * pattern is run over the same set of names on both sides.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type Redis from "ioredis";
import { globToRegExp } from "../../src/bus/glob.ts";
import { rawRedis } from "./support.ts";
import { startRedisServer, type RedisServer } from "../helpers/redis-server.ts";

const NAMES = [
  "signals:ta:BTCUSDT",
  "signals:ta:ETHUSDT",
  "signals:scan",
  "market:candles:BTCUSDT",
  "market:candles:BBTCUSDT",
  "trader:events",
  "abc",
  "ab",
  "a",
  "abbc",
  "a*b",
  "a?b",
  "a[b",
  "a]b",
  "a\\b",
  "a-b",
  "a^b",
  "a:b",
  "aXb",
  "zzz",
  "]",
  "[",
  "\\",
];

const PATTERNS = [
  "*",
  "signals:*",
  "signals:ta:*",
  "*:BTCUSDT",
  "market:candles:?TCUSDT",
  "market:candles:[BE]*",
  "a?b",
  "a*b",
  "a**b",
  "a\\*b",
  "a\\?b",
  "a[*]b",
  "a[?]b",
  "a[\\]]b",
  "a[]]b",
  "a[[]b",
  "a[^b]b",
  "a[^]b",
  "a[]b",
  "a[a-c]*",
  "a[c-a]*",
  "a[-]b",
  "a[a-]b",
  "a[",
  "a[b",
  "a[^",
  "[]",
  "[^]",
  "\\",
  "a\\",
  "a\\\\b",
  "?",
  "??",
  "*c",
  "[]]",
  "[[]",
];

let server: RedisServer | null = null;
let redis: Redis | null = null;

beforeAll(async () => {
  server = await startRedisServer();
  redis = rawRedis(server.url);
  for (const name of NAMES) await redis.set(name, "1");
}, 15_000);

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
}, 10_000);

for (const pattern of PATTERNS) {
  test(`pattern ${JSON.stringify(pattern)} matches what Redis matches`, async () => {
    const byRedis = (await redis!.keys(pattern)).sort();
    const regex = globToRegExp(pattern);
    const byUs = NAMES.filter((name) => regex.test(name)).sort();
    expect(byUs).toEqual(byRedis);
  }, 5_000);
}

test("the name list exercises the patterns: most patterns match something and none match everything but *", async () => {
  const counts = await Promise.all(PATTERNS.map(async (pattern) => (await redis!.keys(pattern)).length));
  expect(counts.filter((count) => count > 0).length).toBeGreaterThan(PATTERNS.length / 2);
  expect(counts[0]).toBe(NAMES.length);
}, 5_000);
