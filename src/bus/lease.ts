/**
 * A lease lock in Redis, so that only one process acts as a role (the TA
 * fetcher `lease:ta`, the trader of an account `lease:trader:{account}`).
 *
 * - Acquire: `SET key owner NX PX ttl` (in a script that also lets the owner
 *   reclaim its own unexpired lease after a blip).
 * - Renew every `renewEveryMs` with compare-and-PEXPIRE: only the owner extends.
 * - Release with compare-and-DEL: never deletes another owner's lease.
 * - A standby polls every `pollEveryMs` and so takes over at most about one
 *   poll after the lease of a dead holder expires.
 *
 * Safety: the holder counts its lease from the moment it *sent* the last
 * successful acquire/renew, which is no later than Redis started the TTL.
 * It treats the lease as lost `safetyMarginMs` before that TTL ends (covering
 * timer lateness and clock-rate drift), or at once when a renewal finds another
 * owner. `onLost` then fires and the holder must stop acting; `isHeld()` checks
 * the clock itself, so calling it right before each action is the strongest
 * guard. `isConfirmed()` is stricter: it turns false at the first failed
 * renewal, long before the TTL runs out. Afterwards the lease goes back to standby and `onAcquired` fires again
 * if it is won back.
 */
import { hostname } from "node:os";
import type Redis from "ioredis";
import { logger, type Logger } from "../log.ts";
import { KEY_PREFIX } from "./keys.ts";
import { RedisBus } from "./redis-bus.ts";

