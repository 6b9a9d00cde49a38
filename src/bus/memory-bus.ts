/**
 * The in-process bus: the embedded default when no REDIS_URL is set, and the
 * reference the contract tests hold next to Redis. It behaves like Redis where
 * callers could tell the difference:
 * - values are stored as JSON strings, so a reader never shares (or mutates)
 *   the writer's object;
 * - TTLs expire on an injectable clock, a key living while `now <= expiresAt`
 *   as in Redis;
 * - messages are delivered in a later microtask, to the subscriptions that
 *   existed when `publish` ran (as Redis routes at publish time) and are still
 *   subscribed at delivery;
 * - patterns use Redis glob syntax (glob.ts).
 */
import { logger, type Logger } from "../log.ts";
import type { Bus, MessageHandler, Unsubscribe } from "./bus.ts";
import { assertContractChannel, decodeValue, defaultTtlMs, encodeMessage, encodeValue, ttlToMs } from "./codec.ts";
import type { ChannelMessage, ChannelName, KeyName, KeyValue, PatternMessage } from "./payloads.ts";
import { SubscriptionRegistry } from "./subscriptions.ts";

export interface MemoryBusOptions {
  /** Clock for TTLs, ms since the epoch; tests pass a fake one. */
  now?: () => number;
  log?: Logger;
}

interface Entry {
  raw: string;
  /** ms since the epoch, or null for no TTL. */
  expiresAt: number | null;
}

export class MemoryBus implements Bus {
  readonly kind = "memory" as const;
  private readonly entries = new Map<string, Entry>();
  private readonly registry: SubscriptionRegistry;
  private readonly now: () => number;
  private readonly log: Logger;
  private closed = false;

  constructor(options: MemoryBusOptions = {}) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? logger("bus");
    this.registry = new SubscriptionRegistry(this.log);
  }

  async set<K extends KeyName>(key: K, value: KeyValue<K>, ttlSeconds?: number): Promise<void> {
    const raw = encodeValue(key, value);
    const ttlMs = ttlSeconds === undefined ? defaultTtlMs(key) : ttlToMs(key, ttlSeconds);
    if (this.closed) return;
    this.storeRaw(key, raw, ttlMs);
  }

  async get<K extends KeyName>(key: K): Promise<KeyValue<K> | null> {
    const entry = this.liveEntry(key);
    if (!entry) return null;
    const decoded = decodeValue(key, entry.raw);
    if (!decoded.ok) {
      this.log.error(`Ignored a malformed value in ${key}: ${decoded.problem}`);
      return null;
    }
    return decoded.value as KeyValue<K>;
  }

  async publish<C extends ChannelName>(channel: C, message: ChannelMessage<C>): Promise<void> {
    const raw = encodeMessage(channel, message);
    if (this.closed) return;
    this.publishRaw(channel, raw);
  }

  async subscribe<C extends ChannelName>(
    channel: C,
    handler: MessageHandler<ChannelMessage<C>>,
  ): Promise<Unsubscribe> {
    assertContractChannel(channel);
    return this.register("channel", channel, handler);
  }

  async psubscribe<P extends string>(pattern: P, handler: MessageHandler<PatternMessage<P>>): Promise<Unsubscribe> {
    return this.register("pattern", pattern, handler);
  }

  isConnected(): boolean {
    return !this.closed;
  }

  async ready(_timeoutMs: number): Promise<boolean> {
    return !this.closed;
  }

  /** The memory bus never loses its store, so listeners are kept but never called. */
  onReconnect(_listener: () => void): () => void {
    return () => {};
  }

  /** Nothing is written back on a reconnect here, so there is nothing to forget. */
  forget(_key: KeyName): void {}

  async close(): Promise<void> {
    this.closed = true;
    this.registry.clear();
    this.entries.clear();
  }

  /**
   * Stores a raw string as `redis-cli SET` would, without validation — for
   * tests that need a malformed value. `ttlMs` null keeps it without TTL.
   */
  storeRaw(key: string, raw: string, ttlMs: number | null): void {
    this.entries.set(key, { raw, expiresAt: ttlMs === null ? null : this.now() + ttlMs });
  }

  /** The stored string of a live key, as `redis-cli GET` would show it; null when missing or expired. */
  peekRaw(key: string): string | null {
    return this.liveEntry(key)?.raw ?? null;
  }

  /** Publishes a raw string without validation, as `redis-cli PUBLISH` would. */
  publishRaw(channel: string, raw: string): void {
    const groups = this.registry.groupsFor(channel);
    if (groups.length === 0) return;
    queueMicrotask(() => {
      for (const group of groups) this.registry.deliver(group, channel, raw);
    });
  }

  /** Redis PTTL semantics: ms left, -1 for a key without TTL, -2 for a missing or expired key. */
  pttl(key: string): number {
    const entry = this.liveEntry(key);
    if (!entry) return -2;
    return entry.expiresAt === null ? -1 : entry.expiresAt - this.now();
  }

  private liveEntry(key: string): Entry | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt !== null && this.now() > entry.expiresAt) {
      this.entries.delete(key);
      return null;
    }
    return entry;
  }

  private register(
    kind: "channel" | "pattern",
    name: string,
    handler: MessageHandler<never>,
  ): Unsubscribe {
    if (this.closed) return () => {};
    const { subscription } = this.registry.add(kind, name, handler);
    return () => {
      this.registry.remove(kind, name, subscription);
    };
  }
}
