/**
 * Notifications, as freqtrade's rpc/ does them: the bot emits events and knows
 * no channel; this subscribes, formats (messages.ts), applies the owner's
 * per-event setting (on / silent / off in trader_config.json, read at each
 * event so a hand edit counts at once), and hands the message to one delivery
 * queue per configured channel (delivery-queue.ts), which sends it in the
 * background. Nothing here ever waits on a channel or throws into the trader:
 * a cycle, a close or an emergency stop goes on whatever Telegram does.
 *
 * On a timer (`tick`) it also watches Redis and the market feed
 * (process-watch.ts), sends the held-back counts of throttled events
 * (throttle.ts: exchange errors per kind, failing closes per coin, once per
 * 10 min) and, at the configured UTC hour, the daily summary.
 *
 * With Redis roles only the process that speaks for the trader (holds the
 * trader lease, or lost it only to a Redis outage) sends trade events, process
 * events and the daily summary; a standby sends only the test messages its
 * owner asks for.
 *
 * @example
 *   const notifier = new Notifier({ channels: channelsFrom(loadNotifyCredentials(), url), trader: controller, record });
 *   notifier.start();
 *   await notifier.sendTest("telegram");   // { ok, message }
 */
import { PER_TRADE_EVENTS, type NotificationSettings, type NotifyLevel } from "../config/schema.ts";
import type { MarketSourceStatus } from "../market/source.ts";
import { logger } from "../log.ts";
import type { TraderStatus } from "../trader/controller.ts";
import type { TraderEvent } from "../trader/ports.ts";
import type { RecordView } from "../web/deps.ts";
import { CHANNELS, channelLabel, type Channel, type ChannelName } from "./channels/channel.ts";
import { dailySummary, nextSummaryAt } from "./daily-summary.ts";
import { DeliveryQueue, type DeliveryOptions, type DeliveryState } from "./delivery-queue.ts";
import { noticeFor, type MessageContext, type Notice } from "./messages.ts";
import { MarketWatch, RedisWatch } from "./process-watch.ts";
import { Throttle } from "./throttle.ts";

const log = logger("notify");

export interface NotifierDeps {
  /** The configured channels (credentials.ts). */
  channels: Channel[];
  trader: { onEvent(listener: (event: TraderEvent) => void): () => void; status(): TraderStatus };
  record: Pick<RecordView, "closedTrades">;
  /** Whether this process speaks for the trader (see the module comment); default always. */
  speaks?: () => boolean;
  /** Watched when it is Redis. */
  bus?: { kind: "redis" | "memory"; isConnected(): boolean } | null;
  market?: { status(): MarketSourceStatus } | null;
  /** What --market asked of this process's own feed (a fall-back to simulated prices is news only after `auto`); absent when the market comes from another process. */
  requestedMarket?: "auto" | "binance" | "replay" | "sim" | null;
  /** The activity log's error kind (the "error log" on /trader). */
  logError?: (message: string) => void;
  now?: () => number;
  /** How often tick() runs (default 1000 ms; 0: never, tests call it). */
  tickMs?: number;
  delivery?: DeliveryOptions;
  /** Exchange errors per kind and failing closes per coin: one message per this long (default 10 min). */
  throttleMs?: number;
  /** No 5m update for this long is a stalled feed (default 10 min: two candles). */
  stallAfterMs?: number;
  /** Redis away for less than this is a blip, not news (default 5 s). */
  redisGraceMs?: number;
}

export interface ChannelStatus extends Partial<DeliveryState> {
  name: ChannelName;
  label: string;
  configured: boolean;
  /** What to set to turn it on (names of environment variables, never values). */
  needs: string;
}

export interface NotificationsStatus {
  channels: ChannelStatus[];
  /** False in a standby process: it sends only test messages. */
  speaks: boolean;
}

export class Notifier {
  private readonly queues: DeliveryQueue[];
  private readonly throttle: Throttle;
  private readonly redis: RedisWatch;
  private readonly market: MarketWatch | null;
  private readonly listeners = new Set<() => void>();
  private readonly now: () => number;
  private readonly speaks: () => boolean;
  private unsubscribe: (() => void) | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private summary: { hour: number; next: number } | null = null;

  constructor(private readonly deps: NotifierDeps) {
    this.now = deps.now ?? Date.now;
    this.speaks = deps.speaks ?? (() => true);
    this.throttle = new Throttle(deps.throttleMs ?? 10 * 60_000, this.now);
    this.redis = new RedisWatch(deps.redisGraceMs ?? 5_000);
    this.market = deps.market ? new MarketWatch({ requested: deps.requestedMarket ?? null, stallAfterMs: deps.stallAfterMs ?? 10 * 60_000, startedAt: this.now() }) : null;
    this.queues = deps.channels.map((channel) => {
      const label = channelLabel(channel.name);
      return new DeliveryQueue(channel, { now: this.now, ...deps.delivery }, {
        failing: (error, waiting) => {
          // Once per run of failures: the log and the page's error log, never per retry.
          const message = `${label} notifications failing: ${error}${waiting > 0 ? `; ${waiting} message(s) waiting, retried with back-off` : ""}`;
          log.error(message);
          deps.logError?.(message);
        },
        recovered: (failures) => log.info(`${label} notifications delivered again after ${failures} failed attempt(s)`),
        changed: () => this.changed(),
      });
    });
  }

