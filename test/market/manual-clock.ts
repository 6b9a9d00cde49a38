/**
 * A clock that only moves when a test says so. Sleepers wake when `advance` passes
 * their due time; `untilSleeping(n)` lets a test wait, without any real delay, until
 * the code under test has parked n sleepers (i.e. it has finished its current work).
 */
import type { Clock } from "../../src/market/clock.ts";

interface Sleeper {
  due: number;
  wake: () => void;
}

export class ManualClock implements Clock {
  /** Every duration passed to sleep(), in call order. */
  readonly sleeps: number[] = [];
  private time: number;
  private sleepers: Sleeper[] = [];
  private watchers: { count: number; resolve: () => void }[] = [];

  constructor(start: number) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const sleeper: Sleeper = {
        due: this.time + Math.max(0, ms),
        wake: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        resolve();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.sleepers.push(sleeper);
      this.notify();
    });
  }

  /** Sleepers not yet woken. */
  get pending(): number {
    return this.sleepers.length;
  }

  /** Moves time forward and wakes every sleeper now due (earliest first). */
  advance(ms: number): void {
    this.time += ms;
    const due = this.sleepers.filter((s) => s.due <= this.time).sort((a, b) => a.due - b.due);
    this.sleepers = this.sleepers.filter((s) => s.due > this.time);
    for (const sleeper of due) sleeper.wake();
  }

  /** Resolves once at least `count` sleepers are parked. */
  untilSleeping(count: number): Promise<void> {
    return new Promise((resolve) => {
      this.watchers.push({ count, resolve });
      this.notify();
    });
  }

  private notify(): void {
    const ready = this.watchers.filter((w) => this.sleepers.length >= w.count);
    this.watchers = this.watchers.filter((w) => this.sleepers.length < w.count);
    for (const watcher of ready) watcher.resolve();
  }
}
