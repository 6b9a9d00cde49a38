import { describe, expect, test } from "bun:test";
import { freshCycleMemory, runCycle } from "../../src/trader/cycle.ts";
import { coin, HARNESS_NOW, makePorts, position, ScriptedExchange } from "../helpers/trader-fakes.ts";

const hot = [coin("BTCUSDT", 90, 10), coin("ETHUSDT", 80, 10), coin("SOLUSDT", 10, 85), coin("XRPUSDT", 70, 5), coin("ADAUSDT", 20, 20)];

describe("trading cycle rules", () => {
  test("paused returns before any exchange call", async () => {
    const exchange = new ScriptedExchange();
    const h = makePorts(exchange, { mode: "paused" }, hot);
    const summary = await runCycle(h.ports, freshCycleMemory());
    expect(exchange.calls).toEqual([]);
    expect(summary.skipped).toBe("mode is paused");
    expect(h.journal.of("cycle")).toEqual(["Cycle skipped: mode is paused"]);
  });

  test("dry-run opens the strongest signals up to max_positions, long and short (ties by symbol)", async () => {
    // Margins over threshold: BTC +45, ETH +35, SOL short +35, XRP +25.
    const exchange = new ScriptedExchange();
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 3 }, hot);
    const summary = await runCycle(h.ports, freshCycleMemory());
    expect(exchange.orders.map((o) => `${o.side} ${o.symbol}`)).toEqual(["buy BTCUSDT", "buy ETHUSDT", "sell SOLUSDT"]);
    expect(summary.actions).toHaveLength(3);
    const notActed = h.journal.of("signal").filter((m) => m.includes("not acted"));
    expect(notActed).toEqual([expect.stringContaining("XRPUSDT 70 + 0 = 70 (threshold 45): not acted — max positions reached (3)")]);
    expect(h.journal.opened).toHaveLength(3);
  });

  test("size is position_size_pct of equity (margin + fee) at min(max_leverage, market max)", async () => {
    const exchange = new ScriptedExchange();
    exchange.prices.BTCUSDT = 50_000;
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 1, position_size_pct: 5, max_leverage: 50 }, [coin("BTCUSDT", 90, 0)]);
    await runCycle(h.ports, freshCycleMemory());
    // Budget 500 at 20× (market max < 50): notional 500 / (1/20 + 0.0005) = 9900.99 → 0.198 BTC (3 decimals, down).
    expect(exchange.orders[0]).toMatchObject({ symbol: "BTCUSDT", side: "buy", amount: 0.198, leverage: 20 });
  });

  test("whitelist and blacklist filter signals", async () => {
    const exchange = new ScriptedExchange();
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 5, coin_whitelist: ["BTCUSDT", "SOLUSDT"], coin_blacklist: ["SOLUSDT"] }, hot);
    await runCycle(h.ports, freshCycleMemory());
    expect(exchange.orders.map((o) => o.symbol)).toEqual(["BTCUSDT"]);
    const log = h.journal.of("signal").join("\n");
    expect(log).toContain("SOLUSDT 85 + 0 = 85 (threshold 50): not acted — blacklisted");
    expect(log).toContain("ETHUSDT 80 + 0 = 80 (threshold 45): not acted — not on the whitelist");
  });

  test("a lockfile blocks new orders but the cycle still reads the account", async () => {
    const exchange = new ScriptedExchange();
    const h = makePorts(exchange, { mode: "dry-run" }, hot);
    h.lock.value = { reason: "emergency stop (page)", at: "2026-11-21T12:00:00.000Z", source: "emergency_stop" };
    await runCycle(h.ports, freshCycleMemory());
    expect(exchange.calls).toContain("getBalance");
    expect(exchange.calls).toContain("getPositions");
    expect(exchange.calls).not.toContain("placeMarketOrder");
    expect(exchange.calls).not.toContain("setLeverage");
    expect(h.journal.snapshots).toHaveLength(1);
    expect(h.journal.of("signal").every((m) => m.includes("lockfile set (emergency stop (page))"))).toBe(true);
  });

  test("a retried cycle in the same scan slot never doubles a position", async () => {
    const exchange = new ScriptedExchange();
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 1 }, [coin("BTCUSDT", 90, 0)]);
    await runCycle(h.ports, freshCycleMemory());
    // The position disappears (closed elsewhere) but the same decision comes back in the same slot.
    exchange.positions = [];
    await runCycle(h.ports, freshCycleMemory());
    expect(exchange.orders).toHaveLength(1);
    expect(h.journal.of("signal").at(-1)).toContain("decision already executed");
  });

  test("an existing position in the symbol is not opened again", async () => {
    const exchange = new ScriptedExchange();
    const h = makePorts(exchange, { mode: "dry-run" }, [coin("BTCUSDT", 90, 0)], () => 1_700_000_000_000);
    await runCycle(h.ports, freshCycleMemory());
    const later = makePorts(exchange, { mode: "dry-run" }, [coin("BTCUSDT", 90, 0)], () => 1_700_000_000_000 + 3_600_000);
    await runCycle(later.ports, freshCycleMemory());
    expect(exchange.orders).toHaveLength(1);
    expect(later.journal.of("signal")[0]).toContain("a position is already open");
  });

  test("kill switch: drawdown at the threshold closes all, locks and pauses", async () => {
    const exchange = new ScriptedExchange();
    exchange.positions = [position("BTCUSDT", "long", { size: 1, entry_price: 100, current_price: 40, unrealized_pnl: -60, margin: 10, leverage: 10 })];
    exchange.balance = { equity: 5000, available: 4990, margin: 10, unrealized_pnl: -60 };
    const h = makePorts(exchange, { mode: "dry-run", kill_switch_drawdown_pct: 50 }, hot);
    const summary = await runCycle(h.ports, freshCycleMemory());
    expect(exchange.positions).toEqual([]);
    expect(exchange.orders).toEqual([]);
    expect(h.lock.value?.source).toBe("kill_switch");
    expect(h.lock.value?.reason).toContain("50.00 % below the baseline 10,000.00");
    expect(h.paused).toHaveLength(1);
    expect(summary.skipped).toContain("kill switch");
  });

  test("kill switch does not trip just below the threshold", async () => {
    const exchange = new ScriptedExchange();
    exchange.balance = { equity: 5001, available: 5001, margin: 0, unrealized_pnl: 0 };
    const h = makePorts(exchange, { mode: "dry-run", kill_switch_drawdown_pct: 50, max_positions: 0 }, hot);
    await runCycle(h.ports, freshCycleMemory());
    expect(h.lock.value).toBeNull();
    expect(h.paused).toEqual([]);
  });

  test("take profit and stop loss use P&L % of margin", async () => {
    const exchange = new ScriptedExchange();
    exchange.positions = [
      position("BTCUSDT", "long", { size: 1, entry_price: 100, current_price: 102, unrealized_pnl: 20, margin: 100, leverage: 1 }),
      position("ETHUSDT", "short", { size: 1, entry_price: 100, current_price: 101, unrealized_pnl: -9.99, margin: 100, leverage: 1 }),
      position("SOLUSDT", "short", { size: 1, entry_price: 100, current_price: 110, unrealized_pnl: -10, margin: 100, leverage: 1 }),
    ];
    const h = makePorts(exchange, { mode: "dry-run", tp_pct: 20, sl_pct: 10, max_positions: 0 }, []);
    await runCycle(h.ports, freshCycleMemory());
    expect(exchange.positions.map((p) => p.symbol)).toEqual(["ETHUSDT"]);
    expect(h.events.filter((e) => e.type === "tp_hit").map((e) => e.symbol)).toEqual(["BTCUSDT"]);
    expect(h.events.filter((e) => e.type === "sl_hit").map((e) => e.symbol)).toEqual(["SOLUSDT"]);
  });

  test("circuit breaker trips after N consecutive exchange failures and writes the lock", async () => {
    const exchange = new ScriptedExchange();
    const breaker = freshCycleMemory();
    const h = makePorts(exchange, { mode: "dry-run", circuit_breaker_threshold: 3 }, hot);
    exchange.failNext = 100;
    await runCycle(h.ports, breaker);
    await runCycle(h.ports, breaker);
    expect(h.lock.value).toBeNull();
    const third = await runCycle(h.ports, breaker);
    expect(h.lock.value).toMatchObject({ source: "circuit_breaker", count: 3 });
    expect(h.lock.value?.reason).toContain("3 consecutive failed exchange reads");
    expect(third.skipped).toContain("circuit breaker");
    expect(h.events.some((e) => e.type === "circuit_breaker")).toBe(true);
    expect(exchange.orders).toEqual([]);
  });

  test("a success resets the failure count", async () => {
    const exchange = new ScriptedExchange();
    const breaker = freshCycleMemory();
    const h = makePorts(exchange, { mode: "dry-run", circuit_breaker_threshold: 2, max_positions: 0 }, []);
    exchange.failNext = 1;
    await runCycle(h.ports, breaker);
    await runCycle(h.ports, breaker); // succeeds
    exchange.failNext = 1;
    await runCycle(h.ports, breaker);
    expect(h.lock.value).toBeNull();
  });

  test("refused mode runs no exchange call and logs why", async () => {
    const exchange = new ScriptedExchange();
    const h = makePorts(exchange, { mode: "live" }, hot);
    h.ports.exchangeFor = () => ({ refused: "the market source is sim (not real prices)" });
    await runCycle(h.ports, freshCycleMemory());
    expect(exchange.calls).toEqual([]);
    expect(h.journal.of("error")[0]).toContain("live refused: the market source is sim");
  });
});

