/**
 * The controls an owner reaches for in trouble, through the whole controller:
 * emergency stop closes first and reports every step, a failed close is
 * retried until the position is gone (also while paused and locked), stop
 * works when the state file cannot be written, and the kill-switch baseline.
 */
import { describe, expect, test } from "bun:test";
import { DEFAULT_TRADER_CONFIG, type TraderConfig, type TraderConfigPatch } from "../../src/config/schema.ts";
import { INITIAL_TRADER_STATE, TraderController, type PersistedTraderState } from "../../src/trader/controller.ts";
import type { LockInfo } from "../../src/trader/ports.ts";
import { coin, HARNESS_NOW, MemoryJournal, position, ScriptedExchange } from "../helpers/trader-fakes.ts";

function enospc(what: string): Error {
  return Object.assign(new Error(`ENOSPC: no space left on device, write '${what}'`), { code: "ENOSPC" });
}

function harness(options: { config?: Partial<TraderConfig>; state?: Partial<PersistedTraderState> } = {}) {
  let config: TraderConfig = { ...DEFAULT_TRADER_CONFIG, ...options.config };
  let state: PersistedTraderState = { ...INITIAL_TRADER_STATE, ...options.state };
  let lock: LockInfo | null = null;
  const disk = { lockFails: false, stateFails: false, configFails: false };
  let now = HARNESS_NOW;
  const paper = Object.assign(new ScriptedExchange(), { startingBalance: 10_000 });
  const journal = new MemoryJournal();
  const controller = new TraderController({
    config: {
      current: () => config,
      read: async () => config,
      update: async (patch: TraderConfigPatch) => {
        if (disk.configFails) throw enospc("trader_config.json");
        return { ok: true as const, config: (config = { ...config, ...patch }) };
      },
    },
    state: {
      load: async () => state,
      save: async (next) => {
        if (disk.stateFails) throw enospc("trader_state.json");
        state = next;
      },
    },
    lockFile: {
      read: async () => lock,
      write: async (info) => {
        if (disk.lockFails) throw enospc("live-trader-lock.json");
        lock = { ...info, at: new Date(now).toISOString() };
      },
      clear: async () => void (lock = null),
    },
    journal,
    paper,
    coinex: null,
    market: () => ({ name: "sim", simulated: true, banner: null }),
    coins: () => [coin("BTCUSDT", 90, 0, { closed_at: now - 60_000, received_at: now - 1000 })],
    accountRefreshMs: 0,
    closeRetryDelayMs: 0,
    sleep: async () => {},
    now: () => now,
  });
  return {
    controller, paper, journal, disk,
    state: () => state, lock: () => lock, config: () => config,
    advance: (ms: number) => void (now += ms),
  };
}

describe("emergency stop", () => {
  test("with the lockfile unwritable (ENOSPC) it still closes every position, stays locked in memory and reports each step", async () => {
    const h = harness({ config: { mode: "dry-run" } });
    h.paper.positions = [position("BTCUSDT", "long"), position("ETHUSDT", "short")];
    await h.controller.boot();
    await h.controller.start("api");
    h.disk.lockFails = true;
    const result = await h.controller.emergencyStop("api");
    expect(h.paper.positions).toEqual([]);
    expect(result.ok).toBe(false);
    expect(result.message).toContain("write the lockfile FAILED: ENOSPC");
    const steps = (result.data as { steps: { step: string; ok: boolean }[] }).steps;
    expect(steps.map((s) => [s.step, s.ok])).toEqual([
      ["halt", true], ["wait for the running cycle", true], ["close positions on paper", true],
      ["write the lockfile", false], ["save OFF", true], ["set mode paused", true],
    ]);
    const status = h.controller.status();
    expect(status.running).toBe(false);
    expect(status.lock?.source).toBe("emergency_stop");
    // The lock held in memory stops a cycle from opening anything.
    await h.controller.updateConfig({ mode: "dry-run" }, "api");
    await h.controller.runCycleNow("api");
    expect(h.paper.orders).toEqual([]);
    await h.controller.shutdown();
  });

  test("with every file unwritable it still closes, and the answer lists every failed step", async () => {
    const h = harness({ config: { mode: "dry-run" } });
    h.paper.positions = [position("BTCUSDT", "long")];
    await h.controller.boot();
    Object.assign(h.disk, { lockFails: true, stateFails: true, configFails: true });
    const result = await h.controller.emergencyStop("page");
    expect(h.paper.positions).toEqual([]);
    expect(result.message).toContain("write the lockfile FAILED");
    expect(result.message).toContain("save OFF FAILED");
    expect(result.message).toContain("set mode paused FAILED");
    expect(h.controller.status().running).toBe(false);
    await h.controller.shutdown();
  });
});

