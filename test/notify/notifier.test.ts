/**
 * The notifier on the real TraderController (in-memory ports, scripted
 * exchange) and the loopback stand-ins: each event type produces exactly one
 * message with the right text; the owner's on / silent / off and the dry-run
 * rule apply; a down channel delays nothing (asserted on the order of events)
 * and the message arrives after recovery; a failing channel is reported once;
 * only the process that speaks for the trader sends; the daily summary once.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { NotificationSettings } from "../../src/config/schema.ts";
import { setQuiet } from "../../src/log.ts";
import type { MarketSourceStatus } from "../../src/market/source.ts";
import { channelsFrom } from "../../src/notify/credentials.ts";
import { Notifier, type NotifierDeps } from "../../src/notify/notifier.ts";
import { startNotifyStandIn, type NotifyStandIn } from "../helpers/notify-stand-in.ts";
import { position } from "../helpers/trader-fakes.ts";
import { waitFor } from "../helpers/wait.ts";
import { makeSignals, makeWorld, type FakeWorld } from "../web/fakes.ts";

setQuiet(true);

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const MIN = 60_000;

interface Setup {
  world: FakeWorld;
  notifier: Notifier;
  standIn: NotifyStandIn;
  clock: { now: number };
  errorLog: string[];
  /** Telegram texts delivered since the last call. */
  next(count?: number): Promise<string[]>;
  /** How many Telegram texts next() has handed out. */
  seen(): number;
}

const running: Setup[] = [];
afterEach(async () => {
  for (const setup of running.splice(0)) {
    await setup.notifier.stop(0);
    await setup.world.controller.shutdown();
    setup.standIn.stop();
  }
});

async function setup(options: { settings?: Partial<NotificationSettings>; channels?: ("telegram" | "webhook" | "ntfy")[]; deps?: Partial<NotifierDeps> } = {}): Promise<Setup> {
  const world = makeWorld();
  const standIn = startNotifyStandIn();
  const clock = { now: T0 };
  const errorLog: string[] = [];
  const wanted = options.channels ?? ["telegram"];
  const channels = channelsFrom({
    telegram: wanted.includes("telegram") ? { token: standIn.token, chatId: standIn.chatId } : null,
    webhook: wanted.includes("webhook") ? { url: standIn.webhookUrl, secret: standIn.webhookSecret } : null,
    ntfy: wanted.includes("ntfy") ? { url: standIn.ntfyUrl } : null,
  }, standIn.url);
  world.config.config = { ...world.config.config, notifications: { ...world.config.config.notifications, ...options.settings } };
  const notifier = new Notifier({
    channels,
    trader: world.controller,
    record: world.record,
    now: () => clock.now,
    tickMs: 0,
    logError: (message) => errorLog.push(message),
    delivery: { timeoutMs: 300, firstRetryMs: 5, maxRetryMs: 20 },
    ...options.deps,
  });
  notifier.start();
  await world.controller.boot();
  let seen = 0;
  const result: Setup = {
    world, notifier, standIn, clock, errorLog,
    seen: () => seen,
    next: async (count = 1) => {
      await standIn.waitForDelivered("telegram", seen + count);
      await notifier.idle();
      const texts = standIn.texts("telegram");
      const fresh = texts.slice(seen);
      seen = texts.length;
      return fresh.map(fromHtml);
    },
  };
  running.push(result);
  return result;
}

