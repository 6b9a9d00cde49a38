/**
 * Test helpers for the bus suites: a logger that records lines instead of
 * printing them, and `waitFor`, which polls a condition up to a deadline so
 * tests never sleep a guessed amount of time; and a raw Redis client.
 */
import Redis from "ioredis";
import type { Logger } from "../../src/log.ts";

export interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  message: string;
}

export function recordingLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const record = (level: LogLine["level"]) => (message: string) => {
    lines.push({ level, message });
  };
  return {
    lines,
    log: { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") },
  };
}

/** Resolves once `condition` holds; rejects naming `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(everyMs);
  }
}

/** A plain ioredis client for inspecting Redis like redis-cli; its connection errors during staged outages are expected. */
export function rawRedis(url: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on("error", () => {});
  return client;
}
