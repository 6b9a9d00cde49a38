/**
 * The Redis bus (ioredis): one connection for commands, one in subscriber
 * mode. `REDIS_URL` such as `redis://127.0.0.1:6379/2` picks server and DB.
 *
 * Outage tolerance — Redis going away must never stop the trader:
 * - every `set` is remembered (latest value per key, with its expiry time)
 *   before it is sent, and nothing throws into callers: while Redis is away
 *   `set`/`publish` only remember / drop, and `get` answers from what this
 *   process wrote;
 * - the outage is logged once, "Redis back" once when it ends;
 * - ioredis reconnects with capped exponential back-off. The offline queue is
 *   off (calls do not pile up) and `maxRetriesPerRequest` is 0, so a command
 *   cut off by a disconnect fails instead of being re-sent later, where it
 *   could overwrite a newer value;
 * - when Redis is back the bus writes every remembered key again in one
 *   pipeline, with the TTL it has left (a value never outlives its TTL counted
 *   from when it was written; expired ones are dropped), restores every
 *   subscription itself (it keeps the list, so subscriptions made during the
 *   outage count too), then calls the `onReconnect` listeners.
 *
 * Pub/sub in Redis ignores the DB number: two deployments sharing one server
 * on different DBs see each other's messages (keys stay separate).
 */
import Redis, { type RedisOptions } from "ioredis";
import { logger, registerSecret, type Logger } from "../log.ts";
import type { Bus, MessageHandler, Unsubscribe } from "./bus.ts";
import {
  assertContractChannel,
  decodeValue,
  defaultTtlMs,
  encodeMessage,
  encodeValue,
  ttlToMs,
} from "./codec.ts";
import type { ChannelMessage, ChannelName, KeyName, KeyValue, PatternMessage } from "./payloads.ts";
import { SubscriptionRegistry } from "./subscriptions.ts";

export interface RedisBusOptions {
  /** `redis://[user:password@]host:port/db` or `rediss://…`. */
  url: string;
  log?: Logger;
  /** Longest pause between reconnect attempts (default 5000 ms). */
  maxReconnectDelayMs?: number;
  /** A command without a reply after this long counts as an outage (default 5000 ms). */
  commandTimeoutMs?: number;
  /** Clock for the expiry of remembered values (ms since the epoch). */
  now?: () => number;
}

interface Remembered {
  raw: string;
  expiresAt: number | null;
}

export class RedisBus implements Bus {
  readonly kind = "redis" as const;
  /** The command connection; leases (lease.ts) run their scripts on it. */
  readonly client: Redis;
  private readonly subscriber: Redis;
  private readonly registry: SubscriptionRegistry;
  private readonly remembered = new Map<string, Remembered>();
  private readonly reconnectListeners = new Set<() => void>();
  /** False from the subscriber's close until its subscriptions are made again after "ready". */
  private subscriptionsRestored = false;
  private readonly readyWaiters = new Set<() => void>();
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly target: string;
  /** Set from the first sign of an outage until Redis answers again. */
  private outage: { since: number } | null = null;
  private lastReplyError: string | null = null;
  private closed = false;

