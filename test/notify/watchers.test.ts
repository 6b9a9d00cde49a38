/**
 * What the process sees apart from trader events: Redis lost and restored, the
 * market feed stalled (and back), a start on the simulated market because
 * Binance US could not be reached; and the daily summary's hour and text.
 */
import { describe, expect, test } from "bun:test";
import { dailySummary, nextSummaryAt } from "../../src/notify/daily-summary.ts";
import { MarketWatch, RedisWatch } from "../../src/notify/process-watch.ts";
import type { MarketSourceStatus } from "../../src/market/source.ts";
import { plainText } from "../../src/notify/messages.ts";

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const S = 1000;
const MIN = 60_000;
const texts = (notices: { mode: "live" | "dry-run" | "paused"; text: string }[]) => notices.map((n) => plainText(n as never));

describe("Redis", () => {
  test("lost after the grace period (a blip says nothing), restored once it was reported lost", () => {
    const watch = new RedisWatch(5 * S);
    const ctx = { mode: "dry-run" as const, speaks: true };
    expect(watch.check(T0, true, ctx)).toEqual([]);
    expect(watch.check(T0 + S, false, ctx)).toEqual([]);
    expect(watch.check(T0 + 2 * S, true, ctx)).toEqual([]); // a 1 s blip
    expect(watch.check(T0 + 10 * S, false, ctx)).toEqual([]);
    expect(texts(watch.check(T0 + 15 * S, false, ctx))).toEqual([
      "[DRY-RUN] Redis unreachable: open positions are still managed, nothing new is opened until it is back",
    ]);
    expect(watch.check(T0 + 20 * S, false, ctx)).toEqual([]);
    expect(texts(watch.check(T0 + 130 * S, true, { ...ctx, speaks: false }))).toEqual(["[DRY-RUN] Redis reachable again after 2 min"]);
    expect(watch.check(T0 + 131 * S, true, ctx)).toEqual([]);
  });

  test("a process that does not speak for the trader reports nothing, and so nothing comes back", () => {
    const watch = new RedisWatch(0);
    expect(watch.check(T0, false, { mode: "paused", speaks: false })).toEqual([]);
    expect(watch.check(T0 + MIN, true, { mode: "paused", speaks: true })).toEqual([]);
  });
});

