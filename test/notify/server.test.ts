/**
 * The "done when", as an owner runs it: the real server (`bun
 * src/main.ts serve`, a fresh data dir, the simulated market, the paper
 * exchange) with the stand-ins set in its environment shows the messages of a
 * dry-run with an emergency stop on all three channels — and the credentials
 * never appear in its log, its pages, its API answers or Redis. With Redis and
 * two processes on one account, only the holder of the trader lease sends.
 * Nothing leaves 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { startNotifyStandIn, type NotifyStandIn } from "../helpers/notify-stand-in.ts";
import { findFreePort, startRedisServer, type RedisServer } from "../helpers/redis-server.ts";
import { CLOSED_LOOPBACK_COINEX } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";

const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;

interface Served {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  url: string;
  stderr: () => string;
}

async function serve(args: string[], env: Record<string, string>): Promise<Served> {
  const port = await findFreePort();
  const proc = Bun.spawn([process.execPath, MAIN, "serve", "--port", String(port), "--market", "sim", "--exchange", "paper", ...args], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "info", SIM_TICK_MS: "200", SYMBOLS: "BTCUSDT,ETHUSDT,SOLUSDT", COINEX_BASE_URL: CLOSED_LOOPBACK_COINEX, BINANCE_BASE_URL: "http://127.0.0.1:9", ...env },
  });
  let text = "";
  void (async () => {
    const decoder = new TextDecoder();
    const reader = proc.stderr.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) text += decoder.decode(read.value);
  })();
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`the server on ${port}`, async () => (await fetch(`${url}/health`).catch(() => null))?.ok, 20_000, 100);
  return { proc, url, stderr: () => text };
}

async function stop(server: Served | undefined): Promise<void> {
  if (!server) return;
  server.proc.kill("SIGTERM");
  await server.proc.exited;
}

const call = async (url: string, method: "GET" | "POST", path: string, body?: unknown) => {
  const response = await fetch(url + path, { method, headers: { "content-type": "application/json", origin: url }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, text, json: (() => { try { return JSON.parse(text); } catch { return null; } })() };
};

/** Every value an owner or a script could read from the server. */
async function everythingShown(url: string): Promise<string> {
  const paths = ["/", "/trader", "/health", "/api/trader/status", "/api/trader/notifications", "/api/trader/logs?limit=1000"];
  return (await Promise.all(paths.map((p) => call(url, "GET", p)))).map((r) => r.text).join("\n");
}

function secretsOf(standIn: NotifyStandIn): string[] {
  const [, tokenSecret] = standIn.token.split(":");
  return [standIn.token, tokenSecret!, standIn.chatId, standIn.webhookUrl, standIn.webhookSecret, standIn.ntfyUrl, "trader-alerts"];
}

