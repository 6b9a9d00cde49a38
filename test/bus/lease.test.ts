/**
 * Lease locks on a real redis-server: SET NX PX acquisition, owner-only renew
 * and release, loss on takeover or outage, and a two-process failover in which
 * the holder is killed with SIGKILL and the standby takes over — with every
 * "acting" moment of both processes recorded to prove they never overlap.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import type Redis from "ioredis";
import { keys } from "../../src/bus/keys.ts";
import { acquireLease, type Lease } from "../../src/bus/lease.ts";
import { RedisBus } from "../../src/bus/redis-bus.ts";
import { startRedisServer, type RedisServer } from "../helpers/redis-server.ts";
import { rawRedis, recordingLogger, waitFor } from "./support.ts";

const LEASE_KEY = keys.leaseTrader("test");
const CHILD_SCRIPT = new URL("./fixtures/lease-child.ts", import.meta.url).pathname;

let server: RedisServer;
let raw: Redis;
const cleanups: (() => Promise<unknown> | unknown)[] = [];

beforeAll(async () => {
  server = await startRedisServer({ db: 4 });
  raw = rawRedis(server.url);
}, 15_000);

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  if (!server.isRunning()) await server.restart();
  await raw.flushdb();
}, 15_000);

afterAll(async () => {
  raw.disconnect();
  await server.stop();
}, 10_000);

async function openBus(): Promise<RedisBus> {
  const { log } = recordingLogger();
  const bus = new RedisBus({ url: server.url, log, maxReconnectDelayMs: 200 });
  cleanups.push(() => bus.close());
  expect(await bus.ready(5000)).toBe(true);
  return bus;
}

async function lease(bus: RedisBus, owner: string, extra: Partial<Parameters<typeof acquireLease>[2]> = {}) {
  const events: string[] = [];
  const { log } = recordingLogger();
  const held: Lease = await acquireLease(bus, LEASE_KEY, {
    owner,
    ttlMs: 1000,
    renewEveryMs: 200,
    pollEveryMs: 50,
    log,
    onAcquired: () => events.push("acquired"),
    onLost: (reason) => events.push(`lost: ${reason}`),
    ...extra,
  });
  cleanups.push(() => held.release());
  return { lease: held, events };
}

describe("lease", () => {
  test("the first contender holds it with SET NX PX; the second waits as standby", async () => {
    const bus = await openBus();
    const first = await lease(bus, "owner-a");
    const second = await lease(bus, "owner-b");
    expect(first.lease.isHeld()).toBe(true);
    expect(first.events).toEqual(["acquired"]);
    expect(second.lease.isHeld()).toBe(false);
    expect(second.events).toEqual([]);
    expect(await raw.get(LEASE_KEY)).toBe("owner-a");
    const pttl = await raw.pttl(LEASE_KEY);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(1000);
  }, 10_000);

  test("renewal keeps it alive past its TTL, and release hands it to the standby", async () => {
    const bus = await openBus();
    const first = await lease(bus, "owner-a");
    const second = await lease(bus, "owner-b");
    const started = Date.now();
    // Three TTLs later the holder still holds it: only renewals can explain that.
    await waitFor("three TTLs to pass", () => Date.now() - started > 3000, 5000, 100);
    expect(first.lease.isHeld()).toBe(true);
    expect(await raw.get(LEASE_KEY)).toBe("owner-a");
    expect(second.lease.isHeld()).toBe(false);
    await first.lease.release();
    expect(first.lease.isHeld()).toBe(false);
    await waitFor("the standby to take over", () => second.lease.isHeld(), 3000);
    expect(await raw.get(LEASE_KEY)).toBe("owner-b");
    expect(first.events).toEqual(["acquired"]);
    expect(second.events).toEqual(["acquired"]);
  }, 15_000);

  test("only the owner renews or deletes: a lease taken by someone else is lost, not deleted", async () => {
    const bus = await openBus();
    const holder = await lease(bus, "owner-a");
    expect(holder.lease.isHeld()).toBe(true);
    await raw.set(LEASE_KEY, "intruder", "PX", 60_000);
    await waitFor("the holder to notice", () => holder.events.length === 2, 3000);
    expect(holder.events[1]).toBe("lost: it expired or another process holds it");
    expect(holder.lease.isHeld()).toBe(false);
    await holder.lease.release();
    expect(await raw.get(LEASE_KEY)).toBe("intruder");
    // The renewal of the loser did not extend the intruder's TTL to its own 1 s either.
    expect(await raw.pttl(LEASE_KEY)).toBeGreaterThan(1000);
  }, 10_000);

  test("Redis gone: the holder declares the lease lost before it could expire, and wins it back later", async () => {
    const bus = await openBus();
    const holder = await lease(bus, "owner-a");
    expect(holder.lease.isHeld()).toBe(true);
    await server.kill("SIGKILL");
    await waitFor("the holder to give up", () => holder.events.length === 2, 5000);
    expect(holder.events[1]).toBe("lost: it could not be renewed before its TTL ran out");
    expect(holder.lease.isHeld()).toBe(false);
    await server.restart();
    await waitFor("the lease to be won back", () => holder.lease.isHeld(), 10_000);
    expect(holder.events).toEqual([
      "acquired",
      "lost: it could not be renewed before its TTL ran out",
      "acquired",
    ]);
    expect(await raw.get(LEASE_KEY)).toBe("owner-a");
  }, 20_000);

  test("confirmed only while Redis answers: unconfirmed from the first failed renewal, while the TTL still holds it", async () => {
    const bus = await openBus();
    const holder = await lease(bus, "owner-a", { ttlMs: 5000, renewEveryMs: 200 });
    expect(holder.lease.isConfirmed()).toBe(true);
    await server.kill("SIGKILL");
    await waitFor("the first failed renewal", () => !holder.lease.isConfirmed(), 3000, 5);
    // Still held by its TTL (a successor cannot take it yet), but no longer confirmed.
    expect(holder.lease.isHeld()).toBe(true);
    expect(holder.events).toEqual(["acquired"]);
    await server.restart();
    // The restarted Redis lost the key: the holder finds it gone and wins it again; confirmed once more.
    await waitFor("Redis to confirm the lease again", () => holder.lease.isConfirmed(), 10_000);
    expect(holder.events.at(-1)).toBe("acquired");
  }, 20_000);

  test("options that cannot give a safe lease are refused", async () => {
    const bus = await openBus();
    const base = { owner: "x", ttlMs: 1000, renewEveryMs: 200 };
    await expect(acquireLease(bus, "trader:test", base)).rejects.toThrow(/lease keys start with "lease:"/);
    await expect(acquireLease(bus, LEASE_KEY, { ...base, renewEveryMs: 600 })).rejects.toThrow(/at most ttlMs\/2/);
    await expect(acquireLease(bus, LEASE_KEY, { ...base, ttlMs: 50 })).rejects.toThrow(/at least 100/);
    await expect(acquireLease(bus, LEASE_KEY, { ...base, owner: "" })).rejects.toThrow(/owner/);
    expect(await raw.exists(LEASE_KEY)).toBe(0);
  }, 10_000);
});

interface ChildEvent {
  kind: string;
  t: number;
  rest: string;
}

/** A lease-child process with its stdout parsed into events as they arrive. */
function spawnChild(owner: string, ttlMs: number, renewEveryMs: number, pollEveryMs: number) {
  const proc: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(
    [process.execPath, CHILD_SCRIPT, server.url, LEASE_KEY, owner, String(ttlMs), String(renewEveryMs), String(pollEveryMs)],
    { stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  cleanups.push(async () => {
    proc.kill("SIGKILL");
    await proc.exited;
  });
  const events: ChildEvent[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buffered = "";
    const reader = proc.stdout.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const [kind = "", t = "0", ...rest] = line.split(" ");
        events.push({ kind, t: Number(t), rest: rest.join(" ") });
      }
    }
  })();
  const times = (kind: string) => events.filter((event) => event.kind === kind).map((event) => event.t);
  return { proc, events, times, owner };
}

