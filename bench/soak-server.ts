/**
 * The trading server as its own OS process, for the soak (bench/soak.ts) and
 * the kill -9 test (test/reliability/kill9-positions.test.ts):
 *
 *   bun src/main.ts serve --market sim --exchange paper --host 127.0.0.1
 *       --port <free> --data-dir <dir>/data --config <dir>/trader_config.json
 *
 * Unlike bench/servers.ts (whose children live at most 15 minutes and always
 * get a fresh data dir) it takes a directory the caller keeps, so the same
 * data dir and config survive a SIGKILL and a restart, and a lifetime the
 * caller chooses. The environment is built from scratch, not inherited: no
 * REDIS_URL, DASHBOARD_TOKEN or CoinEx credentials leak in, and CoinEx and
 * Binance point at 127.0.0.1:9 (nothing listens there), so nothing leaves
 * loopback whatever the server tries.
 *
 * `timeout -s KILL <lifetime>` wraps the server, so a crashed caller never
 * leaves it running; `pid` is the server itself (the wrapper's only child),
 * which is what `kill9()` sends SIGKILL to.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { freeLoopbackPort } from "./free-port.ts";
import { rssMb } from "./servers.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const BUN = process.execPath;
/** Where CoinEx and Binance point: the discard port on loopback, so every request fails at once, locally. */
export const CLOSED_LOOPBACK_URL = "http://127.0.0.1:9";

export interface TraderProcessOptions {
  /** Holds `data/` and `trader_config.json`; kept across restarts. */
  dir: string;
  /** The server is SIGKILLed after this long whatever happens. */
  lifetimeS: number;
  /** Extra environment (CYCLE_INTERVAL_MS, SIM_TICK_MS, SYMBOLS …); COINEX_BASE_URL / BINANCE_BASE_URL must stay on loopback. */
  env?: Record<string, string>;
  /** `bun --preload FILE` (fault injection in tests). */
  preload?: string;
  /** LOG_LEVEL of the server (default "silent"); its stderr goes to `<dir>/server-<n>.log`. */
  logLevel?: "silent" | "info";
  /** Listen on this port (a restart where a page is still open); default a free one. */
  port?: number;
}

export interface TraderProcess {
  url: string;
  port: number;
  /** The server process (not the `timeout` wrapper). */
  pid: number;
  dataDir: string;
  configPath: string;
  stderrPath: string;
  /** Resolves when the server has gone, with how (the wrapper reports 137 for a SIGKILL). */
  exited: Promise<number>;
  alive(): boolean;
  rssMb(): number;
  openFds(): number;
  /** SIGKILL, no goodbye; resolves once the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM (the server's clean shutdown), SIGKILL after 5 s. */
  stop(): Promise<void>;
  stderrTail(chars?: number): string;
}

let started = 0;

export async function startTraderProcess(options: TraderProcessOptions): Promise<TraderProcess> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    LOG_LEVEL: options.logLevel ?? "silent",
    COINEX_BASE_URL: `${CLOSED_LOOPBACK_URL}/v2`,
    BINANCE_BASE_URL: CLOSED_LOOPBACK_URL,
    ...options.env,
  };
  for (const key of ["COINEX_BASE_URL", "BINANCE_BASE_URL"] as const) {
    const host = new URL(env[key] as string).hostname;
    if (host !== "127.0.0.1" && host !== "localhost" && host !== "[::1]") throw new Error(`${key} must be a loopback address, not ${env[key]}`);
  }
  // The free port can be taken between our check and the server's bind: try again on a new one.
  let lastError: Error | null = null;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startOnce(options, env);
    } catch (error) {
      lastError = error as Error;
    }
  }
  throw lastError ?? new Error("server did not start");
}

