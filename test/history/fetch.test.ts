/**
 * `history fetch` against the loopback stand-in for Binance US, on a manual
 * clock shared by the fake market and the client: pages of at most 1000
 * candles, resumption without fetching stored candles again, a 429 waited out
 * by the client's own back-off, bad symbols and an unreachable Binance exit 2
 * with one line, and gaps reported, never filled.
 */
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runHistoryCommand, type HistoryCommandDeps } from "../../src/cli/history-command.ts";
import { HISTORY_DB_FILE, HistoryDb } from "../../src/history/history-db.ts";
import { TIMEFRAME_MS, type Timeframe } from "../../src/market/candle.ts";
import { systemClock } from "../../src/market/clock.ts";
import { setQuiet } from "../../src/log.ts";
import { fakeCandle, startFakeBinance, type FakeBinance } from "../helpers/fake-binance.ts";
import { ManualClock } from "../market/manual-clock.ts";

beforeAll(() => setQuiet(true));

// 2023-11-14T22:14:15Z: 4 min 15 s into a 5m candle.
const T0 = 1_700_000_055_000;
const FIVE = TIMEFRAME_MS["5m"];
const HOUR = TIMEFRAME_MS["1h"];
const DAY = 86_400_000;

let fake: FakeBinance | null = null;
const dirs: string[] = [];
afterEach(() => {
  fake?.stop();
  fake = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "history-fetch-"));
  dirs.push(dir);
  return dir;
}

interface Run {
  code: number;
  out: string;
  err: string;
}

function setup(options: { symbols?: string[] } = {}) {
  const clock = new ManualClock(T0);
  fake = startFakeBinance({ now: () => clock.now(), ...(options.symbols ? { symbols: options.symbols } : {}) });
  const dataDir = tempDir();
  const f = fake;
  const run = async (args: string[], deps: Partial<HistoryCommandDeps> = {}): Promise<Run> => {
    let out = "";
    let err = "";
    const code = await runHistoryCommand(args, {
      env: { BINANCE_BASE_URL: f.url },
      clock,
      client: { backoffBaseMs: 1000 },
      out: (text) => (out += text),
      err: (text) => (err += text),
      ...deps,
    });
    return { code, out, err };
  };
  return { clock, fake: f, dataDir, run };
}

/** The first and last open time a fetch of `days` at T0 covers: every closed candle of the period. */
function period(timeframe: Timeframe, days: number, now = T0): { start: number; end: number; count: number } {
  const step = TIMEFRAME_MS[timeframe];
  const start = Math.ceil((now - days * DAY) / step) * step;
  const end = Math.floor((now - 2000 - step) / step) * step;
  return { start, end, count: (end - start) / step + 1 };
}

function stored(dataDir: string, symbol: string, timeframe: "5m" | "1h") {
  const db = HistoryDb.open(dataDir, { readonly: true });
  try {
    return db.candles(symbol, timeframe);
  } finally {
    db.close();
  }
}

/** Kline rows in Binance's 12-element shape, for scripted replies. */
function klineRows(timeframe: Timeframe, times: number[]): string {
  const s = (x: number) => x.toFixed(8);
  return JSON.stringify(
    times.map((t) => {
      const c = fakeCandle(timeframe, t);
      return [t, s(c.o), s(c.h), s(c.l), s(c.c), s(c.v), t + TIMEFRAME_MS[timeframe] - 1, s(c.v * c.c), 42, s(c.v / 2), s((c.v / 2) * c.c), "0"];
    }),
  );
}

const pages = (fake: FakeBinance) => fake.requests.filter((r) => r.params.limit === "1000");

