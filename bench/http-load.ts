/**
 * One bounded HTTP load run against a 127.0.0.1 URL from a separate process:
 * wrk (one thread) when it is installed, else bench/load-client.ts. Both keep
 * C connections busy with back-to-back GETs and stop by themselves after the
 * duration (the Bun client also after a request limit).
 */
import type { LoadResult } from "./load-client.ts";
import { round } from "./stats.ts";

export type LoadTool = "wrk" | "bun";

export interface LoadOptions {
  connections: number;
  durationMs: number;
  /** Upper bound on requests for the Bun client (wrk is bounded by time only). */
  maxRequests: number;
  tool: LoadTool;
}

export interface HttpLoadResult extends LoadResult {
  tool: LoadTool;
}

const BENCH_DIR = new URL(".", import.meta.url).pathname;

/** wrk if it is on PATH (unless the Bun client is asked for), else the Bun client. */
export function pickLoadTool(preferred: LoadTool | null): LoadTool {
  if (preferred) return preferred;
  return Bun.which("wrk") ? "wrk" : "bun";
}

export async function loadHttp(url: string, options: LoadOptions): Promise<HttpLoadResult> {
  if (new URL(url).hostname !== "127.0.0.1") throw new Error(`only 127.0.0.1 may be loaded, not ${url}`);
  return options.tool === "wrk" ? runWrk(url, options) : runBunClient(url, options);
}

async function runWrk(url: string, options: LoadOptions): Promise<HttpLoadResult> {
  const seconds = Math.max(1, Math.round(options.durationMs / 1000));
  const args = ["wrk", "-t1", `-c${options.connections}`, `-d${seconds}s`, "--timeout", "5s", "-s", `${BENCH_DIR}wrk-report.lua`, url];
  const raw = await runJsonLine(args, seconds + 15);
  const r = raw as { requests: number; duration_us: number; errors: number; non2xx: number; p50_us: number; p99_us: number };
  const duration = r.duration_us / 1e6;
  return {
    tool: "wrk",
    requests: r.requests,
    errors: r.errors,
    non2xx: r.non2xx,
    duration_s: round(duration, 3),
    req_s: round(r.requests / duration, 0),
    p50_ms: round(r.p50_us / 1000, 3),
    p99_ms: round(r.p99_us / 1000, 3),
  };
}

async function runBunClient(url: string, options: LoadOptions): Promise<HttpLoadResult> {
  const args = [process.execPath, `${BENCH_DIR}load-client.ts`, url, String(options.connections), String(options.durationMs), String(options.maxRequests)];
  const result = (await runJsonLine(args, options.durationMs / 1000 + 15)) as LoadResult;
  return { tool: "bun", ...result };
}

/** Runs a command (killed after `limitS`) and parses the last line of its stdout that is a JSON object. */
async function runJsonLine(args: string[], limitS: number): Promise<unknown> {
  const child = Bun.spawn(["timeout", "-s", "KILL", String(Math.ceil(limitS)), ...args], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  const line = stdout.trim().split("\n").reverse().find((l) => l.startsWith("{"));
  if (code !== 0 || !line) throw new Error(`${args[0]} failed (exit ${code}): ${(stderr || stdout).trim().slice(-500)}`);
  return JSON.parse(line);
}
