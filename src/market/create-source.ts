/**
 * Picks the market source for `--market auto|binance|replay|sim`.
 *
 * `auto` asks Binance US for one 5m kline (weight 1, short timeout, no retries). If
 * that works, candles are live from Binance US; if not, the simulated market runs
 * and says so, in the log and in the dashboard banner, so nobody mistakes simulated
 * prices for real ones (live trading is refused on a simulated source).
 */
import type { Clock } from "./clock.ts";
import { systemClock } from "./clock.ts";
import { BinanceUsClient, type BinanceUsClientOptions } from "./binance-client.ts";
import { BinanceSource, type BinanceSourceOptions } from "./binance-source.ts";
import { ReplaySource, type ReplaySourceOptions } from "./replay-source.ts";
import { SimSource, type SimSourceOptions } from "./sim-source.ts";
import type { MarketSource, MarketSourceName } from "./source.ts";
import { DEFAULT_SYMBOLS, validateSymbols } from "./symbols.ts";
import { WeightLimiter } from "./weight-limiter.ts";
import { logger } from "../log.ts";
import { startBanner } from "./market-problem.ts";

export type MarketSourceKind = "auto" | MarketSourceName;
export const MARKET_SOURCE_KINDS: readonly MarketSourceKind[] = ["auto", "binance", "replay", "sim"];

export interface BinanceOptions
  extends Omit<BinanceUsClientOptions, "clock" | "limiter">,
    Omit<BinanceSourceOptions, "client" | "symbols" | "clock"> {
  /** Request weight per minute. Default 1200. */
  weightLimit?: number;
}

export interface CreateMarketSourceOptions {
  symbols?: readonly string[];
  clock?: Clock;
  binance?: BinanceOptions;
  sim?: Omit<SimSourceOptions, "symbols" | "clock" | "banner">;
  replay?: Omit<ReplaySourceOptions, "symbols" | "clock">;
  /** Timeout of the start-up reachability check in auto mode. Default 3000 ms. */
  probeTimeoutMs?: number;
}

export async function createMarketSource(
  kind: MarketSourceKind,
  options: CreateMarketSourceOptions = {},
): Promise<MarketSource> {
  if (!MARKET_SOURCE_KINDS.includes(kind)) {
    throw new Error(`market source ${JSON.stringify(kind)} is not one of ${MARKET_SOURCE_KINDS.join(", ")}`);
  }
  const log = logger("market");
  const symbols = validateSymbols(options.symbols ?? DEFAULT_SYMBOLS, "market symbols");
  const clock = options.clock ?? systemClock;
  if (kind === "sim") return new SimSource({ ...options.sim, symbols, clock });
  if (kind === "replay") {
    if (!options.replay) throw new Error("market source replay needs replay options: a dir of SYMBOL-TF.json files or a 5m file");
    return new ReplaySource({ ...options.replay, symbols, clock });
  }
  const client = binanceClient(options.binance, clock);
  const source = () => new BinanceSource({ ...options.binance, client, symbols, clock });
  if (kind === "binance") return source();

  const first = symbols[0]!;
  try {
    await client.klines(first, "5m", { limit: 1, retries: 0, timeoutMs: options.probeTimeoutMs ?? 3000 });
    log.info("Binance US reachable at start: using live Binance US candles", { baseUrl: client.baseUrl });
    return source();
  } catch (error) {
    const reason = (error as Error).message.replace(/^Binance US klines \S+ \S+: /, "");
    log.warn(`Binance US unreachable at start (${reason}): using the simulated market`);
    // The banner says it for a trader first, the technical reason after (market-problem.ts).
    return new SimSource({ ...options.sim, symbols, clock, banner: startBanner(reason) });
  }
}

/** A Binance US source without the reachability probe (a web instance's fallback while Redis is down). */
export function createBinanceSource(options: { symbols: readonly string[]; clock?: Clock; binance?: BinanceOptions }): BinanceSource {
  const clock = options.clock ?? systemClock;
  const symbols = validateSymbols(options.symbols, "market symbols");
  return new BinanceSource({ ...options.binance, client: binanceClient(options.binance, clock), symbols, clock });
}

function binanceClient(options: BinanceOptions = {}, clock: Clock): BinanceUsClient {
  return new BinanceUsClient({
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs,
    maxRetries: options.maxRetries,
    backoffBaseMs: options.backoffBaseMs,
    backoffMaxMs: options.backoffMaxMs,
    maxRetryWaitMs: options.maxRetryWaitMs,
    fetch: options.fetch,
    clock,
    limiter: new WeightLimiter({ limit: options.weightLimit, clock }),
  });
}