describe("history fetch", () => {
  test("pages over more than 1000 candles, stores every closed candle exactly, and shows progress on stderr", async () => {
    const { fake, dataDir, run } = setup();
    const result = await run(["fetch", "--days", "4", "--symbols", "BTCUSDT", "--timeframes", "5m,1h", "--data-dir", dataDir]);
    expect(result.err).toContain("100%");
    expect(result.code).toBe(0);
    const five = period("5m", 4);
    expect(five.count).toBeGreaterThan(1000);
    const fivePages = pages(fake).filter((r) => r.interval === "5m");
    expect(fivePages.map((r) => Number(r.params.startTime))).toEqual([five.start, five.start + 1000 * FIVE]);
    const candles = stored(dataDir, "BTCUSDT", "5m");
    expect(candles).toHaveLength(five.count);
    expect(candles[0]).toEqual(fakeCandle("5m", five.start));
    expect(candles.at(-1)).toEqual(fakeCandle("5m", five.end)); // the forming candle is not stored
    expect(stored(dataDir, "BTCUSDT", "1h")).toHaveLength(period("1h", 4).count);
    expect(result.out).toContain(`BTCUSDT 5m: ${five.count} new candle(s)`);
    expect(result.out).toContain("no gaps");
  });

  test("resumes: candles already stored are not fetched again, later or earlier", async () => {
    const { fake, clock, dataDir, run } = setup();
    expect((await run(["fetch", "--days", "2", "--symbols", "BTCUSDT", "--timeframes", "5m", "--data-dir", dataDir])).code).toBe(0);
    const first = period("5m", 2);
    fake.requests.length = 0;
    clock.advance(HOUR); // twelve more candles have closed
    const later = await run(["fetch", "--days", "2", "--symbols", "BTCUSDT", "--timeframes", "5m", "--data-dir", dataDir]);
    expect(later.code).toBe(0);
    expect(pages(fake).map((r) => Number(r.params.startTime))).toEqual([first.end + FIVE]);
    expect(later.out).toContain("BTCUSDT 5m: 12 new candle(s)");

    fake.requests.length = 0;
    const earlier = await run(["fetch", "--days", "3", "--symbols", "BTCUSDT", "--timeframes", "5m", "--data-dir", dataDir]);
    expect(earlier.code).toBe(0);
    const wider = period("5m", 3, T0 + HOUR);
    // Only the day before what is stored: one request, ending just before the oldest stored candle.
    expect(pages(fake)).toHaveLength(1);
    expect(Number(pages(fake)[0]!.params.startTime)).toBe(wider.start);
    expect(Number(pages(fake)[0]!.params.endTime)).toBeLessThan(period("5m", 2).start + FIVE);
    expect(stored(dataDir, "BTCUSDT", "5m")).toHaveLength(wider.count);

    fake.requests.length = 0;
    const again = await run(["fetch", "--days", "3", "--symbols", "BTCUSDT", "--timeframes", "5m", "--data-dir", dataDir]);
    expect(again.code).toBe(0);
    expect(pages(fake)).toHaveLength(0);
    expect(again.out).toContain("BTCUSDT 5m: 0 new candle(s)");
  });

  test("a 429 is waited out through the client's back-off (Retry-After), then the fetch completes", async () => {
    const { fake, clock, dataDir, run } = setup();
    const hour = period("1h", 2);
    fake.script.push({ status: 200, body: klineRows("1h", [hour.end]) }); // the symbol check
    fake.script.push({ status: 429, body: '{"code":-1003,"msg":"Too many requests."}', headers: { "retry-after": "7" } });
    const pending = run(["fetch", "--days", "2", "--symbols", "BTCUSDT", "--timeframes", "1h", "--data-dir", dataDir]);
    await clock.untilSleeping(1);
    expect(clock.sleeps).toEqual([7000]);
    expect(fake.requests).toHaveLength(2);
    clock.advance(6999);
    expect(fake.requests).toHaveLength(2); // nothing leaves before Retry-After has passed
    clock.advance(1);
    const result = await pending;
    expect(result.code).toBe(0);
    expect(fake.requests.map((r) => r.at - T0)).toEqual([0, 0, 7000]);
    expect(stored(dataDir, "BTCUSDT", "1h")).toHaveLength(hour.count);
  });

  test("gaps in what Binance US returns are reported with symbol, timeframe, time and length, never filled", async () => {
    const { fake, dataDir, run } = setup();
    const hour = period("1h", 1);
    const times: number[] = [];
    for (let t = hour.start; t <= hour.end; t += HOUR) times.push(t);
    const missing = times.splice(5, 3);
    fake.script.push({ status: 200, body: klineRows("1h", [hour.end]) });
    fake.script.push({ status: 200, body: klineRows("1h", times) });
    const result = await run(["fetch", "--days", "1", "--symbols", "BTCUSDT", "--timeframes", "1h", "--data-dir", dataDir]);
    expect(result.code).toBe(0);
    expect(result.out).toContain(`gap: BTCUSDT 1h: 3 candle(s) missing from ${new Date(missing[0]!).toISOString()}`);
    expect(stored(dataDir, "BTCUSDT", "1h").map((c) => c.t)).toEqual(times);
  });

  test("bad usage and bad symbols exit 2 with one line saying what; nothing is stored", async () => {
    const { dataDir, run } = setup({ symbols: ["BTCUSDT", "ETHUSDT"] });
    const cases: [string[], RegExp][] = [
      [["fetch", "--symbols", "BTCUSDT"], /fetch needs --days N/],
      [["fetch", "--days", "0"], /--days must be a whole number of days from 1 to 1000/],
      [["fetch", "--days", "2", "--timeframes", "4h"], /--timeframes takes 5m and\/or 1h/],
      [["fetch", "--days", "2", "--symbols", "btc-usd"], /--symbols: "BTC-USD" is not a USDT pair such as BTCUSDT/],
      [["fetch", "--days", "2", "--bogus"], /unknown argument "--bogus"/],
      [["fetch", "--days", "2", "--symbols", "BTCUSDT,FOOUSDT,BARUSDT"], /Binance US does not list FOOUSDT, BARUSDT .*Invalid symbol/],
      [["rewind"], /unknown history command "rewind"/],
      [[], /usage: history fetch/],
    ];
    for (const [args, message] of cases) {
      const result = await run([...args, "--data-dir", dataDir]);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      const lines = result.err.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: /);
      expect(lines[0]).toMatch(message);
    }
    expect(existsSync(join(dataDir, HISTORY_DB_FILE))).toBe(false);
  });

  test("an unreachable or refused Binance US exits 2 with one line naming it", async () => {
    const { dataDir, run } = setup();
    const closed = await run(["fetch", "--days", "1", "--symbols", "BTCUSDT", "--data-dir", dataDir], { env: { BINANCE_BASE_URL: "http://127.0.0.1:9" }, client: { backoffBaseMs: 1 }, clock: systemClock });
    expect(closed.code).toBe(2);
    expect(closed.err.trim().split("\n")).toHaveLength(1);
    expect(closed.err).toMatch(/^error: cannot reach Binance US at http:\/\/127\.0\.0\.1:9/);

    const global = await run(["fetch", "--days", "1", "--data-dir", dataDir], { env: { BINANCE_BASE_URL: "https://api.binance.com" } });
    expect(global.code).toBe(2);
    expect(global.err).toMatch(/^error: .*global Binance, not Binance US/);

    fake!.mode = "403-html";
    const blocked = await run(["fetch", "--days", "1", "--symbols", "BTCUSDT", "--data-dir", dataDir]);
    expect(blocked.code).toBe(2);
    expect(blocked.err.trim().split("\n")).toHaveLength(1);
    expect(blocked.err).toMatch(/^error: cannot reach Binance US at .*HTTP 403/);
    expect(existsSync(join(dataDir, HISTORY_DB_FILE))).toBe(false);
  });
});
