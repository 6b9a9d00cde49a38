/**
 * The per-symbol TA result as the product computes and shows it (DESIGN.md),
 * shared by the TA engine, the scanner and the web layer. On the bus
 * (`ta:latest:*`, `signals:ta:*`) it travels in the spec's own types instead:
 * src/bus/ta-payload.ts converts both ways.
 */
import { z } from "zod";

export const RibbonStateSchema = z.enum(["bullish", "bearish", "mixed"]);
export type RibbonState = z.infer<typeof RibbonStateSchema>;

/** EMA values of one timeframe; null while that EMA is warming up. */
export const RibbonValuesSchema = z.object({
  ema8: z.number().nullable(),
  ema13: z.number().nullable(),
  ema21: z.number().nullable(),
  ema34: z.number().nullable(),
  ema55: z.number().nullable(),
  ema89: z.number().nullable(),
});
export type RibbonValues = z.infer<typeof RibbonValuesSchema>;

export const TaResultSchema = z
  .object({
    symbol: z.string(),
    /** Open time (ms) of the newest 5m candle the result was computed on. */
    timestamp: z.number(),
    ema_ribbon: z
      .object({
        state_5m: RibbonStateSchema,
        state_1h: RibbonStateSchema,
        /** 0–100, see src/ta/ribbon.ts for the normalisation. */
        spread_5m: z.number().min(0).max(100),
        spread_1h: z.number().min(0).max(100),
        values: z.object({ "5m": RibbonValuesSchema, "1h": RibbonValuesSchema }).strict(),
      })
      .strict(),
    ttm_squeeze: z
      .object({
        /** on = BB inside KC now; fired = on at the previous bar, not on now; none otherwise. */
        squeeze: z.enum(["on", "fired", "none"]),
        momentum: z.number().nullable(),
        direction: z.enum(["bullish", "bearish", "neutral"]),
        bars_in_squeeze: z.number().int().min(0),
        timeframe: z.enum(["5m", "1h", "4h"]),
      })
      .strict(),
    stoch_rsi_divergence: z
      .object({
        divergence: z.enum(["bullish", "bearish", "none"]),
        /** 0–100, see src/ta/divergence.ts. */
        strength: z.number().min(0).max(100),
        /** Bars since the newer pivot of the divergence; null when none. */
        candles_ago: z.number().int().min(0).nullable(),
        stoch_k: z.number().nullable(),
        stoch_d: z.number().nullable(),
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

export type TaResult = z.infer<typeof TaResultSchema>;
