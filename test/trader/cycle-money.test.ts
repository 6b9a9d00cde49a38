/**
 * The money path of a cycle, one test per defect the trading-core review
 * reproduced: sizing at the granted leverage, stops on the exchange, contained
 * rejections, the breaker on failing orders, cooldowns, stale data, and
 * positions the exchange closed on its own.
 */
import { describe, expect, test } from "bun:test";
import { freshCycleMemory, runCycle } from "../../src/trader/cycle.ts";
import { coin, HARNESS_NOW, makePorts, position, ScriptedExchange } from "../helpers/trader-fakes.ts";

describe("sizing at the leverage the exchange grants", () => {
  test("max_leverage 7 on levels [1,2,3,5,8,10]: ordered at 5×, margin + fee within 10 % of equity, real margin recorded", async () => {
    const exchange = new ScriptedExchange();
    exchange.market = { ...exchange.market, leverage_levels: [1, 2, 3, 5, 8, 10], max_leverage: 10 };
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 1, position_size_pct: 10, max_leverage: 7 }, [coin("BTCUSDT", 90, 0)]);
    await runCycle(h.ports, freshCycleMemory());
    const order = exchange.orders[0]!;
    expect(order.leverage).toBe(5);
    const notional = order.amount * 100;
    const margin = notional / 5;
    const fee = notional * 0.0005;
    // The old code sized at 7× and opened at 5×: margin 1,399 instead of 1,000.
    expect(margin + fee).toBeLessThanOrEqual(1000);
    expect(margin + fee).toBeGreaterThan(999);
    expect(h.journal.opened[0]).toMatchObject({ leverage: 5, margin });
    // Leverage is asked for once, before sizing.
    expect(exchange.calls.filter((c) => c === "setLeverage")).toHaveLength(1);
    expect(exchange.calls.indexOf("setLeverage")).toBeLessThan(exchange.calls.indexOf("placeMarketOrder"));
  });
});

