/**
 * `trader_config.json`: the owner's runtime settings, validated with zod.
 * Fields and defaults are the product's (its current hard-coded values), plus
 * `use_ta_signals`. Ranges are chosen so that no single typo can bet the account:
 *
 * | field                      | default  | range                                   |
 * |----------------------------|----------|-----------------------------------------|
 * | mode                       | paused   | live, dry-run, paused                   |
 * | position_size_pct          | 5        | 0.1 – 50 (% of equity used as margin)   |
 * | max_positions              | 3        | 0 – 29 (integer; 0 = open nothing new)  |
 * | max_leverage               | 10       | 1 – 100 (integer)                       |
 * | kill_switch_drawdown_pct   | 50       | 1 – 100                                 |
 * | tp_pct                     | null     | null or 0.1 – 1000 (% P&L on margin)    |
 * | sl_pct                     | null     | null or 0.1 – 100 (% loss on margin)    |
 * | circuit_breaker_threshold  | 3        | 1 – 100 (integer)                       |
 * | scan_interval_minutes      | 5        | 1 – 1440 (integer)                      |
 * | long_threshold             | 45       | 0 – 130 (base 0–100 + TA bonus ≤ 30)    |
 * | short_threshold            | 50       | 0 – 130                                 |
 * | coin_blacklist             | []       | symbols like BTCUSDT, no duplicates     |
 * | coin_whitelist             | []       | same; empty = every tracked coin        |
 * | use_ta_signals             | false    | true adds the TA bonus (≤ +30) to scores |
 * | reentry_cooldown_minutes   | 30       | 0 – 1440 (integer; 0 = off)             |
 * | notifications              | see NotificationSettingsSchema: every event on, per-trade messages off in dry-run |
 *
 * One rule across fields: a stop-loss must be able to fire before liquidation.
 * At max_leverage L an isolated position is liquidated near −100/L % of price,
 * which in margin terms is `liquidationLossPct(L)` (src/exchange/margin.ts);
 * sl_pct at or beyond it is refused, naming both fields and the limit.
 */
import { z } from "zod";
import { liquidationLossPct } from "../exchange/margin.ts";
import { issueText } from "./issue-text.ts";

export const TRADER_MODES = ["live", "dry-run", "paused"] as const;
export type TraderMode = (typeof TRADER_MODES)[number];

const SymbolSchema = z
  .string()
  .regex(/^[A-Z0-9]{1,20}USDT$/, "must be an upper-case USDT pair such as BTCUSDT");

/**
 * What src/notify/ can tell the owner about, each set to on, silent (delivered
 * without sound: Telegram's disable_notification, ntfy's low priority, the
 * webhook's `silent`) or off. The README's "Notifications" section says what
 * each one sends.
 */
export const NOTIFY_EVENTS = [
  "trade_opened",
  "trade_closed",
  "tp_sl_hit",
  "kill_switch",
  "circuit_breaker",
  "emergency_stop",
  "close_failing",
  "lockfile_cleared",
  "mode_changed",
  "bot_on_off",
  "exchange_error",
  "market_feed",
  "redis",
  "daily_summary",
] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];
export const NOTIFY_LEVELS = ["on", "silent", "off"] as const;
export type NotifyLevel = (typeof NOTIFY_LEVELS)[number];
/** The per-trade events: in dry-run they are sent at most at `dry_run_trades`. */
export const PER_TRADE_EVENTS: readonly NotifyEvent[] = ["trade_opened", "trade_closed", "tp_sl_hit"];

const NotifyLevelSchema = z.enum(NOTIFY_LEVELS);
const NotificationFields = {
  ...(Object.fromEntries(NOTIFY_EVENTS.map((event) => [event, NotifyLevelSchema])) as Record<NotifyEvent, typeof NotifyLevelSchema>),
  /** In dry-run, per-trade messages are sent at most at this level (off by default: paper trades are not news). */
  dry_run_trades: NotifyLevelSchema,
  /** The UTC hour (0 – 23) at which the daily summary covers the 24 hours just ended. */
  daily_summary_hour_utc: z.number().int().min(0).max(23),
};

/** The `notifications` block: absent (an older file) or partial, it reads with the defaults. */
export const NotificationSettingsSchema = z
  .object({
    ...(Object.fromEntries(NOTIFY_EVENTS.map((event) => [event, NotifyLevelSchema.default("on")])) as Record<NotifyEvent, z.ZodDefault<typeof NotifyLevelSchema>>),
    dry_run_trades: NotificationFields.dry_run_trades.default("off"),
    daily_summary_hour_utc: NotificationFields.daily_summary_hour_utc.default(0),
  })
  .strict();
export type NotificationSettings = z.infer<typeof NotificationSettingsSchema>;

const SymbolListSchema = z
  .array(SymbolSchema)
  .max(200)
  .refine((list) => new Set(list).size === list.length, "must not list a symbol twice");

