/**
 * The TA result as it travels on the bus (`ta:latest:{symbol}` and
 * `signals:ta:{symbol}`): the product spec's per-symbol output schema field for
 * field and type for type (src/bus/contracts/ta-latest.schema.json), so a
 * consumer written to the spec reads it, plus what we know beyond the spec
 * under names of its own. The internal TaResult (src/ta/result.ts) keeps its
 * shape; these two functions convert between the two:
 *
 * | spec field | on the bus | internal |
 * |---|---|---|
 * | `timestamp` | ISO UTC close time of the 5m candle the result was computed on | `timestamp` − its open time, ms → `timestamp_ms` |
 * | `ema_ribbon.values` | [EMA 8, 13, 21, 34, 55, 89] of 5m | `values` by timeframe → `values_by_timeframe` |
 * | `ttm_squeeze.squeeze` | true while on | on / fired / none → `state` |
 * | `ttm_squeeze.direction` | bullish / bearish (neutral: by the momentum's sign, ≥ 0 bullish) | → `direction_detail` |
 * | `stoch_rsi_divergence.candles_ago` | integer, 0 when none | null when none |
 *
 * The spec's fields are never null: while the 5m EMAs, the squeeze momentum or
 * Stoch RSI warm up, `toTaPayload` answers null and the symbol is not published.
 */
import { z } from "zod";
import { TIMEFRAME_MS } from "../market/candle.ts";
import { RibbonStateSchema, RibbonValuesSchema, type TaResult } from "../ta/result.ts";

/** "2026-03-01T12:05:00Z": ISO 8601 UTC, as the spec writes it (seconds, no milliseconds when they are zero). */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
/** The spec's symbol pattern (USDT perpetuals). */
const SPEC_SYMBOL = /^[A-Z0-9]+USDT$/;
const FIVE_MINUTES = TIMEFRAME_MS["5m"];

export const TaPayloadSchema = z
  .object({
    symbol: z.string().regex(SPEC_SYMBOL),
    /** Close time of the newest 5m candle the result was computed on (the forming one while it forms). */
    timestamp: z.string().regex(ISO_UTC),
    /** Ours: the open time (ms) of that candle, what the internal TaResult calls timestamp. */
    timestamp_ms: z.number().int().nonnegative(),
    ema_ribbon: z
      .object({
        state_5m: RibbonStateSchema,
        state_1h: RibbonStateSchema,
        spread_5m: z.number().min(0).max(100),
        spread_1h: z.number().min(0).max(100),
        /** EMA 8, 13, 21, 34, 55, 89 of 5m, in that order. */
        values: z.array(z.number()).length(6),
        /** Ours: the EMAs of 5m and 1h by name; null while one warms up. */
        values_by_timeframe: z.object({ "5m": RibbonValuesSchema, "1h": RibbonValuesSchema }).strict(),
      })
      .strict(),
    ttm_squeeze: z
      .object({
        /** True while the Bollinger Bands are inside the Keltner Channels. */
        squeeze: z.boolean(),
        /** Ours: on = inside now; fired = inside at the previous bar, not now; none otherwise. */
        state: z.enum(["on", "fired", "none"]),
        momentum: z.number(),
        direction: z.enum(["bullish", "bearish"]),
        /** Ours: neutral when the momentum is exactly 0. */
        direction_detail: z.enum(["bullish", "bearish", "neutral"]),
        bars_in_squeeze: z.number().int().min(0),
        timeframe: z.enum(["5m", "1h", "4h"]),
      })
      .strict(),
    stoch_rsi_divergence: z
      .object({
        divergence: z.enum(["bullish", "bearish", "none"]),
        strength: z.number().min(0).max(100),
        /** Bars since the newer pivot of the divergence; 0 when there is none. */
        candles_ago: z.number().int().min(0),
        stoch_k: z.number(),
        stoch_d: z.number(),
      })
      .strict(),
    composite_score_adjustment: z
      .object({
        long_bonus: z.number().int().min(0),
        short_bonus: z.number().int().min(0),
        reasoning: z.array(z.string()),
      })
      .strict(),
  })
  .strict();