const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`;

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface LeaseOptions {
  /** How long a lease lives without renewal. */
  ttlMs: number;
  /** At most half of `ttlMs`, so one lost renewal does not lose the lease. */
  renewEveryMs: number;
  /** Unique per process; see `defaultLeaseOwner`. */
  owner: string;
  /** How often a standby tries to take over (default `renewEveryMs`). */
  pollEveryMs?: number;
  /** Stop acting this long before the TTL ends (default a tenth of `ttlMs`, at most 1 s). */
  safetyMarginMs?: number;
  onAcquired?: () => void;
  /** The holder must stop acting: the lease expired, was taken, or could not be renewed in time. */
  onLost?: (reason: string) => void;
  log?: Logger;
  now?: () => number;
}

export interface Lease {
  readonly key: string;
  readonly owner: string;
  /** True while this process holds the lease and its TTL (minus the margin) has not run out. */
  isHeld(): boolean;
  /**
   * Held, and the last call to Redis about it succeeded: false from the first
   * failed renewal until one succeeds again, although the lease may still be
   * held by its TTL. Work that could be doubled by a successor (opening a
   * position) waits for this; protective work only needs isHeld().
   */
  isConfirmed(): boolean;
  /** Stops renewing/polling and deletes the lease if this process still owns it. */
  release(): Promise<void>;
}

/** `host:pid:random`, unique enough that two processes never share an owner. */
export function defaultLeaseOwner(): string {
  return `${hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * Starts competing for `key`; resolves after the first attempt, holder or
 * standby. Never throws for Redis trouble (it keeps trying); throws for
 * options that could not give a safe lease.
 */
export async function acquireLease(target: RedisBus | Redis, key: string, options: LeaseOptions): Promise<Lease> {
  validate(key, options);
  const client = target instanceof RedisBus ? target.client : target;
  const lease = new RedisLease(client, key, options);
  await lease.start();
  return lease;
}

function validate(key: string, options: LeaseOptions): void {
  const where = `lease ${JSON.stringify(key)}`;
  if (!key.startsWith(KEY_PREFIX.lease) || key.length === KEY_PREFIX.lease.length) {
    throw new Error(`${where}: lease keys start with "lease:" (use keys.leaseTa or keys.leaseTrader)`);
  }
  if (!Number.isInteger(options.ttlMs) || options.ttlMs < 100) {
    throw new Error(`${where}: ttlMs must be an integer of at least 100, got ${options.ttlMs}`);
  }
  if (!(options.renewEveryMs > 0) || options.renewEveryMs * 2 > options.ttlMs) {
    throw new Error(`${where}: renewEveryMs must be above 0 and at most ttlMs/2 (${options.ttlMs / 2}), got ${options.renewEveryMs}`);
  }
  if (options.pollEveryMs !== undefined && !(options.pollEveryMs > 0)) {
    throw new Error(`${where}: pollEveryMs must be above 0, got ${options.pollEveryMs}`);
  }
  const margin = options.safetyMarginMs;
  if (margin !== undefined && !(margin >= 0 && margin < options.ttlMs - options.renewEveryMs)) {
    throw new Error(`${where}: safetyMarginMs must be at least 0 and below ttlMs - renewEveryMs, got ${margin}`);
  }
  if (options.owner.length === 0 || options.owner.length > 200) {
    throw new Error(`${where}: owner must be 1–200 characters`);
  }
}

class RedisLease implements Lease {
  readonly key: string;
  readonly owner: string;
  private state: "standby" | "held" | "released" = "standby";
  /** Local time after which this process must not act on the lease. */
  private actUntil = 0;
  private nextAttempt: ReturnType<typeof setTimeout> | null = null;
  private guard: ReturnType<typeof setTimeout> | null = null;
  private failing = false;
  private readonly ttlMs: number;
  private readonly renewEveryMs: number;
  private readonly pollEveryMs: number;
  private readonly marginMs: number;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(
    private readonly client: Redis,
    key: string,
    private readonly options: LeaseOptions,
  ) {
    this.key = key;
    this.owner = options.owner;
    this.ttlMs = options.ttlMs;
    this.renewEveryMs = options.renewEveryMs;
    this.pollEveryMs = options.pollEveryMs ?? options.renewEveryMs;
    this.marginMs = options.safetyMarginMs ?? Math.min(1000, Math.floor(options.ttlMs / 10));
    this.log = options.log ?? logger("lease");
    this.now = options.now ?? Date.now;
  }

  isHeld(): boolean {
    return this.state === "held" && this.now() < this.actUntil;
  }

  isConfirmed(): boolean {
    return this.isHeld() && !this.failing;
  }

  async start(): Promise<void> {
    await this.tryAcquire();
  }

  async release(): Promise<void> {
    if (this.state === "released") return;
    const wasHeld = this.state === "held";
    this.state = "released";
    this.clearTimers();
    try {
      await this.client.eval(RELEASE, 1, this.key, this.owner);
      if (wasHeld) this.log.info(`Released ${this.key}`);
    } catch (error) {
      // It expires on its own within ttlMs; the next holder just waits a little longer.
      this.log.warn(`Could not release ${this.key} (${(error as Error).message}); it expires within ${this.ttlMs} ms`);
    }
  }

  private async tryAcquire(): Promise<void> {
    const sentAt = this.now();
    let won = false;
    try {
      won = (await this.client.eval(ACQUIRE, 1, this.key, this.owner, this.ttlMs)) === 1;
      this.noteSuccess();
    } catch (error) {
      this.noteFailure(error, "try");
    }
    if (this.state === "released") {
      // release() ran while this attempt was in flight: undo a win so the lease is not left behind.
      if (won) await this.client.eval(RELEASE, 1, this.key, this.owner).catch(() => {});
      return;
    }
    if (won && this.extendTo(sentAt)) {
      this.state = "held";
      this.log.info(`Acquired ${this.key} as ${this.owner}`);
      this.notify(() => this.options.onAcquired?.());
      this.schedule(() => this.renew(), this.renewEveryMs);
    } else {
      this.schedule(() => this.tryAcquire(), this.pollEveryMs);
    }
  }

  private async renew(): Promise<void> {
    const sentAt = this.now();
    let result: unknown;
    try {
      result = await this.client.eval(RENEW, 1, this.key, this.owner, this.ttlMs);
      this.noteSuccess();
    } catch (error) {
      // Keep trying; the guard timer declares the lease lost before its TTL can run out.
      this.noteFailure(error, "renew");
      if (this.state === "held") this.schedule(() => this.renew(), Math.min(this.renewEveryMs, 250));
      return;
    }
    if (this.state !== "held") return;
    if (result === 1 && this.extendTo(sentAt)) {
      this.schedule(() => this.renew(), this.renewEveryMs);
    } else {
      this.lose(result === 1 ? "renewal answered too late" : "it expired or another process holds it");
    }
  }

  /** Moves the act-until deadline to `sentAt + ttl - margin`; false if that is already past. */
  private extendTo(sentAt: number): boolean {
    const until = sentAt + this.ttlMs - this.marginMs;
    const left = until - this.now();
    if (left <= 0) return false;
    this.actUntil = until;
    if (this.guard) clearTimeout(this.guard);
    this.guard = setTimeout(() => {
      this.guard = null;
      if (this.state === "held" && this.now() >= this.actUntil) this.lose("it could not be renewed before its TTL ran out");
    }, left);
    return true;
  }

  private lose(reason: string): void {
    this.state = "standby";
    this.clearTimers();
    this.log.warn(`Lost ${this.key}: ${reason}; stopping and waiting as standby`);
    this.notify(() => this.options.onLost?.(reason));
    this.schedule(() => this.tryAcquire(), this.pollEveryMs);
  }

  private schedule(step: () => Promise<void>, delayMs: number): void {
    if (this.state === "released") return;
    if (this.nextAttempt) clearTimeout(this.nextAttempt);
    this.nextAttempt = setTimeout(() => {
      this.nextAttempt = null;
      void step();
    }, delayMs);
  }

  private clearTimers(): void {
    if (this.nextAttempt) clearTimeout(this.nextAttempt);
    if (this.guard) clearTimeout(this.guard);
    this.nextAttempt = null;
    this.guard = null;
  }

  private notify(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      this.log.error(`A callback of ${this.key} failed: ${(error as Error).message}`);
    }
  }

  private noteSuccess(): void {
    this.failing = false;
  }

  /** One log line per failure streak, not one per attempt. */
  private noteFailure(error: unknown, what: "try" | "renew"): void {
    if (this.failing) return;
    this.failing = true;
    const message = error instanceof Error ? error.message : String(error);
    this.log.warn(`Cannot ${what} ${this.key}: ${message}; retrying`);
  }
}
