/**
 * The read-only trader mirror of a `web` instance, driven the way production
 * drives it: a real TraderController (paper exchange, SQLite journal) published
 * on a MemoryBus by the real publishTrader, read back by RemoteTrader — plus
 * hand-written keys and events (exactly the shapes publishTrader writes) for
 * staleness, outages and change topics.
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publishTrader } from "../../src/app/bus-publishers.ts";
import { journalFor, recordViewFor } from "../../src/app/record.ts";
import { READ_ONLY_MESSAGE, RemoteTrader } from "../../src/app/remote-trader.ts";
import { channels, keys } from "../../src/bus/keys.ts";
import { MemoryBus } from "../../src/bus/memory-bus.ts";
import type { BalanceState, BusPosition, KeyName, KeyValue, TraderStatus as BusTraderStatus } from "../../src/bus/payloads.ts";
import { DEFAULT_TRADER_CONFIG, type TraderConfig, type TraderConfigPatch } from "../../src/config/schema.ts";
import { PaperExchange } from "../../src/exchange/paper-exchange.ts";
import { setQuiet } from "../../src/log.ts";
import { openStore } from "../../src/store/trader-store.ts";
import { INITIAL_TRADER_STATE, TraderController, type ChangeTopic, type PersistedTraderState } from "../../src/trader/controller.ts";
import type { LockInfo } from "../../src/trader/ports.ts";
import { coin } from "../helpers/trader-fakes.ts";
import { waitFor } from "../helpers/wait.ts";

setQuiet(true);

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A bus that records every write and can pretend Redis is down. */
class TestBus extends MemoryBus {
  writes: string[] = [];
  up = true;
  override async set<K extends KeyName>(key: K, value: KeyValue<K>, ttlSeconds?: number): Promise<void> {
    this.writes.push(`set ${key}`);
    return super.set(key, value, ttlSeconds);
  }
  override async publish<C extends Parameters<MemoryBus["publish"]>[0]>(channel: C, message: Parameters<MemoryBus["publish"]>[1]): Promise<void> {
    this.writes.push(`publish ${channel}`);
    return super.publish(channel, message as never);
  }
  override isConnected(): boolean {
    return this.up && super.isConnected();
  }
}

function remoteOn(bus: TestBus, options: ConstructorParameters<typeof RemoteTrader>[1] = {}): RemoteTrader {
  const remote = new RemoteTrader(bus, { pollMs: 5, ...options });
  cleanups.push(() => remote.close());
  return remote;
}

/** The real trader: paper exchange at fixed prices without slippage, SQLite journal, a fixed clock. */
function realTrader(bus: TestBus, publishOptions: Parameters<typeof publishTrader>[2] = {}) {
  const dir = mkdtempSync(join(tmpdir(), "remote-trader-"));
  const clock = { now: 1_700_000_000_000 };
  const prices: Record<string, number> = { BTCUSDT: 100 };
  const paper = new PaperExchange({ priceOf: (s) => prices[s], statePath: join(dir, "paper.json"), slippageBps: 0, now: () => clock.now });
  const store = openStore(dir);
  let config: TraderConfig = { ...DEFAULT_TRADER_CONFIG, mode: "dry-run" };
  let state: PersistedTraderState = { ...INITIAL_TRADER_STATE };
  const lock = { value: null as LockInfo | null };
  const controller = new TraderController({
    config: {
      current: () => config,
      read: async () => config,
      update: async (patch: TraderConfigPatch) => ({ ok: true as const, config: (config = { ...config, ...patch }) }),
    },
    state: { load: async () => state, save: async (next) => void (state = next) },
    lockFile: {
      read: async () => lock.value,
      write: async (info) => void (lock.value = { ...info, at: new Date(clock.now).toISOString() }),
      clear: async () => void (lock.value = null),
    },
    journal: journalFor(store),
    paper,
    coinex: null,
    market: () => ({ name: "sim", simulated: true, banner: "Simulated prices: not real market data" }),
    coins: () => [coin("BTCUSDT", 80, 0)],
    now: () => clock.now,
    sleep: async () => {},
    accountRefreshMs: 0,
    closeRetryDelayMs: 0,
    cycleIntervalMs: 3_600_000,
  });
  const unpublish = publishTrader(bus, controller, publishOptions);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => store.close());
  cleanups.push(() => controller.shutdown());
  cleanups.push(unpublish);
  return { controller, prices, lock, store, clock, unpublish };
}

