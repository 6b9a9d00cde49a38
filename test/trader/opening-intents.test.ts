/**
 * Opening intents (src/trader/opening-intents.ts) through the whole controller:
 * the note is on disk before the order goes out, a fill whose record was cut
 * off (kill -9, a lost answer) is recorded after the restart with its own
 * client_id, and no note means no order.
 */
import { describe, expect, test } from "bun:test";
import { DEFAULT_TRADER_CONFIG, type TraderConfig } from "../../src/config/schema.ts";
import { INITIAL_TRADER_STATE, TraderController, type PersistedTraderState } from "../../src/trader/controller.ts";
import type { OpeningIntent } from "../../src/trader/opening-intents.ts";
import { coin, HARNESS_NOW, MemoryJournal, position, ScriptedExchange } from "../helpers/trader-fakes.ts";

const CONFIG: TraderConfig = { ...DEFAULT_TRADER_CONFIG, mode: "dry-run", long_threshold: 45, max_positions: 3 };

function harness(state: Partial<PersistedTraderState> = {}, paper = Object.assign(new ScriptedExchange(), { startingBalance: 10_000 }), symbols = ["BTCUSDT"]) {
  let saved: PersistedTraderState = { ...INITIAL_TRADER_STATE, ...state };
  const disk = { stateFails: false };
  const journal = new MemoryJournal();
  /** The exchange's calls and the state writes, in the order they happened. */
  const timeline: string[] = [];
  const placeMarketOrder = paper.placeMarketOrder.bind(paper);
  paper.placeMarketOrder = (order) => {
    timeline.push(`order ${order.client_id}`);
    return placeMarketOrder(order);
  };
  const controller = new TraderController({
    config: { current: () => CONFIG, read: async () => CONFIG, update: async () => ({ ok: true as const, config: CONFIG }) },
    state: {
      load: async () => saved,
      save: async (next) => {
        if (disk.stateFails) throw Object.assign(new Error("ENOSPC: no space left on device, write 'trader_state.json'"), { code: "ENOSPC" });
        timeline.push(`state ${(next.opening_intents ?? []).map((i) => i.client_id).join(",") || "-"}`);
        saved = next;
      },
    },
    lockFile: { read: async () => null, write: async () => {}, clear: async () => {} },
    journal,
    paper,
    coinex: null,
    market: () => ({ name: "sim", simulated: true, banner: null }),
    coins: () => symbols.map((symbol) => coin(symbol, 90, 0)),
    accountRefreshMs: 0,
    closeRetryDelayMs: 0,
    sleep: async () => {},
    now: () => HARNESS_NOW,
  });
  return { controller, paper, journal, disk, timeline, saved: () => saved };
}

const intent = (extra: Partial<OpeningIntent> = {}): OpeningIntent => ({
  exchange: "paper", client_id: "o-BTCUSDT-L-5666666", symbol: "BTCUSDT", side: "long", reason: "long score 90 ≥ 45", mode: "dry-run", at: HARNESS_NOW - 1000, ...extra,
});