export type TaPayload = z.infer<typeof TaPayloadSchema>;

/** `ms` as the spec writes times: 2026-03-01T12:00:00Z. */
function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

/** The bus payload of `result`, or null while a field the spec lists would be null (warm-up). */
export function toTaPayload(result: TaResult): TaPayload | null {
  const ribbon = result.ema_ribbon;
  const ema = ribbon.values["5m"];
  const values = [ema.ema8, ema.ema13, ema.ema21, ema.ema34, ema.ema55, ema.ema89];
  const squeeze = result.ttm_squeeze;
  const divergence = result.stoch_rsi_divergence;
  const { momentum } = squeeze;
  const { stoch_k, stoch_d } = divergence;
  if (!values.every((v): v is number => v !== null) || momentum === null || stoch_k === null || stoch_d === null) return null;
  return {
    symbol: result.symbol,
    timestamp: isoUtc(result.timestamp + FIVE_MINUTES),
    timestamp_ms: result.timestamp,
    ema_ribbon: {
      state_5m: ribbon.state_5m,
      state_1h: ribbon.state_1h,
      spread_5m: ribbon.spread_5m,
      spread_1h: ribbon.spread_1h,
      values,
      values_by_timeframe: { "5m": { ...ribbon.values["5m"] }, "1h": { ...ribbon.values["1h"] } },
    },
    ttm_squeeze: {
      squeeze: squeeze.squeeze === "on",
      state: squeeze.squeeze,
      momentum,
      direction: squeeze.direction === "neutral" ? (momentum >= 0 ? "bullish" : "bearish") : squeeze.direction,
      direction_detail: squeeze.direction,
      bars_in_squeeze: squeeze.bars_in_squeeze,
      timeframe: squeeze.timeframe,
    },
    stoch_rsi_divergence: {
      divergence: divergence.divergence,
      strength: divergence.strength,
      candles_ago: divergence.candles_ago ?? 0,
      stoch_k,
      stoch_d,
    },
    composite_score_adjustment: {
      long_bonus: result.composite_score_adjustment.long_bonus,
      short_bonus: result.composite_score_adjustment.short_bonus,
      reasoning: [...result.composite_score_adjustment.reasoning],
    },
  };
}

/**
 * The internal TaResult of a payload, exactly as the ta process computed it
 * (fields in TaResult's order). The engine gives candles_ago null exactly when
 * there is no divergence (src/ta/divergence.ts), so the spec's 0 for "none"
 * converts back without a field of its own.
 */
export function fromTaPayload(payload: TaPayload): TaResult {
  const ribbon = payload.ema_ribbon;
  const squeeze = payload.ttm_squeeze;
  const divergence = payload.stoch_rsi_divergence;
  return {
    symbol: payload.symbol,
    timestamp: payload.timestamp_ms,
    ema_ribbon: {
      state_5m: ribbon.state_5m,
      state_1h: ribbon.state_1h,
      spread_5m: ribbon.spread_5m,
      spread_1h: ribbon.spread_1h,
      values: { "5m": { ...ribbon.values_by_timeframe["5m"] }, "1h": { ...ribbon.values_by_timeframe["1h"] } },
    },
    ttm_squeeze: {
      squeeze: squeeze.state,
      momentum: squeeze.momentum,
      direction: squeeze.direction_detail,
      bars_in_squeeze: squeeze.bars_in_squeeze,
      timeframe: squeeze.timeframe,
    },
    stoch_rsi_divergence: {
      divergence: divergence.divergence,
      strength: divergence.strength,
      candles_ago: divergence.divergence === "none" ? null : divergence.candles_ago,
      stoch_k: divergence.stoch_k,
      stoch_d: divergence.stoch_d,
    },
    composite_score_adjustment: {
      long_bonus: payload.composite_score_adjustment.long_bonus,
      short_bonus: payload.composite_score_adjustment.short_bonus,
      reasoning: [...payload.composite_score_adjustment.reasoning],
    },
  };
}
