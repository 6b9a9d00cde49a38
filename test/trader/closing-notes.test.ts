/**
 * A close the bot orders is noted before its order goes out (closing.ts), so
 * when its record is cut off — a kill between the exchange's fill and the
 * record, or an answer lost on the way back — the restart's reconciliation
 * records it with the bot's reason instead of "closed outside the bot". With
 * the real SQLite store behind the journal port (app/record.ts).
 */
import { afterEach, expect, test } from "bun:test";
import { journalFor } from "../../src/app/record.ts";
import { openStore, type TraderStore } from "../../src/store/trader-store.ts";
import { closeWithRetries } from "../../src/trader/closing.ts";
import type { TraderJournal } from "../../src/trader/ports.ts";
import { reconcileClosedPositions } from "../../src/trader/reconcile.ts";
import { HARNESS_NOW, position, ScriptedExchange } from "../helpers/trader-fakes.ts";
import { makeTempDir, removeTempDirs } from "../util/temp-dir.ts";

const stores: TraderStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  removeTempDirs();
});

function recordWith(dataDir: string): { store: TraderStore; journal: TraderJournal } {
  const store = openStore(dataDir);
  stores.push(store);
  return { store, journal: journalFor(store) };
}

function ports(journal: TraderJournal) {
  return { journal, emit: () => {}, now: () => HARNESS_NOW, sleep: async () => {} };
}

/** One long BTCUSDT open on the exchange and in the record. */
function openedTrade(journal: TraderJournal): ScriptedExchange {
  const exchange = new ScriptedExchange();
  exchange.positions = [position("BTCUSDT", "long", { size: 0.5, entry_price: 100, current_price: 104, unrealized_pnl: 2, opened_at: HARNESS_NOW - 600_000 })];
  journal.tradeOpened("Opened long BTCUSDT", {
    symbol: "BTCUSDT", side: "long", size: 0.5, entry_price: 100, fee: 0.03, margin: 10, leverage: 5, client_id: "o-BTCUSDT-L-1", reason: "long score 70 ≥ 45",
    exchange: exchange.name, mode: "dry-run", at: HARNESS_NOW - 600_000,
  });
  return exchange;
}

/** What a kill between the fill and the record leaves: the exchange closed it (a plain close in its history), the record did not hear. */
function cutOffClose(exchange: ScriptedExchange): void {
  exchange.closeByExchange("BTCUSDT", "close", 104, 1.94, HARNESS_NOW + 1000);
}

test("a close whose record was cut off keeps the bot's reason after the restart", async () => {
  const dataDir = makeTempDir("closing-notes");
  const first = recordWith(dataDir);
  const exchange = openedTrade(first.journal);
  // The owner's Close: noted, then the order, which fills — and its answer never comes back
  // (for the record, the same as a kill between the fill and the record).
  exchange.closePosition = async () => {
    cutOffClose(exchange);
    throw new Error("the answer was lost");
  };
  const outcome = await closeWithRetries(exchange, exchange.positions[0]!, "closed by owner (page)", ports(first.journal), { attempts: 1 });
  expect(outcome.ok).toBe(false);
  expect(first.store.recentClosedTrades(1)).toEqual([]);
  first.store.close();
  stores.splice(0);

  // The restart: a new store on the same file, reconciling with the exchange's history.
  const second = recordWith(dataDir);
  expect(second.journal.openTrades(exchange.name)).toEqual([expect.objectContaining({ symbol: "BTCUSDT", closing_reason: "closed by owner (page)" })]);
  expect(await reconcileClosedPositions(exchange, [], ports(second.journal))).toBe(1);
  const [trade] = second.store.recentClosedTrades(1);
  expect(trade).toMatchObject({ symbol: "BTCUSDT", close_reason: "closed by owner (page)", pnl: 1.94, exit_price: 104 });
  expect(second.store.logs({ kind: "trade", limit: 1 })[0]?.message).toBe("Closed long BTCUSDT at 104.00 (closed by owner (page)), P&L +1.94 USDT");
  // The note went with the close.
  expect(second.store.closingReason(trade!.id)).toBeNull();
});

test("an exchange-side stop is recorded as the exchange says, even while the bot was closing", async () => {
  const { store, journal } = recordWith(makeTempDir("closing-notes"));
  const exchange = openedTrade(journal);
  journal.noteClosing?.(exchange.name, "BTCUSDT", "take-profit 2 % reached", HARNESS_NOW);
  exchange.closeByExchange("BTCUSDT", "stop_loss", 98, -1.06, HARNESS_NOW + 1000);
  expect(await reconcileClosedPositions(exchange, [], ports(journal))).toBe(1);
  expect(store.recentClosedTrades(1)[0]?.close_reason).toBe("stop-loss on the exchange");
});

test("without a note, a close from outside the bot is still said to be one", async () => {
  const { store, journal } = recordWith(makeTempDir("closing-notes"));
  const exchange = openedTrade(journal);
  cutOffClose(exchange);
  expect(await reconcileClosedPositions(exchange, [], ports(journal))).toBe(1);
  expect(store.recentClosedTrades(1)[0]?.close_reason).toBe("closed outside the bot");
});

test("a close recorded as usual leaves no note behind, and a note for a closed trade is never made", async () => {
  const { store, journal } = recordWith(makeTempDir("closing-notes"));
  const exchange = openedTrade(journal);
  const outcome = await closeWithRetries(exchange, exchange.positions[0]!, "kill switch", ports(journal));
  expect(outcome.ok).toBe(true);
  const [trade] = store.recentClosedTrades(1);
  expect(trade?.close_reason).toBe("kill switch");
  expect(store.closingReason(trade!.id)).toBeNull();
  store.noteClosing(trade!.id, "too late", HARNESS_NOW);
  expect(store.closingReason(trade!.id)).toBeNull();
});