describe("stops on the exchange", () => {
  test("placed right after the open at the prices tp_pct / sl_pct mean at the granted leverage", async () => {
    const exchange = new ScriptedExchange();
    exchange.market = { ...exchange.market, leverage_levels: [1, 5], max_leverage: 5 };
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 1, max_leverage: 5, sl_pct: 5, tp_pct: 10 }, [coin("BTCUSDT", 90, 0)]);
    await runCycle(h.ports, freshCycleMemory());
    // 5 % of margin at 5× is a 1 % price move; 10 % is 2 %.
    expect(exchange.stops).toEqual([{ symbol: "BTCUSDT", stops: { stop_loss_price: 99, take_profit_price: 102 } }]);
    expect(exchange.calls.indexOf("setPositionStops")).toBeGreaterThan(exchange.calls.indexOf("placeMarketOrder"));
  });

  test("moved when the config changes, removed when it no longer asks for them, left alone otherwise", async () => {
    const exchange = new ScriptedExchange();
    exchange.positions = [position("BTCUSDT", "long", { size: 1, entry_price: 100, margin: 20, leverage: 5, stop_loss_price: 99, take_profit_price: 102 })];
    const same = makePorts(exchange, { mode: "dry-run", max_positions: 0, sl_pct: 5, tp_pct: 10 }, []);
    await runCycle(same.ports, freshCycleMemory());
    expect(exchange.stops).toEqual([]);
    const wider = makePorts(exchange, { mode: "dry-run", max_positions: 0, sl_pct: 10, tp_pct: null }, []);
    await runCycle(wider.ports, freshCycleMemory());
    expect(exchange.stops).toEqual([{ symbol: "BTCUSDT", stops: { stop_loss_price: 98, take_profit_price: null } }]);
  });

  /** An exchange that refuses stops the price has already passed, as CoinEx and the paper exchange do. */
  class PassedStopExchange extends ScriptedExchange {
    /** What the mark does between the open and the stops: the position's P&L after it, in % of its margin. */
    pnlPctWhenStopsAsked = 0;
    override setPositionStops(symbol: string, stops: Parameters<ScriptedExchange["setPositionStops"]>[1]) {
      const position = this.positions.find((p) => p.symbol === symbol);
      if (position) position.unrealized_pnl = (position.margin * this.pnlPctWhenStopsAsked) / 100;
      this.calls.push("setPositionStops");
      return Promise.reject(new Error(`stop-loss ${stops.stop_loss_price} for the long ${symbol} position must be below the mark price: it would trigger at once`));
    }
  }

  test("stops refused because the price already passed the stop: the position is closed in the same cycle, not left without a stop", async () => {
    const exchange = new PassedStopExchange();
    exchange.market = { ...exchange.market, leverage_levels: [1, 5], max_leverage: 5 };
    exchange.pnlPctWhenStopsAsked = -6; // past sl_pct 5
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 1, max_leverage: 5, sl_pct: 5, tp_pct: 10 }, [coin("BTCUSDT", 90, 0)]);
    const summary = await runCycle(h.ports, freshCycleMemory());
    expect(summary.actions).toEqual(["opened long BTCUSDT", "closed BTCUSDT (stop loss -6.00 % ≤ −5 %)"]);
    expect(exchange.positions).toEqual([]);
    expect(exchange.calls.indexOf("closePosition")).toBeGreaterThan(exchange.calls.indexOf("setPositionStops"));
    expect(h.journal.of("error").join("\n")).toContain("Exchange stops for BTCUSDT not set");
  });

  test("stops refused while the position is still inside its stops: it stays open (the cycle's own check guards it)", async () => {
    const exchange = new PassedStopExchange();
    exchange.market = { ...exchange.market, leverage_levels: [1, 5], max_leverage: 5 };
    exchange.pnlPctWhenStopsAsked = -2; // inside sl_pct 5
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 1, max_leverage: 5, sl_pct: 5, tp_pct: 10 }, [coin("BTCUSDT", 90, 0)]);
    const summary = await runCycle(h.ports, freshCycleMemory());
    expect(summary.actions).toEqual(["opened long BTCUSDT"]);
    expect(exchange.positions.map((p) => p.symbol)).toEqual(["BTCUSDT"]);
    expect(exchange.calls).not.toContain("closePosition");
  });

  test("a short's stop sits above the entry, its take-profit below; both rounded so the loss is never larger nor the profit smaller", async () => {
    const exchange = new ScriptedExchange();
    exchange.positions = [position("ETHUSDT", "short", { size: 3, entry_price: 3333.33, margin: 1000, leverage: 10 })];
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 0, sl_pct: 7, tp_pct: 13 }, []);
    await runCycle(h.ports, freshCycleMemory());
    // About 10×: SL 3356.6633…, TP 3289.9967…: SL rounds down (towards the entry), TP down (away from it).
    const stops = exchange.stops[0]!.stops;
    expect(stops.stop_loss_price).toBe(3356.66);
    expect(stops.take_profit_price).toBe(3289.99);
  });
});

describe("one coin's rejection does not block the others", () => {
  test("SUI refused every time: BTC and ETH still open; after two refusals in a row SUI rests", async () => {
    const exchange = new ScriptedExchange();
    exchange.refuse.SUIUSDT = "trading prohibited in this market (4117)";
    const memory = freshCycleMemory();
    const coins = [coin("SUIUSDT", 95, 0), coin("BTCUSDT", 90, 0), coin("ETHUSDT", 80, 0)];
    let now = HARNESS_NOW;
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 5, reentry_cooldown_minutes: 0 }, coins, () => now);
    await runCycle(h.ports, memory);
    expect(exchange.orders.map((o) => o.symbol)).toEqual(["BTCUSDT", "ETHUSDT"]);
    expect(h.journal.of("signal").join("\n")).toContain("SUIUSDT 95 (threshold 45): not acted — the exchange refused: trading prohibited");

    now += 5 * 60_000;
    await runCycle(h.ports, memory);
    expect(h.journal.of("error").join("\n")).toContain("SUIUSDT refused 2× in a row: no new orders on it for 60 min");
    expect(memory.rejections.resting(now).map((r) => r.symbol)).toEqual(["SUIUSDT"]);

    now += 5 * 60_000;
    const before = exchange.calls.length;
    await runCycle(h.ports, memory);
    expect(exchange.calls.slice(before)).not.toContain("setLeverage"); // SUI not even tried
    const lastSui = h.journal.of("signal").filter((m) => m.includes("SUIUSDT")).at(-1);
    expect(lastSui).toContain("not acted — rejected 2× in a row (last: trading prohibited in this market (4117)); resting 55 more min");
  });
});

