/**
 * The `Bus` contract: shared state (keys with optional TTL) and pub/sub
 * channels, as named in keys.ts and shaped by payloads.ts. Two implementations
 * keep the same semantics — `RedisBus` (ioredis, for scale-out) and
 * `MemoryBus` (one process, the embedded default) — and the contract tests run
 * against both.
 *
 * Promises:
 * - Values and messages are JSON and validated when written (a bad payload
 *   rejects with `BusPayloadError`) and when read (a bad stored value reads as
 *   null, a bad message is dropped; either way with one error log line naming
 *   the key/channel and the first issue).
 * - An outage of the backing store never throws: `set` and `publish` resolve,
 *   the bus remembers the latest value of every key it wrote and writes them
 *   back when the store returns; `onReconnect` lets owners republish more.
 * - Messages are delivered asynchronously, never inside `publish`, in publish
 *   order per channel. Redis delivers once per matching subscription (channel
 *   and pattern), and so does the memory bus.
 * - Handlers must treat messages as read-only (handlers of one subscription
 *   share the parsed object); a handler that throws or rejects is logged and
 *   does not affect the others.
 */
import type {
  ChannelMessage,
  ChannelName,
  KeyName,
  KeyValue,
  PatternMessage,
} from "./payloads.ts";

export type Unsubscribe = () => void;

export type MessageHandler<T> = (message: T, channel: ChannelName) => void | Promise<void>;

export interface Bus {
  readonly kind: "redis" | "memory";

  /**
   * Stores `value` under `key`. The TTL defaults to the contract's (keys.ts);
   * pass `ttlSeconds` to override it. Rejects only with `BusPayloadError`.
   */
  set<K extends KeyName>(key: K, value: KeyValue<K>, ttlSeconds?: number): Promise<void>;

  /** The validated value, or null when missing, expired or malformed. Never rejects. */
  get<K extends KeyName>(key: K): Promise<KeyValue<K> | null>;

  /** Sends `message` to the subscribers of `channel`. Rejects only with `BusPayloadError`. */
  publish<C extends ChannelName>(channel: C, message: ChannelMessage<C>): Promise<void>;

  /**
   * Calls `handler` for every valid message on `channel`. Resolves once the
   * subscription is active (or at once while the store is unreachable or still
   * connecting: it is made as soon as the store answers). Rejects only with
   * `BusPayloadError` for a name that is not a contract channel.
   */
  subscribe<C extends ChannelName>(channel: C, handler: MessageHandler<ChannelMessage<C>>): Promise<Unsubscribe>;

  /**
   * Like `subscribe` for every channel matching the Redis glob `pattern`, e.g.
   * `signals:ta:*`. Each message is validated against its own channel's schema.
   */
  psubscribe<P extends string>(pattern: P, handler: MessageHandler<PatternMessage<P>>): Promise<Unsubscribe>;

  /** True while writes reach the store (always true for the memory bus until closed). */
  isConnected(): boolean;

  /** Resolves true once connected, false if `timeoutMs` passes first. Never rejects. */
  ready(timeoutMs: number): Promise<boolean>;

  /**
   * `listener` runs each time the store comes back after an outage, after the
   * bus has written back the keys it remembers. Returns a function removing it.
   */
  onReconnect(listener: () => void): () => void;

  /**
   * Stops remembering `key`, so a reconnect does not write it back — for a
   * process that stopped owning that state (e.g. lost its trader lease).
   */
  forget(key: KeyName): void;

  /** Ends subscriptions and connections; later calls are no-ops. */
  close(): Promise<void>;
}