/** A trader status payload as publishTrader writes it. */
function statusPayload(updatedAt: number, extra: Partial<BusTraderStatus> = {}): BusTraderStatus {
  return {
    mode: "dry-run",
    running: true,
    lock: null,
    market_source: { name: "binance", simulated: false, banner: null },
    exchange: "paper",
    live: { possible: false, reason: "no CoinEx exchange", confirmed: false },
    account_error: null,
    last_cycle: null,
    status: "enabled",
    uptime_s: 60,
    last_trade: null,
    updated_at: updatedAt,
    ...extra,
  };
}

function balancePayload(updatedAt: number, equity: number): BalanceState {
  return { equity, available: equity, margin: 0, unrealized_pnl: 0, starting_balance: 10_000, drawdown_pct: 0, kill_switch_distance_pct: 50, updated_at: updatedAt };
}

const ETH_POSITION: BusPosition = {
  symbol: "ETHUSDT", side: "short", size: 2, entry_price: 2000, current_price: 1950, unrealized_pnl: 100, margin: 400, leverage: 10, opened_at: 1_699_999_000_000,
  stop_loss_price: null, take_profit_price: null, liquidation_price: null,
};

test("mirrors the trader's status exactly after a cycle opens a position, and follows price moves", async () => {
  const bus = new TestBus();
  const trader = realTrader(bus);
  const remote = remoteOn(bus);
  await remote.connect();
  await trader.controller.boot();
  await trader.controller.start("api"); // ON: the first cycle runs at once and opens BTCUSDT long

  await waitFor("the opened position on the remote", () => remote.status().positions.length === 1 && Bun.deepEquals(remote.status(), trader.controller.status()));
  // Hand-derived: 5 % of 10 000 = 500 USDT for margin + fee at 10×: 500 / (1/10 + 0.0005) = 4975.12 notional
  // at price 100 → 49.7512 BTC (4 decimals, down), margin 497.512.
  expect(remote.status().positions[0]).toMatchObject({ symbol: "BTCUSDT", side: "long", size: 49.7512, entry_price: 100, margin: 497.512, leverage: 10, pnl: 0, pnl_pct: 0 });
  expect(remote.status()).toMatchObject({ mode: "dry-run", running: true, exchange: "paper", account_error: null });
  expect(remote.status().last_cycle?.actions).toEqual(["opened long BTCUSDT"]);

  // Price +10 %, and a lockfile appears: both must travel (lock.at back to the same ISO time).
  trader.prices.BTCUSDT = 110;
  trader.lock.value = { reason: "circuit breaker: 3 consecutive exchange failures", at: new Date(trader.clock.now).toISOString(), source: "circuit_breaker", count: 3 };
  await trader.controller.refreshAccount();
  await waitFor("the price move on the remote", () => Math.abs((remote.status().positions[0]?.pnl ?? 0) - 497.512) < 1e-9 && Bun.deepEquals(remote.status(), trader.controller.status()));
  const status = remote.status();
  expect(status).toEqual(trader.controller.status());
  // (110 − 100) × 49.7512 = 497.512 USDT on 497.512 margin = 100 %; equity 10 000 − 2.48756 fee + 497.512.
  expect(status.positions[0]?.pnl_pct).toBeCloseTo(100, 9);
  expect(status.account?.equity).toBeCloseTo(10_495.02444, 6);
  expect(status.lock).toEqual({ reason: "circuit breaker: 3 consecutive exchange failures", at: "2023-11-14T22:13:20.000Z", source: "circuit_breaker", count: 3 });
});

