import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigFile, ConfigFileError } from "../../src/config/config-file.ts";
import { setQuiet } from "../../src/log.ts";
import { makeTempDir, removeTempDirs } from "../util/temp-dir.ts";
import { watchedConfig, type WatchedConfig } from "./config-events.ts";

setQuiet(true);

/** The defaults as documented in the table at the top of src/config/schema.ts. */
const DOCUMENTED_DEFAULTS = {
  mode: "paused",
  position_size_pct: 5,
  max_positions: 3,
  max_leverage: 10,
  kill_switch_drawdown_pct: 50,
  tp_pct: null,
  sl_pct: null,
  circuit_breaker_threshold: 3,
  scan_interval_minutes: 5,
  long_threshold: 45,
  short_threshold: 50,
  coin_blacklist: [],
  coin_whitelist: [],
  use_ta_signals: false,
  reentry_cooldown_minutes: 30,
  // README "Notifications": every event on, per-trade messages off in dry-run, the summary at 00 UTC.
  notifications: {
    trade_opened: "on", trade_closed: "on", tp_sl_hit: "on", kill_switch: "on", circuit_breaker: "on", emergency_stop: "on",
    close_failing: "on", lockfile_cleared: "on", mode_changed: "on", bot_on_off: "on", exchange_error: "on", market_feed: "on",
    redis: "on", daily_summary: "on", dry_run_trades: "off", daily_summary_hour_utc: 0,
  },
};

const watched: WatchedConfig[] = [];
afterEach(() => {
  for (const entry of watched.splice(0)) entry.stop();
  removeTempDirs();
});

function configPath(): string {
  return join(makeTempDir("config"), "trader_config.json");
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value, null, 2));
}

/** Saves like vim and most editors: write a new file, rename it over the old one. */
function editorSave(path: string, value: unknown): void {
  writeFileSync(`${path}.swp`, JSON.stringify(value));
  renameSync(`${path}.swp`, path);
}

describe("ConfigFile.load", () => {
  test("creates a missing file with the documented defaults", async () => {
    const path = configPath();
    const file = new ConfigFile(path);
    expect(await file.load()).toEqual(DOCUMENTED_DEFAULTS as never);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual(DOCUMENTED_DEFAULTS);
    expect(file.current).toEqual(DOCUMENTED_DEFAULTS as never);
  });

  test("reads an existing valid file and fills absent fields with defaults", async () => {
    const path = configPath();
    writeJson(path, { mode: "dry-run", max_leverage: 7 });
    const config = await new ConfigFile(path).load();
    expect(config).toEqual({ ...DOCUMENTED_DEFAULTS, mode: "dry-run", max_leverage: 7 } as never);
  });

  test("an invalid file is refused with the path and every bad field", async () => {
    const path = configPath();
    writeJson(path, { mode: "yolo", max_leverage: 500, coin_blacklist: ["btc"], surprise: 1 });
    const error = await new ConfigFile(path).load().then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigFileError);
    const configError = error as ConfigFileError;
    expect(configError.message).toContain(path);
    for (const field of ["mode", "max_leverage", "coin_blacklist.0", "surprise"]) {
      expect(configError.message).toContain(field);
    }
    expect(configError.issues.map((issue) => issue.path).sort()).toEqual(
      ["(root)", "coin_blacklist.0", "max_leverage", "mode"].sort(),
    );
  });

  test("a file that is not JSON is refused with the path", async () => {
    const path = configPath();
    writeFileSync(path, "{ mode: paused }");
    await expect(new ConfigFile(path).load()).rejects.toThrow(`${path} is not valid JSON`);
  });

  test("a missing file in a missing directory is a ConfigFileError naming the path", async () => {
    const path = join(makeTempDir("config"), "no-such-dir", "trader_config.json");
    const error = await new ConfigFile(path).load().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigFileError);
    expect((error as Error).message).toContain(`cannot create ${path} with the defaults`);
  });

  test("current before load says what to do", () => {
    expect(() => new ConfigFile(configPath()).current).toThrow("call load()");
  });
});