async function startOnce(options: TraderProcessOptions, env: Record<string, string>): Promise<TraderProcess> {
  const port = options.port ?? freeLoopbackPort();
  const dataDir = join(options.dir, "data");
  const configPath = join(options.dir, "trader_config.json");
  const stderrPath = join(options.dir, `server-${++started}.log`);
  const args = [
    ...(options.preload ? ["--preload", options.preload] : []),
    "src/main.ts", "serve", "--market", "sim", "--exchange", "paper", "--host", "127.0.0.1",
    "--port", String(port), "--data-dir", dataDir, "--config", configPath,
  ];
  const wrapper: Subprocess = Bun.spawn(["timeout", "-s", "KILL", String(Math.ceil(options.lifetimeS)), BUN, ...args], {
    cwd: ROOT,
    env,
    stdin: "ignore",
    stdout: "ignore",
    stderr: Bun.file(stderrPath),
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = wrapper.exited;
  const alive = () => wrapper.exitCode === null && wrapper.signalCode === null;
  const stderrTail = (chars = 2000) => safeRead(stderrPath).slice(-chars);
  try {
    await waitForHealth(url, alive, 30_000);
  } catch (error) {
    wrapper.kill("SIGKILL");
    await exited;
    throw new Error(`server did not start (${(error as Error).message}); its stderr: ${stderrTail() || "(empty)"}`);
  }
  const pid = childOf(wrapper.pid);
  return {
    url,
    port,
    pid,
    dataDir,
    configPath,
    stderrPath,
    exited,
    alive,
    rssMb: () => rssMb(pid),
    openFds: () => readdirSync(`/proc/${pid}/fd`).length,
    kill9: async () => {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
      await exited;
    },
    stop: async () => {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
      const killer = setTimeout(() => wrapper.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(killer);
    },
    stderrTail,
  };
}

async function waitForHealth(url: string, alive: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error("it exited");
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await Bun.sleep(50);
  }
  throw new Error(`no answer from ${url}/health within ${timeoutMs / 1000} s`);
}

/** The one child of the `timeout` wrapper: the server. */
function childOf(wrapperPid: number): number {
  const children = safeRead(`/proc/${wrapperPid}/task/${wrapperPid}/children`).trim().split(/\s+/).filter(Boolean);
  if (children.length !== 1) throw new Error(`expected one server process under pid ${wrapperPid}, found ${children.length}`);
  return Number(children[0]);
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/**
 * A small JSON client that sends what a same-origin browser page sends
 * (`Origin: <the server>`), so mutations pass the server's CSRF check.
 */
export function apiClient(url: string, timeoutMs = 10_000) {
  const call = async (method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: method === "POST" ? { "content-type": "application/json", origin: url } : {},
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed };
  };
  return {
    get: (path: string) => call("GET", path),
    post: (path: string, body: unknown) => call("POST", path, body),
  };
}

/**
 * Puts a fresh server into dry-run with thresholds that trade and turns it ON,
 * through the JSON API as an owner's script would. Throws naming the step that
 * was refused. Returns the config in force.
 */
export async function startDryRunTrading(url: string, config: Record<string, unknown>): Promise<Record<string, unknown>> {
  const api = apiClient(url);
  const saved = await api.post("/api/trader/config", config);
  if (saved.status !== 200) throw new Error(`POST /api/trader/config answered ${saved.status}: ${JSON.stringify(saved.body).slice(0, 300)}`);
  const mode = await api.post("/api/trader/mode", { mode: "dry-run" });
  if (mode.status !== 200) throw new Error(`POST /api/trader/mode answered ${mode.status}: ${JSON.stringify(mode.body).slice(0, 300)}`);
  const start = await api.post("/api/trader/control", { action: "start" });
  if (start.status !== 200 || start.body?.ok !== true) throw new Error(`start answered ${start.status}: ${JSON.stringify(start.body).slice(0, 300)}`);
  const status = await api.get("/api/trader/status");
  if (status.body?.mode !== "dry-run" || status.body?.running !== true) throw new Error(`after start the trader is ${status.body?.mode}/${status.body?.running ? "ON" : "OFF"}, not dry-run/ON`);
  return status.body.config as Record<string, unknown>;
}