test("the record shows the trade's open and close as they happened, newest first, and the equity curve", async () => {
  const bus = new TestBus();
  const trader = realTrader(bus);
  const remote = remoteOn(bus);
  await remote.connect();
  await trader.controller.boot();
  await trader.controller.runCycleNow("api");
  trader.prices.BTCUSDT = 110;
  await trader.controller.refreshAccount();
  await waitFor("equity at 110 on the remote", () => remote.record.equityCurve(100).some((p) => Math.abs(p.equity - 10_495.02444) < 1e-6));

  trader.clock.now += 60_000;
  const closed = await trader.controller.closePosition("BTCUSDT", "api");
  expect(closed.ok).toBe(true);
  await waitFor("the closed trade on the remote", () => remote.record.closedTrades(10).length === 1 && remote.status().positions.length === 0);

  const trades = remote.record.logs({ kind: "trade", limit: 10 });
  expect(trades.map((e) => e.message)).toEqual([
    "Closed long BTCUSDT at 110.00 (closed by owner (api)), P&L +492.29 USDT",
    "Opened long BTCUSDT 49.7512 @ 100.000 ×10, margin 497.51 USDT (long BTCUSDT 80 (threshold 45))",
  ]);
  expect(remote.record.logs({ limit: 10 })).toEqual(trades);
  expect(remote.record.logs({ kind: "signal", limit: 10 })).toEqual([]);

  // The same trade as the trader's own SQLite record, field by field…
  const [mine] = remote.record.closedTrades(10);
  const [theirs] = recordViewFor(trader.store).closedTrades(10);
  const shared = ["symbol", "side", "size", "entry_price", "exit_price", "opened_at", "closed_at", "close_reason", "pnl", "fees"] as const;
  for (const field of shared) expect(mine?.[field]).toEqual(theirs?.[field] as never);
  // The whole trade's net, as SQLite keeps it: gross 497.512 − opening fee (4975.12 × 0.05 % = 2.48756)
  // − closing fee (49.7512 × 110 × 0.05 % = 2.736316); the opening fee travels on trade_open.
  expect(mine?.pnl).toBeCloseTo(492.288124, 9);
  expect(mine?.fees).toBeCloseTo(5.223876, 9);

  // Equity after the close: 10 000 + the trade's net.
  await waitFor("the equity after the close", () => Math.abs((remote.record.equityCurve(100).at(-1)?.equity ?? 0) - 10_492.288124) < 1e-6);
  const curve = remote.record.equityCurve(100);
  expect(curve.map((p) => p.at)).toEqual([...curve.map((p) => p.at)].sort((a, b) => a - b));
  expect(new Set(curve.map((p) => p.at)).size).toBe(curve.length);
});

test("state:trader:status carries the spec's status (locked > enabled > disabled), uptime_s and last_trade", async () => {
  const bus = new TestBus();
  const trader = realTrader(bus, { processStartedAt: Date.now() - 90_400 });
  const published = async (what: string, check: (status: BusTraderStatus) => boolean) => {
    let seen: BusTraderStatus | null = null;
    await waitFor(what, async () => {
      seen = await bus.get(keys.traderStatus);
      return seen !== null && check(seen);
    });
    return seen! as BusTraderStatus;
  };
  await trader.controller.boot();
  const off = await published("the OFF trader", (s) => s.running === false);
  expect(off).toMatchObject({ status: "disabled", last_trade: null });
  expect(off.uptime_s).toBeGreaterThanOrEqual(90);
  expect(off.uptime_s).toBeLessThan(120);

  await trader.controller.start("api"); // ON: the first cycle opens BTCUSDT long
  const opened = await published("the open", (s) => s.last_trade !== null);
  expect(opened).toMatchObject({ status: "enabled", running: true });
  expect(opened.last_trade).toEqual({ symbol: "BTCUSDT", side: "long", action: "open", at: "2023-11-14T22:13:20.000Z" });

  // A lockfile wins over ON.
  trader.lock.value = { reason: "circuit breaker: 3 consecutive exchange failures", at: new Date(trader.clock.now).toISOString(), source: "circuit_breaker", count: 3 };
  await trader.controller.refreshAccount();
  expect(await published("the lock", (s) => s.lock !== null)).toMatchObject({ status: "locked", running: true });
  trader.lock.value = null;
  await trader.controller.refreshAccount();
  await published("the lock cleared", (s) => s.lock === null && s.status === "enabled");

  // Publishing stops (lease lost) and starts again: a close made meanwhile is still the last trade.
  trader.unpublish();
  trader.clock.now += 60_000;
  expect((await trader.controller.closePosition("BTCUSDT", "api")).ok).toBe(true);
  const again = publishTrader(bus, trader.controller);
  cleanups.push(again);
  const closed = await published("the close", (s) => s.last_trade?.action === "close");
  expect(closed.last_trade).toEqual({ symbol: "BTCUSDT", side: "long", action: "close", at: "2023-11-14T22:14:20.000Z" });
  // Without processStartedAt, uptime counts from this process's start.
  expect(closed.uptime_s).toBe(Math.round(process.uptime()));
});