describe("circuit breaker on failing orders", () => {
  test("orders failing while every read succeeds trip it after N failures (reads do not reset the count)", async () => {
    const exchange = new ScriptedExchange();
    for (const symbol of ["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"]) exchange.refuse[symbol] = "balance not enough (3109)";
    const memory = freshCycleMemory();
    let now = HARNESS_NOW;
    const coins = [coin("BTCUSDT", 90, 0), coin("ETHUSDT", 80, 0)];
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 5, circuit_breaker_threshold: 3 }, coins, () => now);
    await runCycle(h.ports, memory);
    expect(h.lock.value).toBeNull();
    expect(memory.breaker.failuresOf("order")).toBe(2);
    now += 5 * 60_000;
    h.ports.coins = () => [coin("SOLUSDT", 90, 0), coin("XRPUSDT", 80, 0)];
    const summary = await runCycle(h.ports, memory);
    expect(h.lock.value).toMatchObject({ source: "circuit_breaker", count: 3 });
    expect(h.lock.value?.reason).toContain("3 consecutive failed exchange orders");
    expect(summary.skipped).toContain("circuit breaker");
    // It stopped at once: XRP was never tried.
    expect(h.journal.of("signal").join("\n")).not.toContain("XRPUSDT");
  });
});

describe("cooldowns and stale data", () => {
  test("a symbol closed moments ago is not reopened for reentry_cooldown_minutes", async () => {
    const exchange = new ScriptedExchange();
    let now = HARNESS_NOW;
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 1, reentry_cooldown_minutes: 30 }, [coin("BTCUSDT", 90, 0, { closed_at: null, received_at: null })], () => now);
    h.ports.coins = () => [coin("BTCUSDT", 90, 0, { closed_at: now - 60_000, received_at: now - 1000 })];
    h.journal.tradeClosed("closed by owner", { symbol: "BTCUSDT", exit_price: 100, fee: 0, funding: 0, pnl: 0, reason: "closed by owner (page)", at: now, exchange: "paper" });
    now += 2000;
    await runCycle(h.ports, freshCycleMemory());
    expect(exchange.orders).toEqual([]);
    expect(h.journal.of("signal").at(-1)).toContain("re-entry cooldown 30 min");
    now += 30 * 60_000;
    await runCycle(h.ports, freshCycleMemory());
    expect(exchange.orders.map((o) => o.symbol)).toEqual(["BTCUSDT"]);
  });

  test("no new position when the coin's newest closed candle is older than two intervals", async () => {
    const exchange = new ScriptedExchange();
    const stalled = coin("BTCUSDT", 90, 0, { closed_at: HARNESS_NOW - 16 * 60_000, received_at: HARNESS_NOW - 11 * 60_000 });
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 1 }, [stalled]);
    await runCycle(h.ports, freshCycleMemory());
    expect(exchange.orders).toEqual([]);
    expect(h.journal.of("signal")[0]).toContain("no new closed 5m candle for 11 min (the feed stalled)");
  });

  test("on a real market, an old candle that arrived just now is still stale; on the sim only arrival counts", async () => {
    const old = { closed_at: HARNESS_NOW - 20 * 60_000, received_at: HARNESS_NOW - 1000 };
    const real = makePorts(new ScriptedExchange(), { mode: "dry-run", max_positions: 1 }, [coin("BTCUSDT", 90, 0, { ...old, simulated: false })]);
    await runCycle(real.ports, freshCycleMemory());
    expect(real.journal.of("signal")[0]).toContain("ended 20 min ago");
    const sim = new ScriptedExchange();
    const simulated = makePorts(sim, { mode: "dry-run", max_positions: 1 }, [coin("BTCUSDT", 90, 0, { ...old, simulated: true })]);
    await runCycle(simulated.ports, freshCycleMemory());
    expect(sim.orders).toHaveLength(1);
  });
});

