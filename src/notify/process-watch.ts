/**
 * What the notifier watches besides trader events, checked on its tick: Redis
 * (lost after a grace period, so a blip says nothing; restored only when its
 * loss was reported) and the market feed (stalled when no 5m update came for
 * `stallAfterMs`, back when they come again; a start on simulated prices
 * because Binance US could not be reached). Only a process that speaks for the
 * trader reports a loss or a stall, so instances sharing a Redis do not all say it.
 */
import type { TraderMode } from "../config/schema.ts";
import type { MarketSourceStatus } from "../market/source.ts";
import type { Notice } from "./messages.ts";

export interface WatchContext {
  mode: TraderMode;
  /** This process speaks for the trader (holds its lease, or lost it only to a Redis outage). */
  speaks: boolean;
}

export class RedisWatch {
  private downSince: number | null = null;
  private reported = false;

  constructor(private readonly graceMs: number) {}

  check(now: number, connected: boolean, ctx: WatchContext): Notice[] {
    if (connected) {
      const since = this.downSince;
      this.downSince = null;
      if (!this.reported || since === null) return [];
      this.reported = false;
      return [notice("redis", ctx.mode, `Redis reachable again after ${duration(now - since)}`, now)];
    }
    this.downSince ??= now;
    if (this.reported || !ctx.speaks || now - this.downSince < this.graceMs) return [];
    this.reported = true;
    return [notice("redis", ctx.mode, "Redis unreachable: open positions are still managed, nothing new is opened until it is back", now)];
  }
}

export class MarketWatch {
  private stalledSince: number | null = null;
  private fallbackReported = false;

  /** `requested`: what --market asked of this process's own feed; null when it reads another process's (role trader). */
  constructor(private readonly options: { requested: "auto" | "binance" | "replay" | "sim" | null; stallAfterMs: number; startedAt: number }) {}

  check(now: number, status: MarketSourceStatus, ctx: WatchContext): Notice[] {
    const out: Notice[] = [];
    const fellBack = this.options.requested === "auto" && status.source === "sim" && status.simulated;
    if (!fellBack) this.fallbackReported = false;
    else if (!this.fallbackReported && ctx.speaks) {
      this.fallbackReported = true;
      out.push(notice("market_feed", ctx.mode, `Market data fell back to simulated prices: ${status.banner ?? "Binance US unreachable"}. Live trading is refused on them.`, now));
    }
    // A replay ends when its files do: that is not a stall.
    if (status.source === "replay") return out;
    const last = status.lastUpdate["5m"] ?? this.options.startedAt;
    const stale = now - last >= this.options.stallAfterMs;
    if (stale && this.stalledSince === null && ctx.speaks) {
      this.stalledSince = last;
      const error = status.lastError ? ` (last error: ${status.lastError})` : "";
      out.push(notice("market_feed", ctx.mode, `Market feed stalled: no 5m candle update for ${duration(now - last)}${error}. No new positions on stale coins.`, now));
    } else if (!stale && this.stalledSince !== null) {
      const since = this.stalledSince;
      this.stalledSince = null;
      out.push(notice("market_feed", ctx.mode, `Market feed back: 5m candles arrive again (stalled for ${duration(now - since)})`, now));
    }
    return out;
  }
}

function notice(event: "redis" | "market_feed", mode: TraderMode, text: string, at: number): Notice {
  return { event, mode, text, priority: "high", at };
}

/** "45 s", "12 min", "3 h 5 min". */
export function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ""}`;
}