test("with no trader state on Redis it fails safe and says why", async () => {
  const remote = remoteOn(new TestBus());
  await remote.connect();
  const status = remote.status();
  expect(status).toMatchObject({ mode: "paused", running: false, account: null, positions: [], lock: null, last_cycle: null });
  expect(status.live).toEqual({ possible: false, reason: status.account_error, confirmed: false });
  expect(status.account_error).toBe("no trader is publishing its state on Redis (state:trader:status missing or not updated for 30 s)");
  expect(status.config).toEqual(DEFAULT_TRADER_CONFIG);
  expect(status.market_source.simulated).toBe(true);
});

test("a state not updated for longer than staleAfterMs fails safe but keeps the last known positions", async () => {
  const bus = new TestBus();
  const clock = { now: Date.UTC(2024, 0, 1, 12, 0, 0) };
  const updatedAt = clock.now;
  await bus.set(keys.traderStatus, statusPayload(updatedAt, { mode: "live", live: { possible: true, reason: null, confirmed: true } }));
  await bus.set(keys.positions, [ETH_POSITION]);
  await bus.set(keys.balance, balancePayload(updatedAt, 10_100));
  await bus.set(keys.traderConfig, { ...DEFAULT_TRADER_CONFIG, mode: "live", max_leverage: 20 });
  const remote = remoteOn(bus, { now: () => clock.now, staleAfterMs: 30_000 });
  const topics: ChangeTopic[] = [];
  remote.onChange((topic) => topics.push(topic));
  await remote.connect();

  clock.now = updatedAt + 30_000; // exactly at the limit: still fresh
  expect(remote.status()).toMatchObject({ mode: "live", running: true, account: { equity: 10_100 } });
  topics.length = 0;

  clock.now = updatedAt + 30_001;
  await waitFor("the stale state to be noticed", () => topics.includes("status"));
  const status = remote.status();
  expect(status).toMatchObject({ mode: "paused", running: false, account: null, live: { possible: false, confirmed: false } });
  expect(status.account_error).toBe(
    "no trader is publishing its state on Redis (state:trader:status not updated for more than 30 s; last at 12:00:00 UTC); 1 position(s) shown as last seen",
  );
  // 100 USDT on 400 margin = 25 %.
  expect(status.positions).toEqual([{ symbol: "ETHUSDT", side: "short", size: 2, entry_price: 2000, current_price: 1950, pnl: 100, pnl_pct: 25, margin: 400, leverage: 10, opened_at: 1_699_999_000_000, stop_loss_price: null, take_profit_price: null, liquidation_price: null }]);
  expect(status.config.max_leverage).toBe(20);
  expect(topics.sort()).toEqual(["account", "status"]);

  // The trader publishes again: back to its own view.
  await bus.set(keys.traderStatus, statusPayload(clock.now, { mode: "live", live: { possible: true, reason: null, confirmed: true } }));
  await bus.set(keys.balance, balancePayload(clock.now, 10_200));
  await waitFor("the fresh state", () => remote.status().mode === "live");
  expect(remote.status()).toMatchObject({ running: true, account_error: null, account: { equity: 10_200 } });
});