/** The fields and their ranges, without defaults (shared by the full schema and the patch schema). */
const TraderConfigFields = {
  mode: z.enum(TRADER_MODES),
  position_size_pct: z.number().min(0.1).max(50),
  max_positions: z.number().int().min(0).max(29),
  max_leverage: z.number().int().min(1).max(100),
  kill_switch_drawdown_pct: z.number().min(1).max(100),
  tp_pct: z.number().min(0.1).max(1000).nullable(),
  sl_pct: z.number().min(0.1).max(100).nullable(),
  circuit_breaker_threshold: z.number().int().min(1).max(100),
  scan_interval_minutes: z.number().int().min(1).max(1440),
  long_threshold: z.number().min(0).max(130),
  short_threshold: z.number().min(0).max(130),
  coin_blacklist: SymbolListSchema,
  coin_whitelist: SymbolListSchema,
  use_ta_signals: z.boolean(),
  reentry_cooldown_minutes: z.number().int().min(0).max(1440),
  /** Whole in a patch (it replaces the block): the API completes a partial one first (completeNotifications). */
  notifications: z.object(NotificationFields).strict(),
};

/** The largest sl_pct that can still fire before liquidation at `maxLeverage` (2 decimals, rounded down). */
export function maxStopLossPct(maxLeverage: number): number {
  return Math.floor(liquidationLossPct(maxLeverage) * 100) / 100;
}

/** The cross-field rule of the module comment, as a zod refinement on a whole config. */
function stopLossBeforeLiquidation(config: { sl_pct: number | null; max_leverage: number }, ctx: z.RefinementCtx): void {
  if (config.sl_pct === null) return;
  const limit = maxStopLossPct(config.max_leverage);
  if (config.sl_pct >= limit) {
    ctx.addIssue({
      code: "custom",
      path: ["sl_pct"],
      message: `Stop-loss ${config.sl_pct} % of margin can never fire at max leverage ${config.max_leverage}×: the position is liquidated at about −${limit} % of its margin first. Set the stop-loss below ${limit} % or lower the max leverage`,
    });
  }
}

export const TraderConfigSchema = z
  .object({
    mode: TraderConfigFields.mode.default("paused"),
    position_size_pct: TraderConfigFields.position_size_pct.default(5),
    max_positions: TraderConfigFields.max_positions.default(3),
    max_leverage: TraderConfigFields.max_leverage.default(10),
    kill_switch_drawdown_pct: TraderConfigFields.kill_switch_drawdown_pct.default(50),
    tp_pct: TraderConfigFields.tp_pct.default(null),
    sl_pct: TraderConfigFields.sl_pct.default(null),
    circuit_breaker_threshold: TraderConfigFields.circuit_breaker_threshold.default(3),
    scan_interval_minutes: TraderConfigFields.scan_interval_minutes.default(5),
    long_threshold: TraderConfigFields.long_threshold.default(45),
    short_threshold: TraderConfigFields.short_threshold.default(50),
    coin_blacklist: TraderConfigFields.coin_blacklist.default([]),
    coin_whitelist: TraderConfigFields.coin_whitelist.default([]),
    use_ta_signals: TraderConfigFields.use_ta_signals.default(false),
    reentry_cooldown_minutes: TraderConfigFields.reentry_cooldown_minutes.default(30),
    // prefault: the empty block is parsed, so each setting gets its own default.
    notifications: NotificationSettingsSchema.prefault({}),
  })
  .strict()
  .superRefine(stopLossBeforeLiquidation);

export type TraderConfig = z.infer<typeof TraderConfigSchema>;

/**
 * A partial update as sent by the dashboard or the API; every field optional,
 * unknown fields refused. Built from the default-free fields on purpose: a
 * `.partial()` of the defaulted schema would fill every absent field with its
 * default in zod 4 and silently reset the owner's other settings.
 */
export const TraderConfigPatchSchema = z.object(TraderConfigFields).partial().strict();
export type TraderConfigPatch = z.infer<typeof TraderConfigPatchSchema>;

/** Some notification settings, as the JSON API accepts them: the others keep their values. */
export const NotificationsPatchSchema = z.object(NotificationFields).partial().strict();

/** The whole `notifications` block a patch must carry: `partial` over the settings in force. */
export function completeNotifications(current: NotificationSettings, partial: z.infer<typeof NotificationsPatchSchema>): NotificationSettings {
  return { ...current, ...partial };
}

export const DEFAULT_TRADER_CONFIG: TraderConfig = TraderConfigSchema.parse({});

/**
 * zod issues flattened to what the API returns: `{path: "max_leverage", message}`,
 * each message a sentence a trader reads ("Max leverage must be at most 100×",
 * see issue-text.ts), never zod's own phrasing.
 */
export function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map(issueText);
}