describe("ConfigFile.update", () => {
  test("writes the merged config and keeps every field the patch did not name", async () => {
    const path = configPath();
    writeJson(path, { mode: "dry-run", max_leverage: 7, coin_blacklist: ["DOGEUSDT"] });
    const file = new ConfigFile(path);
    await file.load();
    const result = await file.update({ tp_pct: 12.5 }, "page");
    const expected = { ...DOCUMENTED_DEFAULTS, mode: "dry-run", max_leverage: 7, coin_blacklist: ["DOGEUSDT"], tp_pct: 12.5 };
    expect(result).toEqual({ ok: true, config: expected as never });
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual(expected);
    expect(file.current).toEqual(expected as never);
  });

  test("refuses bad input by field name and leaves the file's bytes unchanged", async () => {
    const path = configPath();
    const file = new ConfigFile(path);
    await file.load();
    const before = readFileSync(path);

    const tooHigh = await file.update({ max_leverage: 500, position_size_pct: 0 }, "api");
    expect(tooHigh.ok).toBe(false);
    if (!tooHigh.ok) expect(tooHigh.issues.map((issue) => issue.path).sort()).toEqual(["max_leverage", "position_size_pct"]);

    const unknown = await file.update({ leverage: 5 }, "api");
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.issues[0]?.message).toContain("leverage");

    const wrongType = await file.update({ mode: "live", use_ta_signals: "yes" }, "api");
    expect(wrongType.ok).toBe(false);
    if (!wrongType.ok) expect(wrongType.issues.map((issue) => issue.path)).toEqual(["use_ta_signals"]);

    const notAnObject = await file.update("max_leverage=5", "api");
    expect(notAnObject.ok).toBe(false);

    expect(readFileSync(path)).toEqual(before);
    expect(file.current).toEqual(DOCUMENTED_DEFAULTS as never);
  });

  test("an explicit undefined field changes nothing", async () => {
    const path = configPath();
    writeJson(path, { mode: "dry-run" });
    const file = new ConfigFile(path);
    await file.load();
    const result = await file.update({ mode: undefined, max_positions: 5 }, "api");
    expect(result.ok && result.config.mode).toBe("dry-run");
    expect(result.ok && result.config.max_positions).toBe(5);
  });

  test("concurrent updates never lose one another's fields", async () => {
    const path = configPath();
    const file = new ConfigFile(path);
    await file.load();
    const results = await Promise.all([
      file.update({ max_leverage: 20 }, "page"),
      file.update({ tp_pct: 5 }, "api"),
      file.update({ sl_pct: 3 }, "page"),
      file.update({ coin_whitelist: ["BTCUSDT", "ETHUSDT"] }, "api"),
      file.update({ long_threshold: 60, short_threshold: 70 }, "page"),
    ]);
    expect(results.every((result) => result.ok)).toBe(true);
    const onDisk = JSON.parse(readFileSync(path, "utf8"));
    expect(onDisk).toEqual({
      ...DOCUMENTED_DEFAULTS,
      max_leverage: 20,
      tp_pct: 5,
      sl_pct: 3,
      coin_whitelist: ["BTCUSDT", "ETHUSDT"],
      long_threshold: 60,
      short_threshold: 70,
    });
  });

  test("builds on a hand edit made since the last read instead of erasing it", async () => {
    const path = configPath();
    const file = new ConfigFile(path);
    await file.load();
    writeJson(path, { max_positions: 1 });
    const result = await file.update({ max_leverage: 4 }, "page");
    expect(result.ok).toBe(true);
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({ max_positions: 1, max_leverage: 4 });
  });
});

describe("ConfigFile.read", () => {
  test("picks up a valid hand edit", async () => {
    const path = configPath();
    const file = new ConfigFile(path);
    await file.load();
    expect(await file.read()).toEqual({ config: DOCUMENTED_DEFAULTS as never, changed: false, error: null });
    writeJson(path, { max_positions: 2 });
    const result = await file.read();
    expect(result.changed).toBe(true);
    expect(result.config.max_positions).toBe(2);
    expect(file.current.max_positions).toBe(2);
    expect((await file.read()).changed).toBe(false);
  });

  test("keeps the last good config while the file is broken, naming the bad field", async () => {
    const path = configPath();
    writeJson(path, { max_leverage: 8 });
    const file = new ConfigFile(path);
    await file.load();
    writeJson(path, { max_leverage: 0 });
    for (let cycle = 0; cycle < 3; cycle += 1) {
      const result = await file.read();
      expect(result.config.max_leverage).toBe(8);
      expect(result.changed).toBe(false);
      expect(result.error).toContain("max_leverage");
      expect(result.error).toContain(path);
    }
    writeJson(path, { max_leverage: 9 });
    expect(await file.read()).toMatchObject({ changed: true, error: null, config: { max_leverage: 9 } });
  });

  test("a deleted file keeps the last good config and says the file is missing", async () => {
    const path = configPath();
    const file = new ConfigFile(path);
    await file.load();
    await file.update({ max_positions: 6 }, "page");
    const { rmSync } = await import("node:fs");
    rmSync(path);
    const result = await file.read();
    expect(result.config.max_positions).toBe(6);
    expect(result.error).toContain("does not exist");
  });
});