/** Telegram's HTML back to the plain text the other channels get. */
function fromHtml(text: string): string {
  return text.replace(/<\/?b>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** Lets a background step (a paper event, the closing duty) run, then says whether anything else was sent. */
async function nothingMore(s: Setup): Promise<string[]> {
  await new Promise((resolve) => setTimeout(resolve, 30));
  await s.notifier.idle();
  return s.standIn.texts("telegram").slice(s.seen()).map(fromHtml);
}

describe("each event type: exactly one message, with the right text", () => {
  test("bot ON, mode changed, bot OFF", async () => {
    const s = await setup();
    await s.world.controller.start("page");
    expect(await s.next()).toEqual(["[PAUSED] Trader ON from the page"]);
    await s.world.controller.setMode("dry-run", undefined, "api");
    expect(await s.next()).toEqual(["[DRY-RUN] Mode changed via the API: paused → dry-run"]);
    await s.world.controller.stop("page");
    expect(await s.next()).toEqual(["[DRY-RUN] Trader OFF from the page: no more cycles (open positions stay open)"]);
    expect(await nothingMore(s)).toEqual([]);
  });

  test("trade opened and trade closed (per-trade messages in dry-run turned on)", async () => {
    const s = await setup({ settings: { dry_run_trades: "on" } });
    makeSignals(s.world, ["BTCUSDT"]);
    await s.world.controller.setMode("dry-run", undefined, "page");
    await s.next();
    await s.world.controller.runCycleNow("page");
    const [opened] = await s.next();
    expect(opened).toMatch(/^\[DRY-RUN\] Opened long BTCUSDT [0-9.]+ @ 10\.0000 ×10 — score 80$/);
    s.world.exchange.positions[0]!.current_price = 11;
    s.world.exchange.positions[0]!.unrealized_pnl = 12.5;
    await s.world.controller.closePosition("BTCUSDT", "page");
    expect(await s.next()).toEqual(["[DRY-RUN] Closed long BTCUSDT @ 11.0000, P&L +12.50 USDT — closed by owner (page)"]);
  });

  test("take profit: one message for the close and the hit", async () => {
    const s = await setup({ settings: { dry_run_trades: "on" } });
    s.world.exchange.positions = [position("ETHUSDT", "short", { current_price: 90, unrealized_pnl: 50, margin: 100 })];
    await s.world.controller.updateConfig({ mode: "dry-run", tp_pct: 20 }, "page");
    await s.next(); // the mode change
    await s.world.controller.runCycleNow("page");
    expect(await s.next()).toEqual(["[DRY-RUN] Take profit: closed short ETHUSDT @ 90.0000, P&L +50.00 USDT — take profit 50.00 % ≥ 20 %"]);
    expect(await nothingMore(s)).toEqual([]);
  });

  test("kill switch: the closes are in its message; the pause it caused adds nothing", async () => {
    const s = await setup();
    s.world.exchange.positions = [position("BTCUSDT", "long", { unrealized_pnl: -5 })];
    await s.world.controller.setMode("dry-run", undefined, "page");
    await s.next();
    s.world.exchange.balance = { equity: 4000, available: 4000, margin: 0, unrealized_pnl: 0 };
    await s.world.controller.runCycleNow("page");
    expect(await s.next()).toEqual([
      "[DRY-RUN] Kill switch tripped: equity 4,000.00 is 60.00 % below the baseline 10,000.00 (limit 50 %). Closed BTCUSDT, P&L −5.00 USDT. Trader paused and locked: clear the lockfile on /trader to trade again.",
    ]);
    expect(await nothingMore(s)).toEqual([]);
  });

  test("exchange error, then the circuit breaker (the second error of the kind is held back and counted), then lockfile cleared", async () => {
    const s = await setup();
    await s.world.controller.updateConfig({ mode: "dry-run", circuit_breaker_threshold: 2 }, "page");
    await s.next();
    s.world.exchange.failNext = 1;
    await s.world.controller.runCycleNow("page");
    expect(await s.next()).toEqual(["[DRY-RUN] Exchange call failed: balance: injected failure in getBalance"]);
    s.world.exchange.failNext = 1;
    await s.world.controller.runCycleNow("page");
    expect(await s.next()).toEqual([
      "[DRY-RUN] Circuit breaker tripped: 2 consecutive failed exchange reads (last: balance: injected failure in getBalance). Lockfile written: no new orders until you clear it on /trader.",
    ]);
    await s.world.controller.clearLock("page");
    expect(await s.next()).toEqual([
      "[DRY-RUN] Lockfile cleared from the page (was: circuit breaker: 2 consecutive failed exchange reads (last: balance: injected failure in getBalance)): new orders are allowed again.",
    ]);
    // Ten minutes on, the held-back error is counted in one message.
    s.clock.now = T0 + 10 * MIN;
    s.notifier.tick();
    expect(await s.next()).toEqual(["[DRY-RUN] Exchange errors (balance): 1 more in the last 10 min; the last: Exchange call failed: balance: injected failure in getBalance"]);
  });

  test("emergency stop: one message with each close's result; the close that keeps failing; and its end", async () => {
    const s = await setup();
    s.world.exchange.positions = [position("BTCUSDT", "long", { unrealized_pnl: 12.5 }), position("ETHUSDT", "short")];
    s.world.exchange.closeFailures = { ETHUSDT: 1_000_000 };
    await s.world.controller.setMode("dry-run", undefined, "page");
    await s.world.controller.start("page");
    await s.next(2);
    await s.world.controller.emergencyStop("page");
    expect(await s.next(2)).toEqual([
      "[DRY-RUN] Could not close ETHUSDT: injected close failure for ETHUSDT. The bot keeps retrying (Closing on /trader).",
      "[DRY-RUN] Emergency stop from the page: trader OFF, paused, locked. Closed BTCUSDT, P&L +12.50 USDT; ETHUSDT NOT closed (injected close failure for ETHUSDT), the bot keeps retrying.",
    ]);
    // The closing duty's own failures are held back (one message per coin per 10 min) …
    await s.world.controller.retryClosesNow();
    expect(await nothingMore(s)).toEqual([]);
    // … and its success ends the story.
    s.world.exchange.closeFailures = {};
    await waitFor("the closing duty closed ETHUSDT", async () => {
      await s.world.controller.retryClosesNow();
      return s.world.controller.status().closing.length === 0;
    });
    expect(await s.next()).toEqual(["[DRY-RUN] Closed short ETHUSDT @ 100.00, P&L 0.00 USDT after retrying — emergency stop"]);
  });

  test("Redis lost and restored, the market feed stalled and back", async () => {
    const bus = { kind: "redis" as const, connected: true, isConnected() { return this.connected; } };
    const market = { value: { source: "binance", simulated: false, banner: null, lastUpdate: { "5m": T0, "1h": T0, "4h": T0 }, lastError: null, symbols: [] } as MarketSourceStatus, status() { return this.value; } };
    const s = await setup({ deps: { bus, market, redisGraceMs: 0 } });
    bus.connected = false;
    s.clock.now = T0 + MIN;
    s.notifier.tick();
    expect(await s.next()).toEqual(["[PAUSED] Redis unreachable: open positions are still managed, nothing new is opened until it is back"]);
    bus.connected = true;
    s.clock.now = T0 + 2 * MIN;
    s.notifier.tick();
    expect(await s.next()).toEqual(["[PAUSED] Redis reachable again after 1 min"]);
    s.clock.now = T0 + 11 * MIN;
    s.notifier.tick();
    expect(await s.next()).toEqual(["[PAUSED] Market feed stalled: no 5m candle update for 11 min. No new positions on stale coins."]);
    market.value = { ...market.value, lastUpdate: { "5m": T0 + 12 * MIN, "1h": T0, "4h": T0 } };
    s.clock.now = T0 + 12 * MIN;
    s.notifier.tick();
    expect(await s.next()).toEqual(["[PAUSED] Market feed back: 5m candles arrive again (stalled for 12 min)"]);
  });

  test("daily summary at the configured UTC hour, once", async () => {
    const s = await setup({ settings: { daily_summary_hour_utc: 13 } });
    s.notifier.tick();
    s.clock.now = Date.UTC(2026, 11, 1, 12, 59, 59);
    s.notifier.tick();
    expect(s.standIn.delivered("telegram")).toEqual([]);
    s.clock.now = Date.UTC(2026, 11, 1, 13, 0, 1);
    s.notifier.tick();
    s.notifier.tick();
    expect(await s.next()).toEqual([
      "[PAUSED] Daily summary, 24 h to 13:00 UTC: no closed trades; no position open. Equity 10,000.00 USDT, drawdown 0.00 % from the baseline 10,000.00; the kill switch (50 %) is 50.00 % away.",
    ]);
    expect(await nothingMore(s)).toEqual([]);
  });

  test("every configured channel gets the message", async () => {
    const s = await setup({ channels: ["telegram", "webhook", "ntfy"] });
    await s.world.controller.start("api");
    await Promise.all([s.standIn.waitForDelivered("telegram", 1), s.standIn.waitForDelivered("webhook", 1), s.standIn.waitForDelivered("ntfy", 1)]);
    expect(s.standIn.texts("webhook")).toEqual(["[PAUSED] Trader ON via the API"]);
    expect(s.standIn.texts("ntfy")).toEqual(["[PAUSED] Trader ON via the API"]);
    expect(s.standIn.delivered("webhook")[0]?.signatureValid).toBe(true);
  });
});

describe("the owner's settings", () => {
  test("off sends nothing, silent sends without sound; per-trade messages in dry-run follow dry_run_trades (off by default)", async () => {
    const s = await setup({ settings: { bot_on_off: "off", mode_changed: "silent" } });
    await s.world.controller.start("page");
    await s.world.controller.setMode("dry-run", undefined, "page");
    await s.next();
    expect(s.standIn.delivered("telegram").map((a) => [a.json.text, a.json.disable_notification])).toEqual([["<b>[DRY-RUN]</b> Mode changed from the page: paused → dry-run", true]]);
    makeSignals(s.world, ["BTCUSDT"]);
    await s.world.controller.runCycleNow("page");
    expect(await nothingMore(s)).toEqual([]);
    // A hand edit counts at once: per-trade messages in dry-run, silent.
    s.world.config.config = { ...s.world.config.config, notifications: { ...s.world.config.config.notifications, dry_run_trades: "silent" } };
    await s.world.controller.closePosition("BTCUSDT", "page");
    await s.next();
    expect(s.standIn.delivered("telegram").at(-1)?.json.disable_notification).toBe(true);
  });
});

describe("never in the way", () => {
  test("a channel that hangs, then answers 500 and 429, delays no cycle and no emergency stop; the messages arrive after recovery, in order", async () => {
    const s = await setup({ settings: { dry_run_trades: "on" }, deps: { delivery: { timeoutMs: 60_000, firstRetryMs: 5, maxRetryMs: 20 } } });
    const order: string[] = [];
    s.standIn.onArrival((arrival) => order.push(`${arrival.channel} ${arrival.answer}`));
    s.standIn.script("telegram", "hang", { status: 500 }, { status: 429, retryAfter: 1 });
    makeSignals(s.world, ["BTCUSDT", "ETHUSDT"]);
    await s.world.controller.setMode("dry-run", undefined, "page");
    order.push("mode set");
    // The first message is stuck in Telegram's hands from here on.
    await waitFor("the stand-in holding the first message", () => order.includes("telegram hang"));
    await s.world.controller.runCycleNow("page");
    order.push("cycle done");
    await s.world.controller.emergencyStop("page");
    order.push("emergency stop done");
    expect(order).toEqual(["mode set", "telegram hang", "cycle done", "emergency stop done"]);
    expect(s.standIn.delivered("telegram")).toEqual([]);
    s.standIn.release(); // the stuck request is answered 500; then 500, then 429 with retry_after 1
    const texts = await s.next(4);
    expect(texts.map((t) => t.split(" ").slice(0, 4).join(" "))).toEqual([
      "[DRY-RUN] Mode changed from",
      "[DRY-RUN] Opened long BTCUSDT",
      "[DRY-RUN] Opened long ETHUSDT",
      "[DRY-RUN] Emergency stop from",
    ]);
    expect(order.slice(4)).toEqual(["telegram 500", "telegram 429", "telegram 200", "telegram 200", "telegram 200", "telegram 200"]);
    // Reported once in the error log, whatever the number of retries.
    expect(s.errorLog).toEqual(["Telegram notifications failing: HTTP 500; 4 message(s) waiting, retried with back-off"]);
    const telegram = s.notifier.status().channels.find((c) => c.name === "telegram");
    expect(telegram).toMatchObject({ configured: true, failing: false, waiting: 0, sent: 4, last_error: "HTTP 429: Too Many Requests: retry after 1" });
  });
});

describe("who sends", () => {
  test("a process that does not speak for the trader sends no trade event and no summary; its owner's test message still goes", async () => {
    const lease = { holder: "A" };
    const a = await setup({ deps: { speaks: () => lease.holder === "A" } });
    const b = await setup({ deps: { speaks: () => lease.holder === "B" } });
    for (const s of [a, b]) await s.world.controller.start("page");
    await a.next();
    expect(await nothingMore(b)).toEqual([]);
    // The summary hour passes on both: only the holder sends it.
    for (const s of [a, b]) {
      s.notifier.tick();
      s.clock.now = Date.UTC(2026, 11, 2, 0, 0, 1);
      s.notifier.tick();
    }
    expect((await a.next())[0]).toStartWith("[PAUSED] Daily summary");
    expect(await nothingMore(b)).toEqual([]);
    expect(await b.notifier.sendTest("telegram")).toEqual({ ok: true, message: "Test message sent to Telegram" });
    expect(b.standIn.texts("telegram")).toEqual(["<b>[PAUSED]</b> Test message from the CoinEx trader to Telegram: notifications work."]);
    expect(b.notifier.status().speaks).toBe(false);
  });
});

describe("test messages and the channel list", () => {
  test("each channel says whether it is configured (by variable names), and its last success or failure", async () => {
    const s = await setup({ channels: ["telegram"] });
    s.standIn.script("telegram", { status: 401 });
    expect(await s.notifier.sendTest("telegram")).toEqual({ ok: false, message: "Test message to Telegram failed: HTTP 401: Unauthorized (check TELEGRAM_BOT_TOKEN)" });
    expect(await s.notifier.sendTest("ntfy")).toEqual({ ok: false, message: "ntfy is not configured: set NTFY_URL in the server's environment" });
    expect(await s.notifier.sendTest("telegram")).toEqual({ ok: true, message: "Test message sent to Telegram" });
    const [telegram, webhook, ntfy] = s.notifier.status().channels;
    expect(telegram).toMatchObject({ name: "telegram", label: "Telegram", configured: true, last_error: "HTTP 401: Unauthorized (check TELEGRAM_BOT_TOKEN)" });
    expect(telegram?.last_success_at).toBe(T0);
    expect(webhook).toEqual({ name: "webhook", label: "Webhook", configured: false, needs: "WEBHOOK_URL (and WEBHOOK_SECRET to sign)" });
    expect(ntfy?.configured).toBe(false);
    expect(JSON.stringify(s.notifier.status())).not.toContain(s.standIn.token);
  });
});
