/**
 * The two controls an owner reaches for in trouble must work exactly when the
 * disk is in trouble. The real server in dry-run with positions open; then a
 * directory stands where a state file should be (live-trader-lock.json,
 * trader_state.json, trader_config.json, paper_account.json), or the data dir
 * is a full tmpfs. Emergency stop still closes every position and answers with
 * each step's result; stop still stops; a restart comes up OFF; nothing
 * committed is lost.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestServer, waitFor, type TestServer } from "../helpers/server.ts";

const STATE_FILES = ["live-trader-lock.json", "trader_state.json", "trader_config.json", "paper_account.json"] as const;

let server: TestServer | null = null;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await server?.close(true);
  server = null;
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

async function tradingServer(dataDir: string): Promise<TestServer> {
  const started = await startTestServer({ dataDir, cycleIntervalMs: 200, closeRetryDelayMs: 10 });
  server = started;
  expect((await started.post("/api/trader/config", { long_threshold: 0, short_threshold: 130, max_positions: 4, reentry_cooldown_minutes: 0 })).status).toBe(200);
  expect((await started.post("/api/trader/mode", { mode: "dry-run" })).status).toBe(200);
  expect((await started.post("/api/trader/control", { action: "start" })).status).toBe(200);
  await waitFor("positions to open", async () => (await started.get("/api/trader/status")).body.positions.length === 4, 15_000);
  return started;
}

/** A directory where the file was: every write of it fails (EISDIR), reads of it fail too. */
function directoryInPlaceOf(dataDir: string, name: string): void {
  rmSync(join(dataDir, name), { force: true });
  mkdirSync(join(dataDir, name));
  writeFileSync(join(dataDir, name, "keep"), "a directory, not the file\n");
}

function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "disk-faults-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function restartedStatus(dataDir: string) {
  await server?.close(true);
  server = await startTestServer({ dataDir, cycleIntervalMs: 200 });
  return (await server.get("/api/trader/status")).body;
}

describe("emergency stop with a directory in place of a state file", () => {
  for (const name of STATE_FILES) {
    test(`${name}: every position is closed, the trader is OFF, and the answer says which step failed`, async () => {
      const dataDir = tempDataDir();
      const s = await tradingServer(dataDir);
      directoryInPlaceOf(dataDir, name);
      const answer = await s.post("/api/trader/control", { action: "emergency-stop" });
      expect(answer.status).toBeLessThan(600);
      expect(answer.body.status.positions).toEqual([]);
      expect(answer.body.status.running).toBe(false);
      // Locked: by the emergency stop's own lock, or (the lockfile a directory) as a damaged lockfile.
      expect(answer.body.status.lock).not.toBeNull();
      const steps = answer.body.data.steps as { step: string; ok: boolean; detail: string }[];
      expect(steps.find((step) => step.step === "close positions on paper")?.ok).toBe(true);
      if (name !== "paper_account.json") expect(steps.some((step) => !step.ok && step.detail.includes(name))).toBe(true);
      // Nothing more is opened afterwards, whatever the disk does.
      const after = await s.post("/api/trader/control", { action: "run-cycle" });
      expect(after.body.status.positions).toEqual([]);

      // A restart comes up OFF (a directory where the state file was reads as OFF; a damaged lockfile as locked).
      rmSync(join(dataDir, name), { recursive: true, force: true });
      if (name === "trader_config.json") writeFileSync(join(dataDir, name), readFileSync(join(import.meta.dir, "../../trader_config.json")));
      const restarted = await restartedStatus(dataDir);
      expect(restarted.running).toBe(false);
    }, 60_000);
  }
});

describe("stop with trader_state.json unwritable", () => {
  test("stops at once, says the write failed, and a restart comes up OFF", async () => {
    const dataDir = tempDataDir();
    const s = await tradingServer(dataDir);
    directoryInPlaceOf(dataDir, "trader_state.json");
    const answer = await s.post("/api/trader/control", { action: "stop" });
    expect(answer.body.message).toContain("Trader OFF now, but trader_state.json could not be written");
    expect(answer.body.status.running).toBe(false);
    // No cycle after the stop: the cycle count stays where it was over several intervals.
    const cycles = async () => (await s.get("/api/trader/logs?kind=cycle&limit=1000")).body.entries.length as number;
    const atStop = await cycles();
    await Bun.sleep(1000);
    expect(await cycles()).toBe(atStop);
    rmSync(join(dataDir, "trader_state.json"), { recursive: true, force: true });
    expect((await restartedStatus(dataDir)).running).toBe(false);
  }, 60_000);
});

/** Mounts a small tmpfs (root only); null where this machine does not allow it. */
function mountTmpfs(sizeMb: number): string | null {
  const dir = mkdtempSync(join(tmpdir(), "full-disk-"));
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${sizeMb}m`, "tmpfs", dir]);
  if (mounted.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  unmounts.push(() => {
    spawnSync("umount", ["-l", dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Fills the file system holding `dir` until a write fails with ENOSPC. */
function fillDisk(dir: string): void {
  const chunk = Buffer.alloc(64 * 1024, 1);
  const filler = join(dir, "filler.bin");
  for (let i = 0; ; i++) {
    try {
      writeFileSync(filler, chunk, { flag: "a" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOSPC") return;
      throw error;
    }
    if (i > 100_000) throw new Error("the disk never filled");
  }
}

const unmounts: (() => void)[] = [];
afterAll(() => {
  for (const unmount of unmounts.splice(0)) unmount();
});
const fullDisk = mountTmpfs(8);
describe("a full disk (the data dir on an 8 MB tmpfs, filled up)", () => {
  test.skipIf(fullDisk === null)("emergency stop closes everything and answers with the ENOSPC it met; a restart after freeing space comes up OFF with the record intact", async () => {
    const dataDir = join(fullDisk!, "data");
    mkdirSync(dataDir);
    const s = await tradingServer(dataDir);
    const trades = (await s.get("/api/trader/logs?kind=trade&limit=1000")).body.entries.length as number;
    fillDisk(dataDir);
    const answer = await s.post("/api/trader/control", { action: "emergency-stop" });
    expect(answer.body.status.positions).toEqual([]);
    expect(answer.body.status.running).toBe(false);
    expect(answer.body.status.lock?.source).toBe("emergency_stop");
    const failed = (answer.body.data.steps as { ok: boolean; detail: string }[]).filter((step) => !step.ok);
    expect(failed.some((step) => step.detail.includes("ENOSPC"))).toBe(true);
    rmSync(join(dataDir, "filler.bin"));
    const restarted = await restartedStatus(dataDir);
    expect(restarted.running).toBe(false);
    // The opens recorded before the disk filled are all still there.
    const after = (await server!.get("/api/trader/logs?kind=trade&limit=1000")).body.entries.length as number;
    expect(after).toBeGreaterThanOrEqual(trades);
  }, 60_000);
});
