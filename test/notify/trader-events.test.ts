/**
 * The TraderEvents notifications are made from, emitted by the one controller
 * and the cycle (src/notify/ subscribes; the trader knows no channel): ON/OFF,
 * a restore after restart, a cleared lockfile, every change of the mode in
 * force with who made it, an emergency stop with each close's result, the
 * exchange errors of a cycle, and the score that opened a trade.
 */
import { describe, expect, test } from "bun:test";
import { runCycle, freshCycleMemory } from "../../src/trader/cycle.ts";
import type { TraderEvent } from "../../src/trader/ports.ts";
import { coin, makePorts, position, ScriptedExchange } from "../helpers/trader-fakes.ts";
import { makeSignals, makeWorld } from "../web/fakes.ts";

function recording(world: ReturnType<typeof makeWorld>): TraderEvent[] {
  const events: TraderEvent[] = [];
  world.controller.onEvent((event) => events.push(event));
  return events;
}

const controls = (events: TraderEvent[]) => events.filter((e) => e.type === "control").map((e) => e.data as Record<string, unknown>);

describe("control events from the controller", () => {
  test("ON and OFF by the owner, once each: pressing ON while ON (or OFF while OFF) tells nobody anything", async () => {
    const world = makeWorld();
    const events = recording(world);
    await world.controller.start("page");
    await world.controller.start("page");
    await world.controller.stop("api");
    await world.controller.stop("api");
    await world.controller.shutdown();
    expect(controls(events).map((d) => [d.action, d.origin])).toEqual([["start", "page"], ["stop", "api"]]);
    expect(events.filter((e) => e.type === "control").map((e) => e.message)).toEqual([
      "Trader ON (mode paused)",
      "Trader OFF: no more cycles (open positions stay open)",
    ]);
  });

  test("a restart that restores ON says so", async () => {
    const world = makeWorld();
    await world.controller.start("page");
    await world.controller.shutdown();
    // A second controller over the same state (trader_state.json says ON).
    const saved = (world.controller as unknown as { state: unknown }).state;
    const again = makeWorld();
    (again.controller as unknown as { deps: { state: { load(): Promise<unknown> } } }).deps.state.load = async () => saved;
    const events = recording(again);
    await again.controller.boot();
    await again.controller.shutdown();
    expect(controls(events).map((d) => d.action)).toEqual(["restore"]);
  });

  test("clearing a lockfile that was set names what it was; clearing nothing is no event", async () => {
    const world = makeWorld();
    const events = recording(world);
    await world.controller.clearLock("page");
    world.lock.value = { reason: "circuit breaker: 3 consecutive failed exchange reads", source: "circuit_breaker", at: new Date().toISOString(), count: 3 };
    await world.controller.clearLock("api");
    expect(controls(events)).toEqual([
      { action: "clear-lockfile", origin: "api", was: { reason: "circuit breaker: 3 consecutive failed exchange reads", source: "circuit_breaker" }, warning: null },
    ]);
  });

  test("every change of the mode in force, with who made it; a refused change is none", async () => {
    const world = makeWorld();
    const events = recording(world);
    await world.controller.boot();
    await world.controller.setMode("dry-run", undefined, "page");
    await world.controller.setMode("dry-run", undefined, "page"); // no change
    await world.controller.setMode("live", "LIVE", "api"); // refused: no CoinEx here
    await world.controller.pause("api");
    // A hand edit of trader_config.json, as the watcher reports it.
    world.config.config = { ...world.config.config, mode: "dry-run" };
    await world.controller.onConfigFileChanged(world.config.config);
    await world.controller.shutdown();
    expect(controls(events).map((d) => [d.action, d.from, d.to, d.origin])).toEqual([
      ["mode", "paused", "dry-run", "page"],
      ["mode", "dry-run", "paused", "api"],
      ["mode", "paused", "dry-run", "file"],
    ]);
  });

  test("the emergency stop reports each close's result, then the pause it caused (marked with its cause)", async () => {
    const world = makeWorld();
    world.exchange.positions = [position("BTCUSDT", "long", { unrealized_pnl: 12.5 }), position("ETHUSDT", "short")];
    world.exchange.closeFailures = { ETHUSDT: 99 };
    await world.controller.boot();
    await world.controller.setMode("dry-run", undefined, "page");
    await world.controller.start("page");
    const events = recording(world);
    await world.controller.emergencyStop("page");
    await world.controller.shutdown();
    const emergency = events.find((e) => e.type === "control" && (e.data as { action?: string }).action === "emergency-stop");
    const data = emergency?.data as { origin: string; outcomes: { symbol: string; ok: boolean; pnl?: number; error?: string; exchange: string }[]; steps: unknown[] };
    expect(data.origin).toBe("page");
    expect(data.outcomes.map((o) => [o.exchange, o.symbol, o.ok, o.pnl ?? null])).toEqual([["paper", "BTCUSDT", true, 12.5], ["paper", "ETHUSDT", false, null]]);
    expect(data.outcomes[1]?.error).toContain("injected close failure");
    const after = controls(events).slice(controls(events).indexOf(data as never) + 1);
    expect(after.map((d) => [d.action, d.to, d.cause])).toEqual([["mode", "paused", "emergency stop"]]);
  });
});

describe("events from the cycle", () => {
  test("each failed exchange call is an error event naming the call; the trip that follows is the circuit breaker", async () => {
    const exchange = new ScriptedExchange();
    exchange.failNext = 1;
    const harness = makePorts(exchange, { mode: "dry-run", circuit_breaker_threshold: 1 }, []);
    await runCycle(harness.ports, freshCycleMemory());
    expect(harness.events.map((e) => [e.type, (e.data as { call?: string })?.call ?? null])).toEqual([["error", "balance"], ["circuit_breaker", null]]);
    expect(harness.events[0]?.message).toBe("Exchange call failed: balance: injected failure in getBalance");
    expect(harness.events[0]?.data).toEqual({ call: "balance", kind: "read", failures: 1 });
  });

  test("trade_open carries the score that opened it: base, TA bonus, the total traded on and the threshold", async () => {
    const exchange = new ScriptedExchange();
    const scored = coin("BTCUSDT", 38, 0);
    scored.long = { base: 38, bonus: 20, total: 58 };
    const harness = makePorts(exchange, { mode: "dry-run" }, [scored]);
    await runCycle(harness.ports, freshCycleMemory());
    const open = harness.events.find((e) => e.type === "trade_open");
    expect((open?.data as { score?: unknown }).score).toEqual({ base: 38, bonus: 20, total: 58, threshold: 45 });
  });
});

test("makeSignals opens trades in a dry-run cycle (the harness the notifier tests build on)", async () => {
  const world = makeWorld();
  makeSignals(world);
  const events = recording(world);
  await world.controller.setMode("dry-run", undefined, "page");
  await world.controller.runCycleNow("page");
  await world.controller.shutdown();
  expect(events.filter((e) => e.type === "trade_open").map((e) => e.symbol)).toEqual(["BTCUSDT", "ETHUSDT"]);
});