test("while Redis is unreachable it shows the state as last seen, and recovers when Redis returns", async () => {
  const bus = new TestBus();
  const updatedAt = Date.UTC(2024, 0, 1, 12, 34, 56);
  const clock = { now: updatedAt + 1000 };
  await bus.set(keys.traderStatus, statusPayload(updatedAt));
  await bus.set(keys.positions, [ETH_POSITION]);
  await bus.set(keys.balance, balancePayload(updatedAt, 10_100));
  const remote = remoteOn(bus, { now: () => clock.now });
  const topics: ChangeTopic[] = [];
  remote.onChange((topic) => topics.push(topic));
  await remote.connect();
  expect(remote.status()).toMatchObject({ mode: "dry-run", running: true });

  topics.length = 0;
  bus.up = false;
  await waitFor("the outage to be noticed", () => topics.includes("status"));
  expect(remote.status()).toMatchObject({ mode: "paused", running: false, account: null, live: { possible: false } });
  expect(remote.status().account_error).toBe("Redis unreachable: showing the trader state as last seen at 12:34:56 UTC; 1 position(s) shown as last seen");
  expect(remote.status().positions.map((p) => p.symbol)).toEqual(["ETHUSDT"]);

  topics.length = 0;
  bus.up = true;
  await waitFor("the recovery", () => topics.includes("status"));
  expect(remote.status()).toMatchObject({ mode: "dry-run", running: true, account_error: null, account: { equity: 10_100 } });
});

test("Redis unreachable before any state was seen says so", async () => {
  const bus = new TestBus();
  bus.up = false;
  const remote = remoteOn(bus);
  await remote.connect();
  expect(remote.status()).toMatchObject({ mode: "paused", running: false, account: null, positions: [], account_error: "Redis unreachable: no trader state seen yet" });
});

test("every control is refused with the read-only message and writes nothing", async () => {
  const bus = new TestBus();
  const now = Date.now();
  await bus.set(keys.traderStatus, statusPayload(now));
  await bus.set(keys.positions, [ETH_POSITION]);
  await bus.set(keys.balance, balancePayload(now, 10_100));
  await bus.set(keys.traderConfig, { ...DEFAULT_TRADER_CONFIG, mode: "dry-run" });
  const before = [keys.traderStatus, keys.positions, keys.balance, keys.traderConfig].map((k) => bus.peekRaw(k));
  bus.writes = [];
  const remote = remoteOn(bus);
  await remote.connect();
  const topics: ChangeTopic[] = [];
  remote.onChange((topic) => topics.push(topic));

  const refusal = { ok: false, message: READ_ONLY_MESSAGE };
  expect(await remote.start("page")).toEqual(refusal);
  expect(await remote.stop("api")).toEqual(refusal);
  expect(await remote.pause("page")).toEqual(refusal);
  expect(await remote.setMode("live", "LIVE", "page")).toEqual(refusal);
  expect(await remote.updateConfig({ mode: "paused" }, "api")).toEqual({ ok: false, error: READ_ONLY_MESSAGE, issues: [] });
  expect(await remote.emergencyStop("page")).toEqual(refusal);
  expect(await remote.clearLock("api")).toEqual(refusal);
  expect(await remote.closePosition("ETHUSDT", "page")).toEqual({ ...refusal, status: 503 });
  expect(await remote.closeAllPositions("page")).toEqual(refusal);
  expect(await remote.runCycleNow("api")).toEqual(refusal);

  expect(bus.writes).toEqual([]);
  expect([keys.traderStatus, keys.positions, keys.balance, keys.traderConfig].map((k) => bus.peekRaw(k))).toEqual(before);
  expect(remote.status()).toMatchObject({ mode: "dry-run", running: true, positions: [{ symbol: "ETHUSDT" }] });
  expect(topics).toEqual([]);
  expect(READ_ONLY_MESSAGE).toContain("read-only web instance");

  const custom = remoteOn(bus, { readOnlyMessage: "controls live at https://trader.internal" });
  expect(await custom.closePosition("ETHUSDT", "api")).toEqual({ ok: false, message: "controls live at https://trader.internal", status: 503 });
});

