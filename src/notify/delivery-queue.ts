/**
 * One channel's outbox: bounded, in order, retried — and never in anyone's way.
 *
 * `push` only appends and returns; a worker sends the oldest message, one at a
 * time, each attempt cut off after `timeoutMs`. A failure is retried after the
 * receiver's retry_after (Telegram's 429) or with doubling back-off, until it is
 * sent, refused for good (a bad token: dropped at once) or `maxAttempts` ran
 * out; the messages behind it wait, so order is kept. When the outbox is full
 * the oldest waiting low-priority message is dropped (else the oldest waiting
 * one) and counted. The first failure of a run is reported once (`failing`),
 * the recovery once (`recovered`).
 *
 * @example
 *   const queue = new DeliveryQueue(telegramChannel(…), {}, { failing: (error) => log.error(error) });
 *   queue.push({ notice, silent: false });   // returns at once
 */
import type { Channel, OutgoingMessage, SendOutcome } from "./channels/channel.ts";

export interface DeliveryOptions {
  /** Messages kept at most (default 200). */
  capacity?: number;
  /** One attempt's limit (default 10 s). */
  timeoutMs?: number;
  /** Wait after the first failure, doubled each time up to maxRetryMs (default 2 s, 5 min). */
  firstRetryMs?: number;
  maxRetryMs?: number;
  /** Attempts per message before it is given up (default 20: about an hour of retrying). */
  maxAttempts?: number;
  /** Waits between attempts (tests record them instead of waiting). */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface DeliveryHooks {
  /** A run of failures began (called once per run). */
  failing?(error: string, waiting: number): void;
  /** The first success after a run of failures. */
  recovered?(failures: number): void;
  /** Anything in state() changed. */
  changed?(): void;
}

export interface DeliveryState {
  /** Messages not sent yet, the one being retried included. */
  waiting: number;
  /** The last attempt failed and no success came since. */
  failing: boolean;
  last_success_at: number | null;
  last_failure_at: number | null;
  last_error: string | null;
  sent: number;
  /** Dropped unsent because the outbox was full. */
  dropped: number;
  /** Given up: refused for good, or out of attempts. */
  gave_up: number;
}

interface Item {
  message: OutgoingMessage;
  attempts: number;
}

export class DeliveryQueue {
  private readonly items: Item[] = [];
  private inFlight: Item | null = null;
  private worker: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly stopping = new AbortController();
  private failures = 0;
  private readonly stats: Omit<DeliveryState, "waiting" | "failing"> = { last_success_at: null, last_failure_at: null, last_error: null, sent: 0, dropped: 0, gave_up: 0 };
  private readonly capacity: number;
  private readonly timeoutMs: number;
  private readonly firstRetryMs: number;
  private readonly maxRetryMs: number;
  private readonly maxAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(
    readonly channel: Channel,
    options: DeliveryOptions = {},
    private readonly hooks: DeliveryHooks = {},
  ) {
    this.capacity = Math.max(2, options.capacity ?? 200);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.firstRetryMs = options.firstRetryMs ?? 2_000;
    this.maxRetryMs = options.maxRetryMs ?? 5 * 60_000;
    this.maxAttempts = options.maxAttempts ?? 20;
    this.sleep = options.sleep ?? unrefSleep;
    this.now = options.now ?? Date.now;
  }

  /** Queues a message and returns at once. */
  push(message: OutgoingMessage): void {
    if (this.stopping.signal.aborted) return;
    if (this.items.length >= this.capacity) this.dropOne();
    this.items.push({ message, attempts: 0 });
    this.hooks.changed?.();
    // Started after the caller's synchronous code: a push does no sending work itself.
    this.worker ??= Promise.resolve().then(() => this.work()).finally(() => (this.worker = null));
  }

  /** One attempt now, outside the queue (the owner's test message); a success wakes a queue waiting to retry. */
  async sendNow(message: OutgoingMessage): Promise<SendOutcome> {
    const outcome = await this.attempt(message);
    if (outcome.ok) {
      this.stats.last_success_at = this.now();
      if (this.failures > 0) this.hooks.recovered?.(this.failures);
      this.failures = 0;
      this.wake?.();
    } else this.noteFailure(outcome.error);
    this.hooks.changed?.();
    return outcome;
  }

  state(): DeliveryState {
    return { ...this.stats, waiting: this.items.length, failing: this.failures > 0 };
  }

  /** Resolves when nothing is left to send (or the queue was stopped). */
  async idle(): Promise<void> {
    while (this.worker) await this.worker;
  }

  /** Ends the waits and any attempt in flight; what is left is not sent. */
  stop(): void {
    this.stopping.abort();
    this.wake?.();
  }

  private async work(): Promise<void> {
    while (this.items.length > 0 && !this.stopping.signal.aborted) {
      const item = this.items[0]!;
      this.inFlight = item;
      const outcome = await this.attempt(item.message);
      this.inFlight = null;
      if (this.stopping.signal.aborted) return;
      if (outcome.ok) {
        this.remove(item);
        this.stats.sent += 1;
        this.stats.last_success_at = this.now();
        if (this.failures > 0) this.hooks.recovered?.(this.failures);
        this.failures = 0;
        this.hooks.changed?.();
        continue;
      }
      item.attempts += 1;
      this.noteFailure(outcome.error);
      if (outcome.permanent || item.attempts >= this.maxAttempts) {
        this.remove(item);
        this.stats.gave_up += 1;
        this.hooks.changed?.();
        continue;
      }
      this.hooks.changed?.();
      await this.pause(outcome.retryAfterMs ?? Math.min(this.maxRetryMs, this.firstRetryMs * 2 ** (item.attempts - 1)));
    }
  }

  private async attempt(message: OutgoingMessage): Promise<SendOutcome> {
    const signal = AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.stopping.signal]);
    try {
      return await this.channel.send(message, signal);
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }

  private noteFailure(error: string): void {
    this.stats.last_failure_at = this.now();
    this.stats.last_error = error;
    this.failures += 1;
    if (this.failures === 1) this.hooks.failing?.(error, this.items.length);
  }

  /** Waits `ms`, or less when woken (a successful test message, stop). */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      void this.sleep(ms).then(resolve);
    }).finally(() => (this.wake = null));
  }

  private dropOne(): void {
    // The message being sent or retried stays: it is the one the channel is working on.
    const head = this.items[0];
    const waiting = this.items.filter((i) => i !== this.inFlight && !(i === head && i.attempts > 0));
    const victim = waiting.find((i) => i.message.notice.priority === "low") ?? waiting[0];
    if (!victim) return;
    this.remove(victim);
    this.stats.dropped += 1;
  }

  private remove(item: Item): void {
    const index = this.items.indexOf(item);
    if (index >= 0) this.items.splice(index, 1);
  }
}

function unrefSleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    // A retry waiting must not keep a process alive that is otherwise done.
    (timer as { unref?: () => void }).unref?.();
  });
}
