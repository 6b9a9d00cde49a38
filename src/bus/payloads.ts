/**
 * The zod schema of every value and message on the bus, shared by the side
 * that writes and the side that reads, plus the typed maps that tie each key
 * and channel name to its payload type. Both bus implementations validate on
 * `set`/`publish` (a bad payload is a bug in the writer: it is refused with a
 * message naming the key and field) and again on `get`/delivery (another
 * process, an older version, or a hand-typed `redis-cli` command may have
 * written it).
 *
 * The bus does not interpret these payloads; it only guarantees their shape.
 * Where the product spec gives a payload's schema (the TA result, the trader
 * status and config) these follow it, our extras additive under names of their
 * own; every key and channel also has a JSON Schema in src/bus/contracts/
 * (contract-schemas.ts), for programs that read the bus without this code.
 */
import { z } from "zod";
import { TIMEFRAMES, type Candle, type CandleUpdate } from "../market/candle.ts";
import { TaPayloadSchema, type TaPayload } from "./ta-payload.ts";
import { TraderConfigSchema, TRADER_MODES, type TraderConfig } from "../config/schema.ts";
import type { Balance, Position } from "../exchange/types.ts";
import {
  classifyChannel,
  classifyKey,
  type CandleCacheKey,
  type ChannelKind,
  type KeyKind,
  type TaLatestKey,
} from "./keys.ts";

/** Milliseconds since the epoch. */
const EpochMs = z.number().int().nonnegative();

export const CandleSchema = z
  .object({
    t: EpochMs,
    o: z.number().positive(),
    h: z.number().positive(),
    l: z.number().positive(),
    c: z.number().positive(),
    v: z.number().nonnegative(),
  })
  .strict();

export const CandleListSchema = z.array(CandleSchema);

export const CandleUpdateSchema = z
  .object({
    symbol: z.string().min(1),
    timeframe: z.enum(TIMEFRAMES as readonly ["5m", "1h", "4h"]),
    candle: CandleSchema,
    closed: z.boolean(),
  })
  .strict();

const ScoreSchema = z
  .object({
    base: z.number().min(0).max(100),
    bonus: z.number().min(0),
    total: z.number().min(0),
  })
  .strict();

/** Where the candles behind a scan came from: a reader must know whether prices are real. */
export const MarketSourceInfoSchema = z
  .object({
    name: z.enum(["binance", "replay", "sim"]),
    /** True for sim and replay: live trading on these prices is refused. */
    simulated: z.boolean(),
    banner: z.string().nullable(),
  })
  .strict();
export type MarketSourceInfo = z.infer<typeof MarketSourceInfoSchema>;

export const ScanMessageSchema = z
  .object({
    at: EpochMs,
    source: MarketSourceInfoSchema,
    results: z.array(
      z
        .object({
          symbol: z.string().min(1),
          price: z.number().positive(),
          change_24h_pct: z.number().nullable(),
          long: ScoreSchema,
          short: ScoreSchema,
        })
        .strict(),
    ),
  })
  .strict();
export type ScanMessage = z.infer<typeof ScanMessageSchema>;

export const PositionSchema = z
  .object({
    symbol: z.string().min(1),
    side: z.enum(["long", "short"]),
    size: z.number().positive(),
    entry_price: z.number().positive(),
    current_price: z.number().positive(),
    unrealized_pnl: z.number(),
    margin: z.number().nonnegative(),
    leverage: z.number().positive(),
    opened_at: EpochMs,
    /** Exchange-side stops and the liquidation price (additive: older publishers leave them out). */
    stop_loss_price: z.number().positive().nullable().optional(),
    take_profit_price: z.number().positive().nullable().optional(),
    liquidation_price: z.number().positive().nullable().optional(),
  })
  .strict();
export const PositionListSchema = z.array(PositionSchema);
/** A position on the bus: the exchange's Position, its stops optional (funding stays in the trade record). */
export type BusPosition = z.infer<typeof PositionSchema>;

export const BalanceStateSchema = z
  .object({
    equity: z.number(),
    available: z.number(),
    margin: z.number(),
    unrealized_pnl: z.number(),
    starting_balance: z.number().nonnegative(),
    /** When the kill-switch baseline was set (additive; null: the paper starting balance). */
    baseline_at: EpochMs.nullable().optional(),
    drawdown_pct: z.number(),
    /** Percentage points of drawdown left before the kill switch trips. */
    kill_switch_distance_pct: z.number(),
    updated_at: EpochMs,
  })
  .strict();
export type BalanceState = z.infer<typeof BalanceStateSchema>;

export const TRADER_STATUS_WORDS = ["enabled", "disabled", "locked"] as const;

/** A trade as the spec's `last_trade` gives it; `at` is an ISO time. */
export const LastTradeSchema = z
  .object({
    symbol: z.string().min(1),
    side: z.enum(["long", "short"]),
    action: z.enum(["open", "close"]),
    at: z.iso.datetime(),
  })
  .strict();
export type LastTrade = z.infer<typeof LastTradeSchema>;

