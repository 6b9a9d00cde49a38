/**
 * How each notification event is named to the owner (the /trader form and
 * the README's list), in the order of NOTIFY_EVENTS.
 */
import type { NotifyEvent } from "../config/schema.ts";

export const EVENT_LABELS: Record<NotifyEvent, { label: string; what: string }> = {
  trade_opened: { label: "Trade opened", what: "side, size, price, leverage and the score" },
  trade_closed: { label: "Trade closed", what: "exit price, P&L and the reason" },
  tp_sl_hit: { label: "Take profit / stop-loss hit", what: "the close's P&L; a liquidation too" },
  kill_switch: { label: "Kill switch tripped", what: "why, and each close's result" },
  circuit_breaker: { label: "Circuit breaker tripped", what: "the failures that tripped it" },
  emergency_stop: { label: "Emergency stop", what: "each close's result and any step that failed" },
  close_failing: { label: "Close retries failing", what: "once per coin per 10 min, and when it closes at last" },
  lockfile_cleared: { label: "Lockfile cleared", what: "what the lock was" },
  mode_changed: { label: "Mode changed", what: "by whom; live says it was confirmed" },
  bot_on_off: { label: "Bot ON / OFF", what: "also ON again after a restart" },
  exchange_error: { label: "Exchange errors", what: "one per kind of call per 10 min, then a count" },
  market_feed: { label: "Market feed stalled or simulated", what: "no 5m candle for 10 min; Binance US unreachable at start" },
  redis: { label: "Redis lost / restored", what: "after 5 s away" },
  daily_summary: { label: "Daily summary", what: "P&L, trades, equity, drawdown, kill-switch distance" },
};