  /** Subscribes to the trader's events and starts the timer (neither without a configured channel). */
  start(): void {
    if (this.queues.length === 0) return;
    this.unsubscribe ??= this.deps.trader.onEvent((event) => this.onTraderEvent(event));
    const every = this.deps.tickMs ?? 1000;
    if (every > 0 && !this.timer) {
      this.timer = setInterval(() => this.tick(), every);
      (this.timer as { unref?: () => void }).unref?.();
    }
    this.tick();
  }

  /**
   * Stops listening; gives messages already queued up to `drainMs` to go out
   * (an emergency stop just before a shutdown still reaches the owner), then stops the queues.
   */
  async stop(drainMs = 1500): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const healthy = this.queues.filter((q) => !q.state().failing);
    if (drainMs > 0 && healthy.length > 0) {
      let timer: ReturnType<typeof setTimeout> | null = null;
      await Promise.race([Promise.all(healthy.map((q) => q.idle())), new Promise<void>((resolve) => (timer = setTimeout(resolve, drainMs)))]);
      if (timer) clearTimeout(timer);
    }
    for (const queue of this.queues) queue.stop();
    await this.idle();
  }

  /** Redis, the market feed, the throttled counts and the daily summary (the timer calls this). */
  tick(): void {
    try {
      const now = this.now();
      const status = this.deps.trader.status();
      const ctx = { mode: status.mode, speaks: this.speaks() };
      const notices: Notice[] = [...this.throttle.flush()];
      if (this.deps.bus?.kind === "redis") notices.push(...this.redis.check(now, this.deps.bus.isConnected(), ctx));
      if (this.market && this.deps.market) notices.push(...this.market.check(now, this.deps.market.status(), ctx));
      const summary = this.dueSummary(now, status, ctx.speaks);
      if (summary) notices.push(summary);
      for (const notice of notices) this.deliver(notice, status.config.notifications);
    } catch (error) {
      log.error(`notifications: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  status(): NotificationsStatus {
    const channels = CHANNELS.map(({ name, label, needs }): ChannelStatus => {
      const queue = this.queues.find((q) => q.channel.name === name);
      return { name, label, needs, configured: queue !== undefined, ...(queue ? queue.state() : {}) };
    });
    return { channels, speaks: this.speaks() };
  }

  /** One message to `name` now, outside the queue; the answer says whether it arrived (or why not). */
  async sendTest(name: ChannelName): Promise<{ ok: boolean; message: string }> {
    const label = channelLabel(name);
    const queue = this.queues.find((q) => q.channel.name === name);
    if (!queue) {
      const needs = CHANNELS.find((c) => c.name === name)?.needs ?? "its settings";
      return { ok: false, message: `${label} is not configured: set ${needs} in the server's environment` };
    }
    const mode = this.deps.trader.status().mode;
    const notice: Notice = { event: "test", mode, text: `Test message from the CoinEx trader to ${label}: notifications work.`, priority: "high", at: this.now() };
    const outcome = await queue.sendNow({ notice, silent: false });
    return outcome.ok ? { ok: true, message: `Test message sent to ${label}` } : { ok: false, message: `Test message to ${label} failed: ${outcome.error}` };
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when every queue has nothing left to send (tests). */
  async idle(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.idle()));
  }

  private onTraderEvent(event: TraderEvent): void {
    // Runs inside the trader's emit: format and queue, never wait, never throw.
    try {
      if (!this.speaks()) return;
      const status = this.deps.trader.status();
      const ctx: MessageContext = { mode: status.mode, account: status.exchange === "coinex" ? "live" : "dry-run", retrying: status.closing.map((t) => t.symbol) };
      const notice = noticeFor(event, ctx);
      if (notice) this.deliver(notice, status.config.notifications, true);
    } catch (error) {
      log.error(`notification for ${event.type} not sent: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private deliver(notice: Notice, settings: NotificationSettings, throttled = false): void {
    const level = levelOf(notice, settings);
    if (level === "off") return;
    const send = throttled ? this.throttle.offer(notice) : notice;
    if (!send) return;
    for (const queue of this.queues) queue.push({ notice: send, silent: level === "silent" });
  }

  private dueSummary(now: number, status: TraderStatus, speaks: boolean): Notice | null {
    const hour = status.config.notifications.daily_summary_hour_utc;
    if (!this.summary || this.summary.hour !== hour) {
      this.summary = { hour, next: nextSummaryAt(now, hour) };
      return null;
    }
    if (now < this.summary.next) return null;
    this.summary = { hour, next: nextSummaryAt(now, hour) };
    if (!speaks) return null;
    return dailySummary({
      at: now,
      hour,
      mode: status.mode,
      trades: this.deps.record.closedTrades(1000),
      openPositions: status.positions.length,
      account: status.account,
      accountError: status.account_error,
      killSwitchPct: status.config.kill_switch_drawdown_pct,
    });
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

const RANK: Record<NotifyLevel, number> = { off: 0, silent: 1, on: 2 };

/** The owner's setting for this notice; in dry-run a per-trade message is sent at most at `dry_run_trades`. */
export function levelOf(notice: Notice, settings: NotificationSettings): NotifyLevel {
  if (notice.event === "test") return "on";
  const own = settings[notice.event];
  if (notice.mode !== "dry-run" || !PER_TRADE_EVENTS.includes(notice.event)) return own;
  return RANK[own] <= RANK[settings.dry_run_trades] ? own : settings.dry_run_trades;
}