describe("market feed", () => {
  const status = (patch: Partial<MarketSourceStatus> = {}): MarketSourceStatus => ({
    source: "binance", simulated: false, banner: null, lastUpdate: { "5m": T0, "1h": T0, "4h": T0 }, lastError: null, symbols: ["BTCUSDT"], ...patch,
  });

  test("stalled when no 5m update came for the limit; back when they come again", () => {
    const watch = new MarketWatch({ requested: "auto", stallAfterMs: 10 * MIN, startedAt: T0 });
    const ctx = { mode: "live" as const, speaks: true };
    expect(watch.check(T0 + 9 * MIN, status(), ctx)).toEqual([]);
    const stalled = watch.check(T0 + 10 * MIN, status({ lastError: "HTTP 503 from Binance US" }), ctx);
    expect(texts(stalled)).toEqual(["[LIVE] Market feed stalled: no 5m candle update for 10 min (last error: HTTP 503 from Binance US). No new positions on stale coins."]);
    expect(stalled[0]?.event).toBe("market_feed");
    expect(watch.check(T0 + 12 * MIN, status(), ctx)).toEqual([]);
    expect(texts(watch.check(T0 + 25 * MIN, status({ lastUpdate: { "5m": T0 + 25 * MIN, "1h": T0, "4h": T0 } }), ctx))).toEqual([
      "[LIVE] Market feed back: 5m candles arrive again (stalled for 25 min)",
    ]);
  });

  test("running on the simulated market because Binance US was unreachable at start is said once; a chosen sim or replay is not news", () => {
    const sim = status({ source: "sim", simulated: true, banner: "Binance US unreachable at start (timeout): simulated market — prices are not real", lastUpdate: { "5m": T0, "1h": T0, "4h": T0 } });
    const auto = new MarketWatch({ requested: "auto", stallAfterMs: 10 * MIN, startedAt: T0 });
    expect(texts(auto.check(T0, sim, { mode: "dry-run", speaks: true }))).toEqual([
      "[DRY-RUN] Market data fell back to simulated prices: Binance US unreachable at start (timeout): simulated market — prices are not real. Live trading is refused on them.",
    ]);
    expect(auto.check(T0 + S, sim, { mode: "dry-run", speaks: true })).toEqual([]);
    const chosen = new MarketWatch({ requested: "sim", stallAfterMs: 10 * MIN, startedAt: T0 });
    expect(chosen.check(T0, sim, { mode: "dry-run", speaks: true })).toEqual([]);
    // Role trader reads the ta process's market: whether that one fell back is not this process's news.
    const fromBus = new MarketWatch({ requested: null, stallAfterMs: 10 * MIN, startedAt: T0 });
    expect(fromBus.check(T0, sim, { mode: "dry-run", speaks: true })).toEqual([]);
    const replay = new MarketWatch({ requested: "replay", stallAfterMs: 10 * MIN, startedAt: T0 });
    expect(replay.check(T0 + 60 * MIN, status({ source: "replay", simulated: true }), { mode: "dry-run", speaks: true })).toEqual([]);
  });

  test("nothing while this process does not speak for the trader", () => {
    const watch = new MarketWatch({ requested: "auto", stallAfterMs: 10 * MIN, startedAt: T0 });
    expect(watch.check(T0 + 11 * MIN, status(), { mode: "live", speaks: false })).toEqual([]);
  });
});

describe("daily summary", () => {
  test("the next summary is at the configured whole UTC hour, strictly after now", () => {
    expect(nextSummaryAt(T0, 0)).toBe(Date.UTC(2026, 11, 2, 0, 0, 0));
    expect(nextSummaryAt(T0, 13)).toBe(Date.UTC(2026, 11, 1, 13, 0, 0));
    expect(nextSummaryAt(T0, 12)).toBe(Date.UTC(2026, 11, 2, 12, 0, 0));
  });

  test("P&L and trades of the 24 hours, open positions, equity, drawdown and the kill switch's distance", () => {
    const at = Date.UTC(2026, 11, 2, 0, 0, 0);
    const trade = (closed_at: number, pnl: number) => ({ symbol: "BTCUSDT", side: "long" as const, size: 1, entry_price: 1, exit_price: 1, pnl, fees: 0, opened_at: closed_at - MIN, closed_at, close_reason: "tp" });
    const notice = dailySummary({
      at,
      hour: 0,
      mode: "dry-run",
      trades: [trade(at - MIN, 30), trade(at - 3 * 60 * MIN, -10.5), trade(at - 25 * 60 * MIN, 999)],
      openPositions: 2,
      account: { equity: 10_123.45, starting_balance: 10_000, drawdown_pct: 1.23, kill_switch_distance_pct: 48.77 },
      killSwitchPct: 50,
    });
    expect(plainText(notice)).toBe(
      "[DRY-RUN] Daily summary, 24 h to 00:00 UTC: P&L +19.50 USDT from 2 closed trade(s) (1 won, 1 lost); 2 position(s) open. Equity 10,123.45 USDT, drawdown 1.23 % from the baseline 10,000.00; the kill switch (50 %) is 48.77 % away.",
    );
    expect([notice.event, notice.priority]).toEqual(["daily_summary", "low"]);
    const unread = dailySummary({ at, hour: 0, mode: "paused", trades: [], openPositions: 0, account: null, accountError: "paper: disk full", killSwitchPct: 50 });
    expect(plainText(unread)).toBe("[PAUSED] Daily summary, 24 h to 00:00 UTC: no closed trades; no position open. Account not read (paper: disk full).");
  });
});
