/**
 * The GET /health body of every role: what this process is (role, version,
 * uptime), where its market data comes from, and — with Redis — whether the
 * bus is connected and which leases this process holds.
 */
import type { Bus } from "../bus/bus.ts";
import type { MarketSourceStatus } from "../market/source.ts";
import type { Settings } from "../settings.ts";
import { VERSION } from "../version.ts";

export function healthBody(options: {
  role: Settings["role"];
  started: number;
  bus: Bus;
  market: MarketSourceStatus | null;
  leases?: Record<string, boolean>;
  /** What scores the coins in this process. */
  scoring?: string;
}): Record<string, unknown> {
  const { market } = options;
  return {
    status: "ok",
    version: VERSION,
    role: options.role,
    market_source: market?.source ?? null,
    simulated: market?.simulated ?? null,
    market_banner: market?.banner ?? null,
    last_update: market?.lastUpdate ?? null,
    last_error: market?.lastError ?? null,
    symbols_tracked: market?.symbols.length ?? 0,
    ...(options.scoring ? { scoring: options.scoring } : {}),
    bus: options.bus.kind,
    redis_connected: options.bus.kind === "redis" ? options.bus.isConnected() : null,
    ...(options.leases ? { leases: options.leases } : {}),
    uptime_s: Math.round((Date.now() - options.started) / 1000),
  };
}
