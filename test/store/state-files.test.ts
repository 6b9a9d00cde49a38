import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  LOCK_FILE,
  STOPPED_STATE_FILE,
  TRADER_STATE_FILE,
  clearLock,
  readLock,
  readTraderState,
  setStateAsideAsStopped,
  writeLock,
  writeTraderState,
} from "../../src/store/state-files.ts";
import { makeTempDir, removeTempDirs } from "../util/temp-dir.ts";

afterEach(removeTempDirs);

describe("the lockfile", () => {
  test("absent means unlocked; a written lock reads back; clearing unlocks", async () => {
    const dataDir = makeTempDir("state");
    expect(await readLock(dataDir)).toEqual({ locked: false });

    const written = await writeLock(dataDir, { reason: "3 consecutive order failures", source: "circuit_breaker", count: 3 });
    const onDisk = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), "utf8"));
    expect(onDisk).toEqual({ reason: "3 consecutive order failures", at: written.at, count: 3, source: "circuit_breaker" });
    expect(new Date(written.at).toISOString()).toBe(written.at);

    const status = await readLock(dataDir);
    expect(status).toEqual({
      locked: true,
      corrupt: false,
      lock: { reason: "3 consecutive order failures", at: written.at, count: 3, source: "circuit_breaker" },
      message: `trading is locked by circuit_breaker after 3 since ${written.at}: 3 consecutive order failures`,
    });

    await clearLock(dataDir);
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
    expect(await readLock(dataDir)).toEqual({ locked: false });
    await clearLock(dataDir); // clearing twice is fine
  });

  test("the product's lockfile written by hand (no count, epoch-ms time) is understood", async () => {
    const dataDir = makeTempDir("state");
    writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify({ reason: "kill switch: drawdown 52%", at: 0, source: "kill_switch" }));
    const status = await readLock(dataDir);
    expect(status).toMatchObject({ locked: true, corrupt: false, lock: { at: "1970-01-01T00:00:00.000Z", source: "kill_switch" } });
  });

  const damaged: [string, string][] = [
    ["not JSON", "{ reason: oops"],
    ["empty", ""],
    ["JSON null", "null"],
    ["missing fields", "{}"],
    ["wrong types", JSON.stringify({ reason: 5, at: "now", source: "kill_switch" })],
  ];
  for (const [name, content] of damaged) {
    test(`a corrupt lockfile (${name}) counts as LOCKED, with a message naming the file`, async () => {
      const dataDir = makeTempDir("state");
      writeFileSync(join(dataDir, LOCK_FILE), content);
      const status = await readLock(dataDir);
      expect(status.locked).toBe(true);
      if (!status.locked) return;
      expect(status.corrupt).toBe(true);
      expect(status.lock).toBeNull();
      expect(status.message).toContain(join(dataDir, LOCK_FILE));
      expect(status.message).toContain("LOCKED until the lock is cleared");
    });
  }

  test("a lockfile that cannot be read (a directory in its place) counts as LOCKED", async () => {
    const dataDir = makeTempDir("state");
    mkdirSync(join(dataDir, LOCK_FILE));
    const status = await readLock(dataDir);
    expect(status).toMatchObject({ locked: true, corrupt: true, lock: null });
    await expect(clearLock(dataDir)).rejects.toThrow(`could not remove the lockfile ${join(dataDir, LOCK_FILE)}`);
  });

  test("a lock without a reason or source is refused and nothing is written", async () => {
    const dataDir = makeTempDir("state");
    await expect(writeLock(dataDir, { reason: "", source: "kill_switch" })).rejects.toThrow("writeLock: reason");
    await expect(writeLock(dataDir, { reason: "x", source: "" })).rejects.toThrow("writeLock: source");
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  });
});

describe("trader_state.json", () => {
  test("absent means not running, without an error", async () => {
    expect(await readTraderState(makeTempDir("state"))).toEqual({
      running: false, mode: null, updated_at: null, error: null,
      live_confirmed_at: null, last_exchange: "paper", coinex_starting_balance: null, baselines: {}, closing_duty: [], opening_intents: [],
    });
  });

  test("what was written reads back", async () => {
    const dataDir = makeTempDir("state");
    const extras = {
      live_confirmed_at: 1700000000000, last_exchange: "coinex" as const, coinex_starting_balance: 1234.5,
      baselines: { coinex: { equity: 1500, at: 1700000000001 } },
      closing_duty: [{ exchange: "coinex" as const, symbol: "BTCUSDT", reason: "kill switch", since: 1, attempts: 2, last_error: "busy", next_at: 3 }],
      opening_intents: [{ exchange: "coinex" as const, client_id: "o-BTCUSDT-L-1", symbol: "BTCUSDT", side: "long" as const, reason: "score 62", mode: "live" as const, at: 4 }],
    };
    const written = await writeTraderState(dataDir, { running: true, mode: "dry-run", ...extras });
    expect(JSON.parse(readFileSync(join(dataDir, TRADER_STATE_FILE), "utf8"))).toEqual({
      running: true,
      mode: "dry-run",
      ...extras,
      updated_at: written.updated_at,
    });
    expect(await readTraderState(dataDir)).toEqual({ running: true, mode: "dry-run", updated_at: written.updated_at, error: null, ...extras });

    await writeTraderState(dataDir, { running: false });
    expect(await readTraderState(dataDir)).toMatchObject({ running: false, mode: null, error: null });
  });

  const damaged: [string, string][] = [
    ["not JSON", "{running: true"],
    ["empty", ""],
    ["a string for running", JSON.stringify({ running: "true", updated_at: "2026-01-01T00:00:00Z" })],
    ["an unknown mode", JSON.stringify({ running: true, mode: "turbo" })],
    ["an array", "[true]"],
  ];
  for (const [name, content] of damaged) {
    test(`a corrupt state file (${name}) means NOT running, with a message naming the file`, async () => {
      const dataDir = makeTempDir("state");
      writeFileSync(join(dataDir, TRADER_STATE_FILE), content);
      const state = await readTraderState(dataDir);
      expect(state.running).toBe(false);
      expect(state.error).toContain(join(dataDir, TRADER_STATE_FILE));
      expect(state.error).toContain("treating the trader as OFF");
    });
  }
});

describe("trader_state.json set aside when OFF cannot be written", () => {
  test("the moved file makes a restart come up OFF with the rest of the state; the next write puts it back", async () => {
    const dataDir = makeTempDir("state");
    const baselines = { paper: { equity: 9000, at: 5 } };
    await writeTraderState(dataDir, { running: true, baselines });
    await setStateAsideAsStopped(dataDir);
    expect(existsSync(join(dataDir, TRADER_STATE_FILE))).toBe(false);
    expect(await readTraderState(dataDir)).toMatchObject({ running: false, baselines, error: null });
    await writeTraderState(dataDir, { running: false, baselines });
    expect(existsSync(join(dataDir, STOPPED_STATE_FILE))).toBe(false);
    expect(await readTraderState(dataDir)).toMatchObject({ running: false, baselines });
  });

  test("nothing to move (no file, or a directory in its place) is not an error: both read as OFF", async () => {
    const dataDir = makeTempDir("state");
    await setStateAsideAsStopped(dataDir);
    expect((await readTraderState(dataDir)).running).toBe(false);
  });
});