describe("ConfigFile.watch", () => {
  test("a hand edit (in place, then editor-style renames) is reported as a file change", async () => {
    const path = configPath();
    const config = await watchedConfig(path, { pollIntervalMs: 0 });
    watched.push(config);

    writeJson(path, { max_positions: 7 });
    const [first] = await config.waitForEvents(1);
    expect(first).toEqual({ kind: "changed", origin: "file", config: { ...DOCUMENTED_DEFAULTS, max_positions: 7 } as never });

    // After a rename the old inode is gone: the directory watch must still see the next saves.
    editorSave(path, { max_positions: 8 });
    await config.waitForEvents(2);
    editorSave(path, { max_positions: 9 });
    const events = await config.waitForEvents(3);
    expect(events.map((event) => event.kind === "changed" && event.config.max_positions)).toEqual([7, 8, 9]);
    expect(config.file.current.max_positions).toBe(9);
  });

  test("its own writes are not reported as hand edits", async () => {
    const path = configPath();
    const config = await watchedConfig(path, { pollIntervalMs: 0 });
    watched.push(config);

    await config.file.update({ max_leverage: 3 }, "page");
    // The rename of our own write wakes the watcher; wait until it has looked at the file.
    const [check] = await config.waitForChecks(1);
    expect(check).toMatchObject({ changed: false, error: null });
    expect(config.events).toEqual([]);

    writeJson(path, { max_leverage: 4 });
    const events = await config.waitForEvents(1);
    expect(events).toEqual([
      { kind: "changed", origin: "file", config: { ...DOCUMENTED_DEFAULTS, max_leverage: 4 } as never },
    ]);
  });

  test("a broken hand edit keeps the last good config and is reported exactly once", async () => {
    const path = configPath();
    writeJson(path, { max_positions: 4 });
    const config = await watchedConfig(path, { pollIntervalMs: 0 });
    watched.push(config);

    writeJson(path, { max_positions: 4, kill_switch_drawdown_pct: 0 });
    const [rejected] = await config.waitForEvents(1);
    expect(rejected?.kind).toBe("rejected");
    if (rejected?.kind === "rejected") {
      expect(rejected.issues.map((issue) => issue.path)).toEqual(["kill_switch_drawdown_pct"]);
      expect(rejected.error).toContain(path);
    }
    // Every cycle re-reads the same bad file: the last good config stays, no new report.
    for (let cycle = 0; cycle < 3; cycle += 1) {
      const result = await config.file.read();
      expect(result.config.max_positions).toBe(4);
      expect(result.config.kill_switch_drawdown_pct).toBe(50);
      expect(result.error).toContain("kill_switch_drawdown_pct");
    }

    writeJson(path, { max_positions: 5 });
    const events = await config.waitForEvents(2);
    expect(events.map((event) => event.kind)).toEqual(["rejected", "changed"]);
    expect(config.file.current.max_positions).toBe(5);
  });

  test("the stat poll alone notices a hand edit", async () => {
    const path = configPath();
    const config = await watchedConfig(path, { useFsWatch: false, pollIntervalMs: 25 });
    watched.push(config);
    writeJson(path, { scan_interval_minutes: 15 });
    const [event] = await config.waitForEvents(1);
    expect(event).toMatchObject({ kind: "changed", origin: "file", config: { scan_interval_minutes: 15 } });
  });

  test("a stopped watch reports nothing more", async () => {
    const path = configPath();
    const config = await watchedConfig(path, { pollIntervalMs: 0 });
    watched.push(config);
    writeJson(path, { max_positions: 1 });
    await config.waitForEvents(1);
    config.stop();
    writeJson(path, { max_positions: 2 });
    // read() still works after the watch stops, and its change goes to no listener.
    expect((await config.file.read()).config.max_positions).toBe(2);
    expect(config.events.length).toBe(1);
  });
});

describe("ConfigFile saves atomically", () => {
  test("a reader in another process, reading all through 300 saves, never sees a partial file", async () => {
    const dir = makeTempDir("config-atomic");
    const path = join(dir, "trader_config.json");
    const stopFile = join(dir, "stop");
    const file = new ConfigFile(path);
    await file.load();
    const reader = Bun.spawn([process.execPath, join(import.meta.dir, "fixtures/torn-reader.ts"), path, stopFile], { stdout: "pipe", stderr: "inherit" });
    const output = new Response(reader.stdout).text();
    // Start saving once the reader runs, so the saves overlap its reads.
    await waitForFile(`${stopFile}.ready`);
    for (let i = 0; i < 300; i++) {
      // Alternating lengths: a torn write would leave a truncated or empty file between them.
      const result = await file.update({ coin_blacklist: i % 2 === 0 ? ["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "ADAUSDT"] : [], max_leverage: 1 + (i % 50) }, "api");
      expect(result.ok).toBe(true);
    }
    writeFileSync(stopFile, "");
    await reader.exited;
    const report = JSON.parse((await output).trim().split("\n").at(-1) ?? "{}") as { reads: number; torn: number; example: string };
    expect(report.reads).toBeGreaterThan(300);
    expect(report).toMatchObject({ torn: 0, example: "" });
  }, 30_000);
});

async function waitForFile(path: string): Promise<void> {
  for (let i = 0; i < 1000 && !existsSync(path); i++) await Bun.sleep(10);
  if (!existsSync(path)) throw new Error(`${path} never appeared`);
}
