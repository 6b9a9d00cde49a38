/**
 * The processes the benchmarks measure, each started as its own OS process on
 * 127.0.0.1 so that the load generator never shares an event loop with them:
 *
 * - `startProductServer`: `bun src/main.ts serve --market sim --exchange paper`
 *   on a free port, with a fresh temp data dir and config file (LOG_LEVEL=silent),
 *   ready once GET /health answers 200 (the market history is loaded by then).
 * - `startHelloServer`: bench/hello-server.ts, the trivial Bun.serve baseline.
 *
 * Both are killed by `stop()` (SIGTERM, then SIGKILL after 5 s) and have a
 * lifetime limit of their own, so a crashed benchmark leaves nothing behind.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freeLoopbackPort } from "./free-port.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const BUN = process.execPath;
/** Every server process is killed after this long even if the bench forgets it. */
const MAX_LIFETIME_S = 900;

export interface ChildServer {
  url: string;
  port: number;
  pid: number;
  /** Resident set size of the server process now, in MB (from /proc/PID/status). */
  rssMb(): number;
  /** CPU seconds (user + system) the server process has used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export interface ProductServerOptions {
  /** trader_config.json contents to start with (fields the schema fills in may be left out). */
  config?: Record<string, unknown>;
  env?: Record<string, string>;
  /** `--symbols` (default: the 29-coin list). */
  symbols?: readonly string[];
}

export async function startProductServer(options: ProductServerOptions = {}): Promise<ChildServer> {
  const dir = mkdtempSync(join(tmpdir(), "bench-server-"));
  const configPath = join(dir, "trader_config.json");
  if (options.config) writeFileSync(configPath, JSON.stringify(options.config, null, 2));
  const port = freeLoopbackPort();
  const args = ["src/main.ts", "serve", "--market", "sim", "--exchange", "paper", "--host", "127.0.0.1", "--port", String(port), "--data-dir", join(dir, "data"), "--config", configPath];
  if (options.symbols) args.push("--symbols", options.symbols.join(","));
  return startChild("product server", args, port, dir, options.env ?? {});
}

export async function startHelloServer(): Promise<ChildServer> {
  const dir = mkdtempSync(join(tmpdir(), "bench-hello-"));
  const port = freeLoopbackPort();
  return startChild("hello-world server", ["bench/hello-server.ts", String(port)], port, dir, {});
}

async function startChild(label: string, args: string[], port: number, dir: string, env: Record<string, string>): Promise<ChildServer> {
  const stderrPath = join(dir, "stderr.log");
  const child = Bun.spawn(["timeout", "-s", "KILL", String(MAX_LIFETIME_S), BUN, ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "silent", ...env },
    stdin: "ignore",
    stdout: "ignore",
    stderr: Bun.file(stderrPath),
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await child.exited;
    clearTimeout(killer);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(url, child, 30_000);
  } catch (error) {
    const stderr = safeRead(stderrPath).slice(-2000);
    await stop();
    throw new Error(`${label} did not start (${(error as Error).message})${stderr ? `; its stderr: ${stderr}` : ""}`);
  }
  // `timeout` is the direct child; the server is its only child.
  const pid = serverPid(child.pid);
  return { url, port, pid, rssMb: () => rssMb(pid), cpuSeconds: () => cpuSeconds(pid), stop };
}

async function waitForHealth(url: string, child: { exitCode: number | null }, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await Bun.sleep(100);
  }
  throw new Error(`no answer from ${url}/health within ${timeoutMs / 1000} s`);
}

function serverPid(timeoutPid: number): number {
  const children = safeRead(`/proc/${timeoutPid}/task/${timeoutPid}/children`).trim().split(/\s+/).filter(Boolean);
  if (children.length !== 1) throw new Error(`expected one server process under pid ${timeoutPid}, found ${children.length}`);
  return Number(children[0]);
}

export function rssMb(pid: number): number {
  const status = safeRead(`/proc/${pid}/status`);
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid} (has it exited?)`);
  return Number(match[1]) / 1024;
}

/** CPU seconds (user + system) a process has used, from /proc/PID/stat (utime and stime, in ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const stat = safeRead(`/proc/${pid}/stat`);
  if (!stat) throw new Error(`no /proc/${pid}/stat (has it exited?)`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
}

const CLOCK_TICKS_PER_S = 100; // getconf CLK_TCK on Linux

function safeRead(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
