/**
 * Test helper: records a ConfigFile's watch events and watcher checks, and lets a test
 * await "the n-th event" or "the n-th check" as a promise instead of sleeping.
 */
import { ConfigFile, type ConfigEvent, type ConfigFileOptions, type ConfigReadResult } from "../../src/config/config-file.ts";

/** Guards against a hang only (below bun's 5 s test timeout, so its message is seen); a passing test resolves long before this. */
const HANG_GUARD_MS = 4000;

class Counter<T> {
  readonly items: T[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  push(item: T): void {
    this.items.push(item);
    this.waiters = this.waiters.filter((waiter) => {
      if (this.items.length < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  }

  /** Resolves with the items once there are at least `count`. */
  waitFor(count: number, what: string): Promise<T[]> {
    if (this.items.length >= count) return Promise.resolve(this.items.slice());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${what} #${count}; saw ${JSON.stringify(this.items)}`)),
        HANG_GUARD_MS,
      );
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.items.slice());
        },
      });
    });
  }
}

export interface WatchedConfig {
  file: ConfigFile;
  events: ConfigEvent[];
  checks: ConfigReadResult[];
  waitForEvents(count: number): Promise<ConfigEvent[]>;
  waitForChecks(count: number): Promise<ConfigReadResult[]>;
  stop(): void;
}

/** A loaded ConfigFile being watched, with its events and checks recorded. */
export async function watchedConfig(path: string, options: ConfigFileOptions = {}): Promise<WatchedConfig> {
  const events = new Counter<ConfigEvent>();
  const checks = new Counter<ConfigReadResult>();
  const file = new ConfigFile(path, { debounceMs: 20, ...options, onWatchCheck: (result) => checks.push(result) });
  await file.load();
  const stop = file.watch((event) => events.push(event));
  return {
    file,
    events: events.items,
    checks: checks.items,
    waitForEvents: (count) => events.waitFor(count, "config event"),
    waitForChecks: (count) => checks.waitFor(count, "watcher check"),
    stop: () => {
      stop();
      file.close();
    },
  };
}
