/**
 * A version-1 state file, written by the program before stops and funding
 * (fixtures/paper-state-v1.json was produced by that program: an ETH short
 * opened 05:00 and closed 05:30, a SOL long 10 @ 100.05 10× opened 06:00 UTC
 * on 2024-01-01), loads and is upgraded in memory, never reset.
 */
import { describe, expect, test } from "bun:test";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadPaperState } from "../../src/exchange/paper-state.ts";
import { collect, FUNDING_0800, makePaper, order, useHarness } from "./paper-harness.ts";

const h = useHarness();
const FIXTURE = join(import.meta.dir, "fixtures", "paper-state-v1.json");

function installV1(): string {
  copyFileSync(FIXTURE, h.statePath);
  return readFileSync(h.statePath, "utf8");
}

describe("version-1 state files", () => {
  test("load with the new fields defaulted: no stops, funding 0, last funding instant = the opening's, closes of kind close", async () => {
    installV1();
    const state = loadPaperState(h.statePath);
    expect(state?.version).toBe(2);
    expect(state?.positions[0]).toMatchObject({ symbol: "SOLUSDT", stop_loss_price: null, take_profit_price: null, funding: 0, last_funding_at: Date.UTC(2024, 0, 1, 0, 0) });
    expect(state?.closed[0]).toMatchObject({ symbol: "ETHUSDT", kind: "close", fees: 0, funding: 0, realized_pnl: 96.1000250000002 });

    const ex = makePaper(h); // 07:00 UTC, before the next funding instant
    expect(ex.startingBalance).toBe(10_000);
    const [position] = await ex.getPositions();
    expect(position).toMatchObject({ symbol: "SOLUSDT", size: 10, entry_price: 100.05, margin: 100.05, stop_loss_price: null, take_profit_price: null, funding: 0 });
    expect(position?.liquidation_price).toBeCloseTo(90.045 / 0.995, 9);
    expect((await ex.getBalance()).available).toBe(9995.549775000001);
    expect(await ex.getClosedPositions(5)).toEqual([
      { symbol: "ETHUSDT", side: "short", size: 1, entry_price: 1999, exit_price: 1900.9499999999998, realized_pnl: 96.1000250000002, fees: 0, funding: 0, opened_at: 1704085200000, closed_at: 1704087000000, kind: "close" },
    ]);
  });

  test("reading does not rewrite the file (the old program can still read it); the next change writes version 2", async () => {
    const original = installV1();
    const ex = makePaper(h);
    await ex.getBalance();
    await ex.getPositions();
    expect(readFileSync(h.statePath, "utf8")).toBe(original);
    await ex.setPositionStops("SOLUSDT", { stop_loss_price: 95, take_profit_price: null });
    const saved = JSON.parse(readFileSync(h.statePath, "utf8"));
    expect(saved.version).toBe(2);
    expect(saved.positions[0]).toMatchObject({ stop_loss_price: 95, funding: 0, last_funding_at: Date.UTC(2024, 0, 1, 0, 0) });
    expect(makePaper(h).startingBalance).toBe(10_000);
  });

  test("funding since the opening is charged at the next check, once", async () => {
    installV1();
    const ex = makePaper(h);
    const events = collect(ex);
    h.clock.now = FUNDING_0800 + 1;
    await ex.getBalance();
    await ex.getBalance();
    expect(events).toEqual([{ type: "funding", symbol: "SOLUSDT", amount: expect.closeTo(-0.1, 12), rate: 0.0001, at: FUNDING_0800 }]);
  });

  test("client_ids remembered by the old program still answer duplicate:true, a close with its position's pnl", async () => {
    installV1();
    const ex = makePaper(h);
    const open = await ex.placeMarketOrder(order({ client_id: "v1-open-sol" }));
    expect(open).toEqual({ order_id: "paper-3", client_id: "v1-open-sol", symbol: "SOLUSDT", side: "buy", amount: 10, price: 100.05, fee: 0.50025, realized_pnl: 0, duplicate: true });
    const close = await ex.closePosition("ETHUSDT", "v1-close-eth");
    expect(close.order).toMatchObject({ order_id: "paper-2", duplicate: true, realized_pnl: 97.0995250000002 });
    expect(close).toMatchObject({ exit_price: 1900.9499999999998, close_fee: 0.950475, funding: 0, pnl: 96.1000250000002 });
    // Order ids continue.
    h.prices.set("ETHUSDT", 2000);
    expect((await ex.placeMarketOrder(order({ symbol: "ETHUSDT", amount: 1, client_id: "new-eth" }))).order_id).toBe("paper-4");
  });

  test("an invalid version-1 file is an error naming the file and the field, never a reset", () => {
    const saved = JSON.parse(installV1());
    saved.positions[0].margin = -1;
    writeFileSync(h.statePath, JSON.stringify(saved));
    const text = readFileSync(h.statePath, "utf8");
    expect(() => makePaper(h)).toThrow(/paper exchange state file .* \(version 1\) is invalid \(positions\.0\.margin: /);
    expect(readFileSync(h.statePath, "utf8")).toBe(text);
  });

  test("an unknown version is refused, not guessed", () => {
    const saved = JSON.parse(installV1());
    saved.version = 3;
    writeFileSync(h.statePath, JSON.stringify(saved));
    expect(() => makePaper(h)).toThrow(/is invalid \(version: /);
  });

  test("the new fields round-trip through a restart", async () => {
    const ex = makePaper(h);
    await ex.placeMarketOrder(order());
    await ex.setPositionStops("SOLUSDT", { stop_loss_price: 95, take_profit_price: 120 });
    h.clock.now = FUNDING_0800;
    const before = await ex.getPositions();
    expect(before[0]?.funding).toBeCloseTo(-0.1, 12);
    expect(await makePaper(h).getPositions()).toEqual(before);
  });
});