  constructor(options: RedisBusOptions) {
    this.log = options.log ?? logger("bus");
    this.now = options.now ?? Date.now;
    this.target = describeRedisUrl(options.url);
    this.registry = new SubscriptionRegistry(this.log);
    const maxDelay = options.maxReconnectDelayMs ?? 5000;
    const connection: RedisOptions = {
      retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 16), maxDelay),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      autoResubscribe: false,
      commandTimeout: options.commandTimeoutMs ?? 5000,
      connectTimeout: 5000,
    };
    this.client = new Redis(options.url, { ...connection, connectionName: "bus" });
    this.subscriber = new Redis(options.url, { ...connection, connectionName: "bus-subscriber" });

    for (const connection of [this.client, this.subscriber]) {
      // ioredis emits an error per failed attempt; the outage is reported once by markDown.
      connection.on("error", (error: Error) => this.markDown(error.message));
      connection.on("close", () => this.markDown("connection closed"));
    }
    this.client.on("ready", () => this.checkUp());
    // Up only once the subscriptions are back: a reconnect listener that publishes
    // (or a reader that trusts isConnected) must not race the re-subscribe.
    this.subscriber.on("close", () => (this.subscriptionsRestored = false));
    this.subscriber.on("ready", () =>
      void this.restoreSubscriptions().then(() => {
        this.subscriptionsRestored = this.subscriber.status === "ready";
        this.checkUp();
      }),
    );
    this.subscriber.on("message", (channel: string, raw: string) => {
      const group = this.registry.channelGroup(channel);
      if (group) this.registry.deliver(group, channel, raw);
    });
    this.subscriber.on("pmessage", (pattern: string, channel: string, raw: string) => {
      const group = this.registry.patternGroup(pattern);
      if (group) this.registry.deliver(group, channel, raw);
    });
  }

  async set<K extends KeyName>(key: K, value: KeyValue<K>, ttlSeconds?: number): Promise<void> {
    const raw = encodeValue(key, value);
    const ttlMs = ttlSeconds === undefined ? defaultTtlMs(key) : ttlToMs(key, ttlSeconds);
    if (this.closed) return;
    this.remembered.set(key, { raw, expiresAt: ttlMs === null ? null : this.now() + ttlMs });
    if (this.client.status !== "ready") return;
    try {
      if (ttlMs === null) await this.client.set(key, raw);
      else await this.client.set(key, raw, "PX", ttlMs);
      this.noteSuccess();
    } catch (error) {
      this.noteFailure(error, `SET ${key}`);
    }
  }

  async get<K extends KeyName>(key: K): Promise<KeyValue<K> | null> {
    if (this.closed) return null;
    if (this.client.status === "ready") {
      try {
        const raw = await this.client.get(key);
        this.noteSuccess();
        if (raw === null) return null;
        const decoded = decodeValue(key, raw);
        if (decoded.ok) return decoded.value as KeyValue<K>;
        this.log.error(`Ignored a malformed value in ${key}: ${decoded.problem}`);
        return null;
      } catch (error) {
        this.noteFailure(error, `GET ${key}`);
      }
    }
    // Redis is unreachable: answer with what this process last wrote, if still within its TTL.
    const own = this.rememberedLive(key);
    if (!own) return null;
    const decoded = decodeValue(key, own.raw);
    return decoded.ok ? (decoded.value as KeyValue<K>) : null;
  }

  async publish<C extends ChannelName>(channel: C, message: ChannelMessage<C>): Promise<void> {
    const raw = encodeMessage(channel, message);
    if (this.closed || this.client.status !== "ready") return;
    try {
      await this.client.publish(channel, raw);
      this.noteSuccess();
    } catch (error) {
      this.noteFailure(error, `PUBLISH ${channel}`);
    }
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
    return (
      !this.closed && this.outage === null && this.client.status === "ready" && this.subscriber.status === "ready" && this.subscriptionsRestored
    );
  }

  ready(timeoutMs: number): Promise<boolean> {
    if (this.isConnected()) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.readyWaiters.delete(waiter);
        resolve(false);
      }, timeoutMs);
      this.readyWaiters.add(waiter);
    });
  }

  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  forget(key: KeyName): void {
    this.remembered.delete(key);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.registry.clear();
    this.reconnectListeners.clear();
    for (const waiter of this.readyWaiters) waiter();
    this.readyWaiters.clear();
    await Promise.all([closeConnection(this.client), closeConnection(this.subscriber)]);
  }

  private async register(kind: "channel" | "pattern", name: string, handler: MessageHandler<never>): Promise<Unsubscribe> {
    if (this.closed) return () => {};
    const { subscription, created } = this.registry.add(kind, name, handler);
    if (created && this.subscriber.status === "ready") {
      try {
        if (kind === "channel") await this.subscriber.subscribe(name);
        else await this.subscriber.psubscribe(name);
      } catch (error) {
        // Kept in the registry: restoreSubscriptions makes it when the subscriber is ready again.
        this.noteFailure(error, `${kind === "channel" ? "SUBSCRIBE" : "PSUBSCRIBE"} ${name}`);
      }
    }
    return () => {
      const emptied = this.registry.remove(kind, name, subscription);
      if (!emptied || this.closed || this.subscriber.status !== "ready") return;
      const done = kind === "channel" ? this.subscriber.unsubscribe(name) : this.subscriber.punsubscribe(name);
      // A failed unsubscribe is harmless: messages for a group without members are ignored.
      done.catch(() => {});
    };
  }

  private async restoreSubscriptions(): Promise<void> {
    const channelNames = this.registry.channelNames();
    const patternNames = this.registry.patternNames();
    try {
      if (channelNames.length > 0) await this.subscriber.subscribe(...channelNames);
      if (patternNames.length > 0) await this.subscriber.psubscribe(...patternNames);
    } catch (error) {
      this.noteFailure(error, "restoring subscriptions");
    }
  }

  /** Runs on every "ready": wakes `ready()` callers and, after an outage, writes state back. */
  private checkUp(): void {
    if (this.closed || this.client.status !== "ready" || this.subscriber.status !== "ready" || !this.subscriptionsRestored) return;
    if (this.outage !== null) {
      void this.recover();
      return;
    }
    this.wakeReadyWaiters();
    // Values set before the very first connection could not be sent; write them now.
    if (this.remembered.size > 0) void this.writeBack();
  }

  private async recover(): Promise<void> {
    const outage = this.outage;
    if (outage === null) return;
    this.outage = null;
    const seconds = ((this.now() - outage.since) / 1000).toFixed(1);
    this.log.info(`Redis back at ${this.target} after ${seconds} s; writing back ${this.remembered.size} remembered keys`);
    await this.writeBack();
    this.wakeReadyWaiters();
    for (const listener of this.reconnectListeners) {
      try {
        listener();
      } catch (error) {
        this.log.error(`A reconnect listener failed: ${(error as Error).message}`);
      }
    }
  }

  /** Built and sent in one synchronous step, so no caller's newer `set` can slip in before it. */
  private async writeBack(): Promise<void> {
    const pipeline = this.client.pipeline();
    let count = 0;
    for (const key of [...this.remembered.keys()]) {
      const entry = this.rememberedLive(key);
      if (!entry) continue;
      if (entry.expiresAt === null) pipeline.set(key, entry.raw);
      else pipeline.set(key, entry.raw, "PX", Math.max(1, entry.expiresAt - this.now()));
      count++;
    }
    if (count === 0) return;
    try {
      const results = await pipeline.exec();
      const failed = results?.find(([error]) => error !== null);
      if (failed?.[0]) this.noteFailure(failed[0], "writing back remembered keys");
    } catch (error) {
      this.noteFailure(error, "writing back remembered keys");
    }
  }

  private rememberedLive(key: string): Remembered | null {
    const entry = this.remembered.get(key);
    if (!entry) return null;
    if (entry.expiresAt !== null && this.now() > entry.expiresAt) {
      this.remembered.delete(key);
      return null;
    }
    return entry;
  }

  private wakeReadyWaiters(): void {
    for (const waiter of this.readyWaiters) waiter();
    this.readyWaiters.clear();
  }

  private markDown(reason: string): void {
    if (this.closed || this.outage !== null) return;
    this.outage = { since: this.now() };
    this.log.warn(
      `Redis unreachable at ${this.target} (${reason}); working on local state, remembering keys and reconnecting`,
    );
  }

  private noteSuccess(): void {
    this.lastReplyError = null;
    // A command answered although no "ready" event came (e.g. Redis was only slow): the outage is over.
    if (this.outage !== null) this.checkUp();
  }

  private noteFailure(error: unknown, what: string): void {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof Error && error.name === "ReplyError") {
      // Redis answered with an error (OOM, READONLY, …): not an outage, but the writer must hear of it.
      if (message !== this.lastReplyError) this.log.error(`Redis refused ${what}: ${message}`);
      this.lastReplyError = message;
      return;
    }
    this.markDown(message);
  }
}

/** `redis://host:port/db` without credentials, for log lines; the password is registered as a secret. */
export function describeRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`REDIS_URL ${JSON.stringify(url)} is not a URL; expected e.g. redis://127.0.0.1:6379/2`);
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new Error(`REDIS_URL must start with redis:// or rediss://, got ${parsed.protocol}//`);
  }
  const db = parsed.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d+$/.test(db)) {
    throw new Error(`REDIS_URL database must be a number (e.g. /2), got /${db}`);
  }
  if (parsed.password) registerSecret(decodeURIComponent(parsed.password));
  return `${parsed.protocol}//${parsed.host}/${db || "0"}`;
}

/** Quits politely when connected (pending replies arrive), else disconnects; resolves once no socket is left. */
async function closeConnection(connection: Redis): Promise<void> {
  if (connection.status === "ready") {
    try {
      await connection.quit();
      return;
    } catch {
      // fall through to a hard disconnect
    }
  }
  // Between reconnect attempts there is no socket: disconnect() only cancels the next attempt.
  const socketOpen = connection.status === "connecting" || connection.status === "connect";
  const ended = socketOpen ? new Promise<void>((resolve) => connection.once("end", () => resolve())) : null;
  connection.disconnect();
  if (ended) await ended;
}
