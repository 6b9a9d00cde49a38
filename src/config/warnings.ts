/**
 * Settings that are valid but probably not what the owner means. They do not
 * block a save (unlike the schema's rules); they are said when the config is
 * saved and shown beside it on /trader.
 */
import { DEFAULT_TAKER_FEE_RATE, roundTripFeePct } from "../exchange/margin.ts";
import type { TraderConfig } from "./schema.ts";

export interface ConfigWarning {
  field: keyof TraderConfig;
  message: string;
}

export function configWarnings(config: TraderConfig, takerFeeRate = DEFAULT_TAKER_FEE_RATE): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  if (config.tp_pct !== null) {
    // The fee is paid on the notional, so in margin terms it grows with leverage; a granted
    // leverage below max_leverage only makes it smaller, so this is the worst case.
    const fees = roundTripFeePct(config.max_leverage, takerFeeRate);
    if (config.tp_pct <= fees) {
      warnings.push({
        field: "tp_pct",
        message: `tp_pct ${config.tp_pct} % does not cover the round-trip taker fee at ${config.max_leverage}× (about ${fees.toFixed(2)} % of margin): a take-profit there closes at a loss`,
      });
    }
  }
  return warnings;
}

/** The standing warning /trader shows while the bot is ON without any stop-loss. */
export function noStopLossWarning(config: TraderConfig, running: boolean): string | null {
  if (!running || config.mode === "paused" || config.sl_pct !== null) return null;
  return "No stop-loss is set (sl_pct): positions close only by hand, at take-profit or at the kill switch";
}