describe("opening intents", () => {
  test("the note is written before the order goes out, and dropped once the trade is recorded", async () => {
    const h = harness();
    await h.controller.boot();
    await h.controller.runCycleNow("api");
    expect(h.paper.orders).toHaveLength(1);
    const id = h.paper.orders[0]!.client_id;
    const noted = h.timeline.indexOf(`state ${id}`);
    expect(noted).toBeGreaterThanOrEqual(0);
    expect(h.timeline.indexOf(`order ${id}`)).toBeGreaterThan(noted);
    expect(h.journal.opened.map((o) => o.client_id)).toEqual([id]);
    expect(h.saved().opening_intents).toEqual([]);
  });

  test("each order's note is on disk before it goes out; the recorded ones leave with the next write, the last when the cycle ends", async () => {
    const h = harness({}, undefined, ["BTCUSDT", "ETHUSDT", "SOLUSDT"]);
    await h.controller.boot();
    h.timeline.length = 0;
    await h.controller.runCycleNow("api");
    const [a, b, c] = h.paper.orders.map((o) => o.client_id);
    expect(h.paper.orders).toHaveLength(3);
    // Three opens, four writes (not six): a recorded note goes with the next one.
    expect(h.timeline).toEqual([`state ${a}`, `order ${a}`, `state ${b}`, `order ${b}`, `state ${c}`, `order ${c}`, "state -"]);
    expect(h.saved().opening_intents).toEqual([]);
  });

  test("a fill whose record was cut off is recorded after the restart, with the order's own client_id", async () => {
    // What a kill between the fill and the record leaves: the position on the exchange, the note on disk, no trade.
    const paper = Object.assign(new ScriptedExchange(), { startingBalance: 10_000 });
    paper.positions = [position("BTCUSDT", "long", { size: 0.5, entry_price: 101.5, margin: 10.15, leverage: 5, opened_at: HARNESS_NOW - 900 })];
    const h = harness({ opening_intents: [intent()] }, paper);
    await h.controller.boot();
    expect(h.journal.opened).toHaveLength(1);
    expect(h.journal.opened[0]).toMatchObject({
      symbol: "BTCUSDT", side: "long", size: 0.5, entry_price: 101.5, margin: 10.15, leverage: 5,
      client_id: "o-BTCUSDT-L-5666666", reason: "long score 90 ≥ 45", exchange: "paper", mode: "dry-run", at: HARNESS_NOW - 900,
    });
    expect(h.journal.of("trade")[0]).toContain("recorded from the exchange's position");
    expect(h.journal.openTrades("paper").map((t) => t.symbol)).toEqual(["BTCUSDT"]);
    expect(h.saved().opening_intents).toEqual([]);
    // And no second position is opened for it: the coin is held.
    await h.controller.runCycleNow("api");
    expect(h.paper.orders).toHaveLength(0);
  });

  test("a note whose trade was recorded (a kill before the note's drop was written) is dropped after the restart, not recorded twice", async () => {
    // The first life: one open, its trade recorded; the file still holds the note, as after a kill before the cycle ended.
    const first = harness();
    await first.controller.boot();
    await first.controller.runCycleNow("api");
    const id = first.paper.orders[0]!.client_id;
    const left = first.timeline.find((line) => line === `state ${id}`);
    expect(left).toBeDefined();
    const noteOnDisk = intent({ client_id: id });
    // The second life shares the exchange and the record, and boots from the state the kill left.
    const paper = first.paper;
    const second = harness({ opening_intents: [noteOnDisk] }, paper);
    second.journal.opened.push(...first.journal.opened);
    second.journal.entries.push(...first.journal.entries);
    await second.controller.boot();
    expect(second.journal.opened.map((o) => o.client_id)).toEqual([id]);
    expect(second.saved().opening_intents).toEqual([]);
  });

  test("an order whose answer was lost is recorded at the next cycle, not opened twice", async () => {
    const h = harness();
    await h.controller.boot();
    // The exchange fills, but the answer never arrives.
    const fill = h.paper.placeMarketOrder.bind(h.paper);
    h.paper.placeMarketOrder = async (order) => {
      await fill(order);
      throw new Error("socket hang up");
    };
    await h.controller.runCycleNow("api");
    expect(h.paper.positions.map((p) => p.symbol)).toEqual(["BTCUSDT"]);
    expect(h.journal.opened).toEqual([]);
    expect(h.saved().opening_intents?.map((i) => i.symbol)).toEqual(["BTCUSDT"]);
    h.paper.placeMarketOrder = fill;
    await h.controller.runCycleNow("api");
    expect(h.journal.opened.map((o) => [o.symbol, o.client_id])).toEqual([["BTCUSDT", h.paper.orders[0]!.client_id]]);
    expect(h.paper.positions).toHaveLength(1);
    expect(h.saved().opening_intents).toEqual([]);
  });

  test("a note with no position after a restart is dropped and said in the log", async () => {
    const h = harness({ opening_intents: [intent()] });
    await h.controller.boot();
    expect(h.journal.opened).toEqual([]);
    expect(h.journal.of("error").join("\n")).toMatch(/opening order for long BTCUSDT \(o-BTCUSDT-L-5666666\) was sent before the restart, and no such position is open/);
    expect(h.saved().opening_intents).toEqual([]);
  });

  test("no note, no order: with trader_state.json unwritable the coin is not opened, and the cycle says why", async () => {
    const h = harness();
    await h.controller.boot();
    h.disk.stateFails = true;
    await h.controller.runCycleNow("api");
    expect(h.paper.orders).toEqual([]);
    expect(h.paper.positions).toEqual([]);
    expect(h.journal.entries.map((e) => e.message).join("\n")).toContain("could not note the opening order in trader_state.json, so it was not sent");
  });
});