describe("a fresh server with the stand-ins set: dry-run, then an emergency stop", () => {
  let standIn: NotifyStandIn;
  let server: Served;
  let dir: string;

  beforeAll(async () => {
    standIn = startNotifyStandIn();
    dir = mkdtempSync(join(tmpdir(), "notify-server-"));
    server = await serve(["--data-dir", dir, "--config", join(dir, "trader_config.json")], standIn.env);
  }, 30_000);

  afterAll(async () => {
    await stop(server);
    standIn?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("every channel gets the mode change, ON, and the emergency stop with each close's result", async () => {
    expect((await call(server.url, "POST", "/api/trader/config", { mode: "dry-run", long_threshold: 0, short_threshold: 0, max_positions: 2 })).status).toBe(200);
    expect((await call(server.url, "POST", "/api/trader/control", { action: "start" })).status).toBe(200);
    await waitFor("two positions opened", async () => (await call(server.url, "GET", "/api/trader/status")).json.positions.length === 2, 15_000, 100);
    const stopped = await call(server.url, "POST", "/api/trader/control", { action: "emergency-stop" });
    expect(stopped.status, JSON.stringify(stopped.json)).toBe(200);
    const closed = (stopped.json.data.outcomes as { symbol: string; pnl: number }[]).map((o) => o.symbol);

    for (const channel of ["telegram", "webhook", "ntfy"] as const) await standIn.waitForDelivered(channel, 3);
    const plain = (text: string) => text.replace(/<\/?b>/g, "").replace(/&amp;/g, "&");
    const texts = standIn.texts("telegram").map(plain);
    const told = `delivered: ${JSON.stringify(texts)}; emergency stop answered ${JSON.stringify(stopped.json?.message)}`;
    expect(texts.slice(0, 2), told).toEqual(["[DRY-RUN] Mode changed via the API: paused → dry-run", "[DRY-RUN] Trader ON via the API"]);
    expect(texts[2], told).toStartWith("[DRY-RUN] Emergency stop via the API: trader OFF, paused, locked. Closed ");
    for (const symbol of closed) expect(texts[2], told).toMatch(new RegExp(`Closed ${symbol}, P&L [+−]?[0-9,.]+ USDT`));
    // Per-trade messages are off in dry-run by default: the opens were not sent.
    expect(texts.length, told).toBe(3);
    expect(standIn.texts("webhook")).toEqual(texts);
    expect(standIn.texts("ntfy")).toEqual(texts);
    expect(standIn.delivered("webhook").every((a) => a.signatureValid)).toBe(true);

    // The channel list shows the deliveries (once the answers are back: the stand-in records a message before it answers).
    const sent = async () => (await call(server.url, "GET", "/api/trader/notifications")).json.channels.map((c: any) => [c.name, c.configured, c.sent]);
    await waitFor("the server counting its deliveries", async () => (await sent()).every(([, , n]: [string, boolean, number]) => n === 3));
    expect(await sent()).toEqual([["telegram", true, 3], ["webhook", true, 3], ["ntfy", true, 3]]);
  }, 40_000);

  test("a test message per channel through the API", async () => {
    for (const channel of ["telegram", "webhook", "ntfy"]) {
      const res = await call(server.url, "POST", "/api/trader/notifications/test", { channel });
      expect(res.status).toBe(200);
    }
    expect(standIn.texts("ntfy").at(-1)).toBe("[PAUSED] Test message from the CoinEx trader to ntfy: notifications work.");
  });

  test("no credential in the log, the pages or the API, even after a failure", async () => {
    standIn.script("telegram", { status: 500, description: `echo ${standIn.token}` });
    await call(server.url, "POST", "/api/trader/notifications/test", { channel: "telegram" });
    await call(server.url, "POST", "/api/trader/control", { action: "clear-lockfile" });
    await standIn.waitForDelivered("ntfy", 5);
    const shown = await everythingShown(server.url);
    // What the receiver echoed is shown with the token masked.
    expect(shown).toContain('"last_error":"HTTP 500: echo ***"');
    const log = server.stderr();
    expect(log).toContain("notifications: telegram, webhook, ntfy");
    for (const secret of secretsOf(standIn)) {
      expect(shown).not.toContain(secret);
      expect(log).not.toContain(secret);
    }
  }, 20_000);
});

describe("with Redis: two processes on one account", () => {
  let redis: RedisServer;
  let raw: Redis;
  let listener: Redis;
  let standIn: NotifyStandIn;
  const servers: Served[] = [];
  const published: string[] = [];
  let dir: string;

  beforeAll(async () => {
    redis = await startRedisServer({ db: 6 });
    raw = new Redis(redis.url);
    listener = new Redis(redis.url);
    await listener.psubscribe("*");
    listener.on("pmessage", (_pattern, channel, message) => published.push(`${channel} ${message}`));
    standIn = startNotifyStandIn();
    dir = mkdtempSync(join(tmpdir(), "notify-redis-"));
    const env = { ...standIn.env, REDIS_URL: redis.url, LEASE_TTL_MS: "2000" };
    for (let i = 0; i < 2; i++) servers.push(await serve(["--data-dir", dir, "--config", join(dir, "trader_config.json")], env));
  }, 60_000);

  afterAll(async () => {
    for (const server of servers) await stop(server);
    raw?.disconnect();
    listener?.disconnect();
    await redis?.stop();
    standIn?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("only the holder of the trader lease sends; no credential reaches Redis", async () => {
    const holding = async () => {
      const answers = await Promise.all(servers.map(async (s) => (await call(s.url, "GET", "/health")).json));
      const holders = servers.filter((_, i) => Object.entries(answers[i].leases ?? {}).some(([key, held]) => key.startsWith("lease:trader:") && held === true));
      return holders.length === 1 ? holders[0] : null;
    };
    const holder = (await waitFor("exactly one trader lease holder", holding, 20_000, 100))!;
    const standby = servers.find((s) => s !== holder)!;
    expect((await call(standby.url, "GET", "/api/trader/notifications")).json.speaks).toBe(false);

    await call(holder.url, "POST", "/api/trader/config", { mode: "dry-run" });
    await call(holder.url, "POST", "/api/trader/control", { action: "start" });
    await call(holder.url, "POST", "/api/trader/control", { action: "emergency-stop" });
    await standIn.waitForDelivered("telegram", 3);
    // Give a second sender every chance to show itself.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const texts = standIn.texts("telegram");
    expect(texts.filter((t) => t.includes("Emergency stop")).length).toBe(1);
    expect(texts.filter((t) => t.includes("Trader ON")).length).toBe(1);
    expect(texts.filter((t) => t.includes("Mode changed")).length).toBe(1);

    // Every key and every message on the bus, and both logs and dashboards.
    const keysFound = await raw.keys("*");
    expect(keysFound.length).toBeGreaterThan(0);
    const values = await Promise.all(keysFound.map(async (key) => ((await raw.type(key)) === "string" ? `${key} ${await raw.get(key)}` : key)));
    const everything = [...values, ...published, ...servers.map((s) => s.stderr()), ...(await Promise.all(servers.map((s) => everythingShown(s.url))))].join("\n");
    expect(published.some((m) => m.startsWith("trader:events"))).toBe(true);
    for (const secret of secretsOf(standIn)) expect(everything).not.toContain(secret);
  }, 60_000);
});
