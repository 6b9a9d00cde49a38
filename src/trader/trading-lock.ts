/**
 * The lock that stops new orders: the lockfile (live-trader-lock.json), plus
 * the same lock held in memory from the moment it is decided (emergency stop,
 * kill switch, circuit breaker). The memory copy holds even when the disk
 * refuses the file, until the owner clears it; a damaged file reads as locked
 * (the file port's own rule). `shown` is what the page displays between reads;
 * every order re-reads through `current()`.
 */
import type { LockInfo } from "./ports.ts";

export interface LockFilePort {
  read(): Promise<LockInfo | null>;
  write(info: { reason: string; source: string; count?: number }): Promise<void>;
  clear(): Promise<void>;
}

export class TradingLock {
  private held: LockInfo | null = null;
  /** The lock as last read, for display. */
  shown: LockInfo | null = null;

  constructor(
    private readonly file: LockFilePort,
    private readonly now: () => number,
    private readonly changed: () => void,
  ) {}

  /** The lock in force: the lockfile, else the one held in memory. */
  async current(): Promise<LockInfo | null> {
    this.shown = (await this.file.read()) ?? this.held;
    return this.shown;
  }

  /** Locks in memory at once; cannot fail. */
  hold(info: { reason: string; source: string; count?: number }): void {
    this.held = { ...info, at: new Date(this.now()).toISOString() };
    this.shown = this.held;
    this.changed();
  }

  /** Locks in memory, then writes the lockfile (which may throw: the memory lock stays). */
  async set(info: { reason: string; source: string; count?: number }): Promise<void> {
    this.hold(info);
    await this.file.write(info);
    await this.current();
    this.changed();
  }

  /** Removes both; returns what was locked. */
  async clear(): Promise<LockInfo | null> {
    const was = await this.current();
    await this.file.clear();
    this.held = null;
    this.shown = null;
    return was;
  }
}