describe("positions the exchange closed on its own", () => {
  test("a stop-loss that fired between cycles is recorded from the position history, and the coin is not reopened at once", async () => {
    const exchange = new ScriptedExchange();
    let now = HARNESS_NOW;
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 1, sl_pct: 5 }, [coin("BTCUSDT", 90, 0)], () => now);
    await runCycle(h.ports, freshCycleMemory());
    expect(exchange.positions).toHaveLength(1);
    exchange.closeByExchange("BTCUSDT", "stop_loss", 98.9, -26.13, now + 60_000);
    now += 5 * 60_000;
    h.ports.coins = () => [coin("BTCUSDT", 90, 0, { closed_at: now - 60_000, received_at: now - 1000 })];
    await runCycle(h.ports, freshCycleMemory());
    expect(h.journal.closed).toEqual([
      expect.objectContaining({ symbol: "BTCUSDT", exit_price: 98.9, pnl: -26.13, reason: "stop-loss on the exchange", at: HARNESS_NOW + 60_000 }),
    ]);
    expect(h.events.filter((e) => e.type === "sl_hit").map((e) => e.symbol)).toEqual(["BTCUSDT"]);
    expect(exchange.orders).toHaveLength(1);
    expect(h.journal.of("signal").at(-1)).toContain("re-entry cooldown");
  });
});

describe("the lock is read before every order", () => {
  test("a lock written after the first order stops the second in the same cycle", async () => {
    const exchange = new ScriptedExchange();
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 3 }, [coin("BTCUSDT", 90, 0), coin("ETHUSDT", 80, 0)]);
    const lockAfterFirstOrder = h.ports.lock.current;
    h.ports.lock.current = async () => {
      if (exchange.orders.length >= 1) h.lock.value ??= { reason: "emergency stop (api)", at: new Date(HARNESS_NOW).toISOString(), source: "emergency_stop" };
      return lockAfterFirstOrder();
    };
    await runCycle(h.ports, freshCycleMemory());
    expect(exchange.orders.map((o) => o.symbol)).toEqual(["BTCUSDT"]);
    expect(h.journal.of("signal").at(-1)).toContain("ETHUSDT 80 (threshold 45): not acted — lockfile set (emergency stop (api))");
  });
});

describe("closes that fail", () => {
  test("the kill switch hands a position it could not close to the closing duty, and still locks and pauses", async () => {
    const exchange = new ScriptedExchange();
    exchange.positions = [position("BTCUSDT", "long", { current_price: 40, unrealized_pnl: -60, margin: 10, leverage: 10 })];
    exchange.closeFailures.BTCUSDT = 3;
    exchange.balance = { equity: 4000, available: 3990, margin: 10, unrealized_pnl: -60 };
    const h = makePorts(exchange, { mode: "dry-run", kill_switch_drawdown_pct: 50 }, []);
    const summary = await runCycle(h.ports, freshCycleMemory());
    expect(exchange.positions).toHaveLength(1);
    expect(h.mustClose).toEqual([{ symbol: "BTCUSDT", reason: "kill switch", error: "injected close failure for BTCUSDT" }]);
    expect(h.lock.value?.source).toBe("kill_switch");
    expect(h.paused).toHaveLength(1);
    expect(summary.actions).toEqual(["FAILED to close BTCUSDT: injected close failure for BTCUSDT (the closing duty keeps trying)"]);
  });
});

describe("opening blocked mid-cycle", () => {
  test("Redis lost after the first order: the next signal in the same cycle is not ordered", async () => {
    const exchange = new ScriptedExchange();
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 3 }, [coin("BTCUSDT", 90, 0), coin("ETHUSDT", 80, 0)]);
    h.ports.openingBlocked = () => (exchange.orders.length >= 1 ? "Redis unreachable: cannot confirm this is the only trader" : null);
    await runCycle(h.ports, freshCycleMemory());
    expect(exchange.orders.map((o) => o.symbol)).toEqual(["BTCUSDT"]);
    expect(h.journal.of("signal").at(-1)).toContain("ETHUSDT 80 (threshold 45): not acted — no new positions: Redis unreachable");
  });
});
