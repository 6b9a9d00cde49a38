/**
 * Roles as real processes (`bun src/main.ts serve --role …`): split roles are
 * refused without Redis, and when the `ta` process holding lease:ta is
 * SIGKILLed (no release, no goodbye), the standby process takes over within
 * the lease time and the candles in Redis move on.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import Redis from "ioredis";
import { findFreePort, startRedisServer } from "../helpers/redis-server.ts";
import { waitFor } from "../helpers/wait.ts";

const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;
const LEASE_TTL_MS = 2000;

function spawnServe(args: string[], env: Record<string, string> = {}): Subprocess<"ignore", "pipe", "pipe"> {
  return Bun.spawn([process.execPath, MAIN, "serve", ...args], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "silent", ...env },
  });
}

async function health(port: number): Promise<any | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`);
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

describe("split roles without Redis", () => {
  for (const role of ["ta", "trader", "web"]) {
    test(`--role ${role} is refused with exit code 2 and says Redis is needed`, async () => {
      const proc = spawnServe(["--role", role, "--port", "0"]);
      const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
      expect(code).toBe(2);
      expect(stderr).toContain(`--role ${role} needs Redis (--redis or REDIS_URL)`);
    });
  }
});

describe("ta failover between two processes", () => {
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  let raw: Redis;
  const procs: Subprocess[] = [];

  beforeAll(async () => {
    redis = await startRedisServer({ db: 5 });
    raw = new Redis(redis.url);
  });

  afterAll(async () => {
    for (const proc of procs) proc.kill("SIGKILL");
    await Promise.all(procs.map((proc) => proc.exited));
    raw?.disconnect();
    await redis?.stop();
  });

  test("the standby takes over within the lease time after the holder is SIGKILLed", async () => {
    const ports = [await findFreePort(), await findFreePort()];
    const env = { REDIS_URL: redis.url, LEASE_TTL_MS: String(LEASE_TTL_MS), SIM_TICK_MS: "200", SYMBOLS: "BTCUSDT,ETHUSDT" };
    for (const port of ports) procs.push(spawnServe(["--role", "ta", "--market", "sim", "--port", String(port)], env));

    const holding = async () => {
      const answers = await Promise.all(ports.map(health));
      if (answers.some((a) => a === null)) return null;
      const holders = ports.filter((_, i) => answers[i].leases["lease:ta"] === true);
      return holders.length === 1 ? holders : null;
    };
    const [holderPort] = (await waitFor("exactly one ta holding lease:ta", holding, 20_000, 100))!;
    const holder = procs[ports.indexOf(holderPort!)]!;
    const standbyPort = ports.find((p) => p !== holderPort)!;
    expect((await health(standbyPort)).market_source).toBeNull(); // a standby fetches nothing
    await waitFor("ta:latest:BTCUSDT in Redis", async () => (await raw.exists("ta:latest:BTCUSDT")) === 1, 10_000, 100);

    holder.kill("SIGKILL");
    await holder.exited;
    await waitFor("the standby to hold lease:ta", async () => (await health(standbyPort))?.leases["lease:ta"] === true, LEASE_TTL_MS * 4, 50);
    // It fetches now: its own market source runs and keeps updating.
    const lastUpdate = async () => (await health(standbyPort))?.last_update?.["5m"] ?? 0;
    const first = await waitFor("the new holder's market running", lastUpdate, 10_000, 100);
    await waitFor("its next update", async () => (await lastUpdate()) > first, 10_000, 100);
    expect((await health(standbyPort)).market_source).toBe("sim");
  }, 60_000);
});