describe("two-process failover", () => {
  test("a SIGKILLed holder is replaced within the lease time, and the two never act at once", async () => {
    const TTL = 2000;
    const RENEW = 300;
    const POLL = 100;
    const a = spawnChild("proc-a", TTL, RENEW, POLL);
    await waitFor("A to acquire", () => a.times("ACQUIRED").length === 1, 10_000);
    const b = spawnChild("proc-b", TTL, RENEW, POLL);
    await waitFor("B to be ready", () => b.times("READY").length === 1, 10_000);
    const bReadyAt = b.times("READY")[0]!;

    // While A lives, B stays standby: wait until A has acted two full TTLs after B began polling.
    await waitFor("A acting 2 TTLs after B started", () => a.times("ACT").some((t) => t > bReadyAt + 2 * TTL), 10_000);
    expect(b.times("ACQUIRED")).toHaveLength(0);
    expect(b.times("ACT")).toHaveLength(0);
    expect(a.times("LOST")).toHaveLength(0);

    const killedAt = Date.now();
    a.proc.kill("SIGKILL");
    await a.proc.exited;
    await waitFor("B to take over", () => b.times("ACT").length > 0, TTL + 10_000);

    const lastActOfA = Math.max(...a.times("ACT"));
    const firstActOfB = Math.min(...b.times("ACT"));
    const bAcquiredAt = b.times("ACQUIRED")[0]!;
    // The order of events, not a duration: B acquired only after A was killed and acted
    // only after A's last act (the wait above bounds how long that may take).
    expect(bAcquiredAt).toBeGreaterThan(killedAt);
    expect(firstActOfB).toBeGreaterThan(lastActOfA);
    expect(bAcquiredAt).toBeGreaterThan(lastActOfA);
    expect(await raw.get(LEASE_KEY)).toBe("proc-b");

    // Graceful handover back: a new A waits, B releases on SIGTERM, A takes over after B's last act.
    const a2 = spawnChild("proc-a2", TTL, RENEW, POLL);
    await waitFor("A2 to be ready", () => a2.times("READY").length === 1, 10_000);
    expect(a2.times("ACQUIRED")).toHaveLength(0);
    b.proc.kill("SIGTERM");
    await waitFor("B to release", () => b.times("RELEASED").length === 1, 10_000);
    await waitFor("A2 to take over", () => a2.times("ACT").length > 0, 10_000);
    expect(Math.min(...a2.times("ACT"))).toBeGreaterThan(Math.max(...b.times("ACT")));
    expect(b.times("LOST")).toHaveLength(0);
  }, 60_000);
});
