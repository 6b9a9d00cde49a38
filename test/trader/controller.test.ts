/**
 * Controller rules that need the whole controller: the owner's live
 * confirmation never outlives a switch away from live, whoever made it.
 */
import { expect, test } from "bun:test";
import { DEFAULT_TRADER_CONFIG, type TraderConfig, type TraderConfigPatch } from "../../src/config/schema.ts";
import type { Exchange } from "../../src/exchange/types.ts";
import { TraderController, type PersistedTraderState } from "../../src/trader/controller.ts";
import type { LockInfo } from "../../src/trader/ports.ts";
import { MemoryJournal, ScriptedExchange } from "../helpers/trader-fakes.ts";

function makeController() {
  let config: TraderConfig = { ...DEFAULT_TRADER_CONFIG };
  let state: PersistedTraderState = { running: false, live_confirmed_at: null, last_exchange: "paper", coinex_starting_balance: 10_000, baselines: {}, closing_duty: [] };
  let lock: LockInfo | null = null;
  const coinex = Object.assign(new ScriptedExchange(), { name: "coinex" }) as unknown as Exchange & ScriptedExchange;
  const paper = Object.assign(new ScriptedExchange(), { startingBalance: 10_000 });
  const controller = new TraderController({
    config: {
      current: () => config,
      read: async () => config,
      update: async (patch: TraderConfigPatch) => ({ ok: true as const, config: (config = { ...config, ...patch }) }),
    },
    state: { load: async () => state, save: async (next) => void (state = next) },
    lockFile: {
      read: async () => lock,
      write: async (info) => void (lock = { ...info, at: new Date().toISOString() }),
      clear: async () => void (lock = null),
    },
    journal: new MemoryJournal(),
    paper,
    coinex,
    market: () => ({ name: "binance", simulated: false, banner: null }),
    coins: () => [],
    accountRefreshMs: 0,
    closeRetryDelayMs: 0,
    sleep: async () => {},
  });
  return { controller, coinex, handEdit: (next: Partial<TraderConfig>) => (config = { ...config, ...next }), state: () => state, lock: () => lock };
}

test("after the kill switch pauses a live trader, a hand edit back to live is not a confirmation", async () => {
  const h = makeController();
  await h.controller.boot();
  expect((await h.controller.updateConfig({ mode: "live" }, "api", "LIVE")).ok).toBe(true);
  expect(h.controller.status().live.confirmed).toBe(true);

  h.coinex.balance = { equity: 4_000, available: 4_000, margin: 0, unrealized_pnl: 0 };
  await h.controller.runCycleNow("api");
  expect(h.lock()?.source).toBe("kill_switch");
  expect(h.controller.status().mode).toBe("paused");

  await h.controller.onConfigFileChanged(h.handEdit({ mode: "live" }));
  expect(h.state().live_confirmed_at).toBeNull();
  expect(h.controller.status().mode).toBe("paused");
  await h.controller.shutdown();
});