test("listeners hear only the topic that changed; a republish with nothing new is silent", async () => {
  const bus = new TestBus();
  const clock = { now: 1_700_000_000_000 };
  let at = clock.now;
  await bus.set(keys.traderStatus, statusPayload(at));
  await bus.set(keys.traderConfig, DEFAULT_TRADER_CONFIG);
  await bus.set(keys.positions, []);
  await bus.set(keys.balance, balancePayload(at, 10_000));
  const remote = remoteOn(bus, { now: () => clock.now });
  await remote.connect();
  const topics: ChangeTopic[] = [];
  remote.onChange((topic) => topics.push(topic));
  // Each step: a republish of the status unchanged (new updated_at only) plus one real change.
  let statusNow: Partial<BusTraderStatus> = {};
  const step = async (change: () => Promise<void>, expected: ChangeTopic[]) => {
    topics.length = 0;
    at += 1;
    // uptime_s moves on with every heartbeat: that is not a change either.
    await bus.set(keys.traderStatus, statusPayload(at, { uptime_s: 60 + at - clock.now, ...statusNow }));
    await change();
    await waitFor(`topics ${expected.join(", ")}`, () => topics.length >= expected.length);
    expect(topics.sort()).toEqual(expected);
  };

  await step(async () => void (await bus.set(keys.traderConfig, { ...DEFAULT_TRADER_CONFIG, tp_pct: 20 })), ["config"]);
  expect(remote.status().config.tp_pct).toBe(20);
  await step(async () => void (await bus.set(keys.positions, [ETH_POSITION])), ["account"]);
  await step(async () => void (await bus.set(keys.balance, balancePayload(at, 10_050))), ["account"]);
  expect(remote.status().account?.equity).toBe(10_050);
  await step(async () => void (await bus.set(keys.traderStatus, statusPayload(at, (statusNow = { running: false })))), ["status"]);
  expect(remote.status().running).toBe(false);
  await step(() => bus.publish(channels.traderEvents, { type: "error", at, message: "Could not close ETHUSDT: timeout" }), ["logs"]);
  expect(remote.record.logs({ kind: "error", limit: 5 }).map((e) => e.message)).toEqual(["Could not close ETHUSDT: timeout"]);

  // After close() nothing more is heard.
  remote.close();
  topics.length = 0;
  await bus.publish(channels.traderEvents, { type: "control", at, message: "Emergency stop" });
  await bus.set(keys.traderConfig, { ...DEFAULT_TRADER_CONFIG, tp_pct: 30 });
  const probe = remoteOn(bus);
  await probe.connect(); // a second reader that did see the new config proves the writes landed
  expect(probe.status().config.tp_pct).toBe(30);
  expect(topics).toEqual([]);
  expect(remote.status().config.tp_pct).toBe(20);
});

test("a malformed last_cycle or lock field is shown as nothing rather than breaking the page", async () => {
  const bus = new TestBus();
  const now = Date.now();
  await bus.set(keys.traderStatus, statusPayload(now, { last_cycle: { at: "yesterday" }, lock: { reason: "kill switch", at: now } }));
  const remote = remoteOn(bus);
  await remote.connect();
  expect(remote.status().last_cycle).toBeNull();
  // A lock without its source still shows as a lock (fail safe), with the source unknown.
  expect(remote.status().lock).toEqual({ reason: "kill switch", at: new Date(now).toISOString(), source: "unknown" });
});

test("bad or incomplete events never throw: they are logged, and only complete closes become history rows", async () => {
  const bus = new TestBus();
  const remote = remoteOn(bus);
  await remote.connect();
  const topics: ChangeTopic[] = [];
  remote.onChange((topic) => topics.push(topic));

  bus.publishRaw(channels.traderEvents, "{not json");
  bus.publishRaw(channels.traderEvents, JSON.stringify({ type: "trade_close", at: 5, message: "" }));
  await bus.publish(channels.traderEvents, { type: "trade_close", at: 10, symbol: "BTCUSDT", message: "Closed long BTCUSDT (old trader)", data: { reason: "tp", pnl: 5 } });
  await bus.publish(channels.traderEvents, { type: "trade_close", at: 11, symbol: "BTCUSDT", message: "Closed with nonsense", data: { side: "up", size: "big", fee: null } });
  await bus.publish(channels.traderEvents, { type: "kill_switch", at: 12, message: "kill switch: equity 4000.00 is 60.00% below", data: { outcomes: [] } });
  await waitFor("the valid events", () => topics.length === 3);

  expect(remote.record.closedTrades(10)).toEqual([]);
  expect(remote.record.logs({ kind: "trade", limit: 10 }).map((e) => e.message)).toEqual(["Closed with nonsense", "Closed long BTCUSDT (old trader)"]);
  expect(remote.record.logs({ kind: "error", limit: 10 }).map((e) => e.message)).toEqual(["kill switch: equity 4000.00 is 60.00% below"]);
});