describe("the closing duty", () => {
  test("a close that failed at the emergency stop is retried, while paused and locked, until the position is gone", async () => {
    const h = harness({ config: { mode: "dry-run" } });
    h.paper.positions = [position("BTCUSDT", "long")];
    h.paper.closeFailures.BTCUSDT = 5; // 3 at the emergency stop, 2 more on retries
    await h.controller.boot();
    const result = await h.controller.emergencyStop("api");
    expect(result.ok).toBe(false);
    expect(h.paper.positions).toHaveLength(1);
    expect(h.controller.status().closing).toEqual([expect.objectContaining({ symbol: "BTCUSDT", exchange: "paper", reason: "emergency stop", attempts: 0 })]);
    expect(h.state().closing_duty).toHaveLength(1);
    expect(h.controller.status().mode).toBe("paused");
    expect(h.controller.status().lock).not.toBeNull();

    for (let round = 1; round <= 3 && h.paper.positions.length > 0; round++) {
      h.advance(10 * 60_000);
      await h.controller.retryClosesNow();
    }
    expect(h.paper.positions).toEqual([]);
    expect(h.controller.status().closing).toEqual([]);
    expect(h.state().closing_duty).toEqual([]);
    expect(h.paper.orders).toEqual([]); // closing only, never opening
    expect(h.journal.of("trade").join("\n")).toContain("Closing duty done: closed BTCUSDT on attempt 3");
    await h.controller.shutdown();
  });

  test("a duty saved in trader_state.json carries on after a restart; the owner can cancel it", async () => {
    const task = { exchange: "paper" as const, symbol: "ETHUSDT", reason: "kill switch", since: HARNESS_NOW, attempts: 4, last_error: "busy", next_at: HARNESS_NOW };
    const h = harness({ state: { closing_duty: [task] } });
    h.paper.positions = [position("ETHUSDT", "short")];
    h.paper.closeFailures.ETHUSDT = 1;
    await h.controller.boot();
    await h.controller.retryClosesNow();
    expect(h.controller.status().closing).toEqual([expect.objectContaining({ symbol: "ETHUSDT", attempts: 5, last_error: "injected close failure for ETHUSDT" })]);
    expect((await h.controller.cancelClosing("ETHUSDT", "page")).ok).toBe(true);
    expect(h.controller.status().closing).toEqual([]);
    h.advance(60 * 60_000);
    await h.controller.retryClosesNow();
    expect(h.paper.positions).toHaveLength(1); // the owner took it over
    await h.controller.shutdown();
  });
});

describe("stop", () => {
  test("takes effect in memory when trader_state.json cannot be written, and says the write failed", async () => {
    const h = harness({ config: { mode: "dry-run" } });
    await h.controller.boot();
    await h.controller.start("api");
    h.disk.stateFails = true;
    const result = await h.controller.stop("api");
    expect(h.controller.status().running).toBe(false);
    expect(result.ok).toBe(false);
    expect(result.message).toContain("Trader OFF now, but trader_state.json could not be written (ENOSPC");
    await h.controller.shutdown();
  });
});

describe("kill-switch baseline", () => {
  test("Clear lockfile warns when the kill switch would trip again; resetting the baseline to current equity clears that", async () => {
    const h = harness({ config: { mode: "dry-run", kill_switch_drawdown_pct: 50 } });
    h.paper.balance = { equity: 4000, available: 4000, margin: 0, unrealized_pnl: 0 };
    await h.controller.boot();
    await h.controller.runCycleNow("api");
    expect(h.lock()?.source).toBe("kill_switch");
    const cleared = await h.controller.clearLock("page");
    expect(cleared.message).toContain("Warning: equity 4,000.00 is 60.00 % below the kill-switch baseline 10,000.00 (limit 50 %)");

    h.advance(1000);
    const reset = await h.controller.resetBaseline("page");
    expect(reset).toMatchObject({ ok: true, message: "Kill-switch baseline for paper reset to 4,000.00 USDT (was 10,000.00)" });
    expect(h.state().baselines.paper).toEqual({ equity: 4000, at: HARNESS_NOW + 1000 });
    expect(h.controller.status().account).toMatchObject({ starting_balance: 4000, baseline_at: HARNESS_NOW + 1000, drawdown_pct: 0 });
    expect((await h.controller.clearLock("page")).message).not.toContain("Warning");
    await h.controller.updateConfig({ mode: "dry-run" }, "api");
    await h.controller.runCycleNow("api");
    expect(h.lock()).toBeNull();
    expect(h.journal.of("control").join("\n")).toContain("reset-baseline: Kill-switch baseline for paper reset");
    await h.controller.shutdown();
  });
});

describe("exchange-side stops follow the config", () => {
  test("changing sl_pct moves the stops of open positions at once, without waiting for a cycle", async () => {
    const h = harness({ config: { mode: "dry-run", sl_pct: 5 } });
    h.paper.positions = [position("BTCUSDT", "long", { size: 1, entry_price: 100, margin: 10, leverage: 10, stop_loss_price: 99.5 })];
    await h.controller.boot();
    await h.controller.updateConfig({ sl_pct: 20 }, "page");
    // moveStops runs after the answer; wait for it through the serialised cycle.
    await h.controller.runCycleNow("api");
    expect(h.paper.stops[0]).toEqual({ symbol: "BTCUSDT", stops: { stop_loss_price: 98, take_profit_price: null } });
    await h.controller.shutdown();
  });

  test("standing warnings: ON without a stop-loss, and a take-profit that does not cover the fees", async () => {
    const h = harness({ config: { mode: "dry-run", tp_pct: 0.5, max_leverage: 10 } });
    await h.controller.boot();
    expect(h.controller.status().warnings).toEqual([expect.stringContaining("tp_pct 0.5 % does not cover the round-trip taker fee at 10× (about 1.00 % of margin)")]);
    await h.controller.start("api");
    expect(h.controller.status().warnings[0]).toBe("No stop-loss is set (sl_pct): positions close only by hand, at take-profit or at the kill switch");
    const saved = await h.controller.updateConfig({ tp_pct: 0.8 }, "page");
    expect(saved.ok && saved.warnings).toEqual([expect.stringContaining("tp_pct 0.8 % does not cover")]);
    await h.controller.shutdown();
  });
});