describe("standby", () => {
  test("a standby process (no trader lease) makes no exchange call", async () => {
    const exchange = new ScriptedExchange();
    const h = makePorts(exchange, { mode: "dry-run" }, hot);
    h.ports.standby = () => "another trader process holds lease:trader:paper";
    const summary = await runCycle(h.ports, freshCycleMemory());
    expect(exchange.calls).toEqual([]);
    expect(summary.skipped).toBe("standby: another trader process holds lease:trader:paper");
  });

  test("opening blocked (Redis unreachable): TP/SL still close, but nothing new opens", async () => {
    const exchange = new ScriptedExchange();
    exchange.positions = [
      position("XRPUSDT", "long", { size: 1, entry_price: 100, current_price: 125, unrealized_pnl: 25, margin: 100, leverage: 1 }),
    ];
    const h = makePorts(exchange, { mode: "dry-run", tp_pct: 20, max_positions: 3 }, hot);
    h.ports.openingBlocked = () => "Redis unreachable";
    const summary = await runCycle(h.ports, freshCycleMemory());
    expect(h.events.filter((e) => e.type === "tp_hit").map((e) => e.symbol)).toEqual(["XRPUSDT"]);
    expect(exchange.positions).toEqual([]);
    expect(exchange.calls).not.toContain("placeMarketOrder");
    expect(h.journal.opened).toEqual([]);
    expect(summary.skipped).toBe("no new positions: Redis unreachable");
  });

  test("the same cycle with opening allowed does open (the block above is what stopped it)", async () => {
    const exchange = new ScriptedExchange();
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 3 }, hot);
    h.ports.openingBlocked = () => null;
    await runCycle(h.ports, freshCycleMemory());
    expect(h.journal.opened).toHaveLength(3);
  });
});
