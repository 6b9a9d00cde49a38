/**
 * The JSON a scripted client gets on `GET /ws?format=json`: the product's
 * payload `{coinData, positions, signalHistory, taSignals, errors}`, sent once
 * on connect and again whenever one of its parts changes.
 */
import type { WebDeps } from "../deps.ts";
import { compositeScore } from "../../scanner/composite.ts";

const HISTORY_LIMIT = 50;

export function buildJsonPayload(deps: WebDeps): Record<string, unknown> {
  const status = deps.controller.status();
  const coins = deps.market.coins();
  const market = deps.market.status();
  const useTa = status.config.use_ta_signals;
  const coinData = coins.map((coin) => {
    const composite = compositeScore(coin.score, coin.ta, useTa);
    return {
      symbol: coin.symbol,
      price: coin.price,
      change_24h_pct: coin.change_24h_pct,
      updated_at: coin.updated_at,
      long_score: composite.long,
      short_score: composite.short,
      components: coin.score.components,
    };
  });
  const taSignals: Record<string, unknown> = {};
  for (const coin of coins) {
    taSignals[coin.symbol] = {
      ema_ribbon: coin.ta.ema_ribbon,
      ttm_squeeze: coin.ta.ttm_squeeze,
      stoch_rsi_divergence: coin.ta.stoch_rsi_divergence,
    };
  }
  // Current conditions have no time of their own (at: null), so an unchanged state renders the same JSON.
  const errors: { at: number | null; source: string; message: string }[] = [];
  if (market.lastError) errors.push({ at: null, source: "market", message: market.lastError });
  if (status.account_error) errors.push({ at: null, source: "account", message: status.account_error });
  for (const entry of deps.record.logs({ kind: "error", limit: HISTORY_LIMIT })) {
    errors.push({ at: entry.at, source: entry.origin ?? "trader", message: entry.message });
  }
  return {
    coinData,
    positions: status.positions,
    signalHistory: deps.record.logs({ kind: "signal", limit: HISTORY_LIMIT }).map((e) => ({ at: e.at, message: e.message, data: e.data })),
    taSignals,
    errors,
  };
}