export const TraderStatusSchema = z
  .object({
    mode: z.enum(TRADER_MODES),
    running: z.boolean(),
    /** Set while a lockfile (kill switch, circuit breaker, emergency stop) blocks new orders. */
    lock: z.looseObject({ reason: z.string().min(1), at: EpochMs }).nullable(),
    market_source: MarketSourceInfoSchema,
    exchange: z.enum(["paper", "coinex"]),
    /** Whether live trading is possible here and confirmed by the owner (what the dashboard's mode switch shows). */
    live: z.object({ possible: z.boolean(), reason: z.string().nullable(), confirmed: z.boolean() }).strict(),
    /** Why the account could not be read last time, or null. */
    account_error: z.string().nullable(),
    /** Summary of the last bot cycle; its fields belong to the trader, so only the shape "object" is checked. */
    last_cycle: z.record(z.string(), z.unknown()).nullable(),
    /** Positions the closing duty is still retrying (additive). */
    closing: z
      .array(z.object({ exchange: z.enum(["paper", "coinex"]), symbol: z.string().min(1), reason: z.string(), since: EpochMs, attempts: z.number().int().nonnegative(), last_error: z.string().nullable(), next_at: EpochMs }).strict())
      .optional(),
    /** Coins resting after repeated rejections (additive). */
    cooldowns: z.array(z.object({ symbol: z.string().min(1), rejections: z.number().int().nonnegative(), last_error: z.string(), until: EpochMs.nullable() }).strict()).optional(),
    /** Standing warnings about the settings (additive). */
    warnings: z.array(z.string()).optional(),
    /** The spec's: locked while a lockfile is set (whatever ON/OFF says), else enabled when ON, disabled when OFF. */
    status: z.enum(TRADER_STATUS_WORDS),
    /** The spec's: seconds since the trader process started. */
    uptime_s: z.number().nonnegative(),
    /** The spec's: the most recent open or close, or null when this process has seen none. */
    last_trade: LastTradeSchema.nullable(),
    updated_at: EpochMs,
  })
  .strict();
export type TraderStatus = z.infer<typeof TraderStatusSchema>;

export const TRADER_EVENT_TYPES = [
  "trade_open",
  "trade_close",
  "tp_hit",
  "sl_hit",
  "liquidation",
  "funding",
  "error",
  "control",
  "kill_switch",
  "circuit_breaker",
] as const;
export type TraderEventType = (typeof TRADER_EVENT_TYPES)[number];

function traderEvent<T extends TraderEventType>(type: T) {
  return z
    .object({
      type: z.literal(type),
      at: EpochMs,
      symbol: z.string().min(1).optional(),
      message: z.string().min(1),
      data: z.record(z.string(), z.unknown()).optional(),
    })
    .strict();
}

export const TraderEventSchema = z.discriminatedUnion("type", [
  traderEvent("trade_open"),
  traderEvent("trade_close"),
  traderEvent("tp_hit"),
  traderEvent("sl_hit"),
  traderEvent("liquidation"),
  traderEvent("funding"),
  traderEvent("error"),
  traderEvent("control"),
  traderEvent("kill_switch"),
  traderEvent("circuit_breaker"),
]);
export type TraderEvent = z.infer<typeof TraderEventSchema>;

/** Value type stored under each key; template index signatures cover the per-symbol keys. */
export interface KeyValues {
  [key: CandleCacheKey]: Candle[];
  /** The spec's per-symbol output schema (src/bus/ta-payload.ts converts to and from the internal TaResult). */
  [key: TaLatestKey]: TaPayload;
  "state:positions": BusPosition[];
  "state:balance": BalanceState;
  "state:trader:config": TraderConfig;
  "state:trader:status": TraderStatus;
}
export type KeyName = keyof KeyValues;
export type KeyValue<K extends KeyName> = KeyValues[K];

/** Message type carried by each channel. */
export interface ChannelMessages {
  [channel: `market:candles:${string}`]: CandleUpdate;
  [channel: `signals:ta:${string}`]: TaPayload;
  "signals:scan": ScanMessage;
  "trader:events": TraderEvent;
}
export type ChannelName = keyof ChannelMessages;
export type ChannelMessage<C extends ChannelName> = ChannelMessages[C];
/** Any message of any channel: what a pattern spanning several channel kinds delivers. */
export type AnyChannelMessage = ChannelMessages[ChannelName];
/**
 * What a pattern subscription delivers: `signals:ta:*` starts with a channel
 * prefix and so only ever matches TA signals; a pattern such as `signals:*`
 * spans kinds and gets the union.
 */
export type PatternMessage<P extends string> = P extends ChannelName ? ChannelMessages[P] : AnyChannelMessage;

const KEY_SCHEMAS: Record<KeyKind, z.ZodType> = {
  candles: CandleListSchema,
  taLatest: TaPayloadSchema,
  positions: PositionListSchema,
  balance: BalanceStateSchema,
  traderConfig: TraderConfigSchema,
  traderStatus: TraderStatusSchema,
};

const CHANNEL_SCHEMAS: Record<ChannelKind, z.ZodType> = {
  marketCandles: CandleUpdateSchema,
  taSignals: TaPayloadSchema,
  scan: ScanMessageSchema,
  traderEvents: TraderEventSchema,
};

/** The schema of a key's value, or null when `key` is not a contract key. */
export function schemaForKey(key: string): z.ZodType | null {
  const kind = classifyKey(key);
  return kind === null ? null : KEY_SCHEMAS[kind];
}

/** The schema of a channel's messages, or null when `channel` is not a contract channel. */
export function schemaForChannel(channel: string): z.ZodType | null {
  const kind = classifyChannel(channel);
  return kind === null ? null : CHANNEL_SCHEMAS[kind];
}

// Compile-time guarantees that the schemas describe the shared interfaces exactly.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameCandle: Same<z.infer<typeof CandleSchema>, Candle> = true;
const sameUpdate: Same<z.infer<typeof CandleUpdateSchema>, CandleUpdate> = true;
type PositionExtras = "stop_loss_price" | "take_profit_price" | "liquidation_price" | "funding";
const samePosition: Same<Omit<z.infer<typeof PositionSchema>, PositionExtras>, Omit<Position, PositionExtras>> = true;
const balanceFields: Same<Omit<BalanceState, "starting_balance" | "drawdown_pct" | "kill_switch_distance_pct" | "updated_at">, Balance> = true;
void [sameCandle, sameUpdate, samePosition, balanceFields];
