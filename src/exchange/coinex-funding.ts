/**
 * CoinEx's current funding rates, read from the public GET /futures/funding-rate
 * (exchange-api.md §6.2), so the paper exchange can charge realistic funding.
 *
 *   const rates = createCoinexFundingRates({ baseUrl: "https://api.coinex.com/v2", refreshMs: 10 * 60_000 });
 *   rates.rateOf("BTCUSDT")   // 0.0001, or undefined until known (the paper exchange then uses its default)
 *
 * - Which markets: every symbol ever passed to rateOf (and `symbols`), asked for
 *   in requests of at most 10 markets (the documented limit). Before any symbol
 *   is known, one request without `market` returns every market.
 * - The value kept is `latest_funding_rate`: the indicative rate of the upcoming
 *   settlement, recomputed by CoinEx every minute. "0" is a real rate (a user
 *   saw it on 93 markets, §6.2), not "missing".
 * - A rate older than maxAgeMs (default 1 h) is dropped, so an unreachable API
 *   ends in undefined rather than a stale rate forever.
 * - refresh() never throws: a failure is logged once per streak of failures.
 * - No timer unless refreshMs is given; stop() clears it.
 */
import { z } from "zod";
import { logger } from "../log.ts";
import type { FetchLike } from "./coinex-http.ts";
import { FundingRateSchema, parseData } from "./coinex-schemas.ts";

const log = logger("exchange.coinex-funding");

const MARKETS_PER_REQUEST = 10;
const MARKET = /^[A-Z0-9]{1,20}USDT$/;
const DEFAULT_MAX_AGE_MS = 60 * 60 * 1000;
const DEFAULT_TIMEOUT_MS = 10_000;

export interface CoinexFundingRatesOptions {
  /** e.g. https://api.coinex.com/v2 (COINEX_BASE_URL). */
  baseUrl: string;
  fetch?: FetchLike;
  now?: () => number;
  /** Refresh every this many ms (the first at once); no timer when left out. */
  refreshMs?: number;
  /** A rate older than this is not reported; default 1 h. */
  maxAgeMs?: number;
  /** Symbols to read from the start (rateOf adds more). */
  symbols?: string[];
  timeoutMs?: number;
}

export interface CoinexFundingRates {
  /** The latest funding rate of `symbol` (0.0001 = 0.01 % per period), undefined when not known or stale. */
  rateOf(symbol: string): number | undefined;
  /** Reads the rates now; never throws. Concurrent calls share one read. */
  refresh(): Promise<void>;
  stop(): void;
}

const EnvelopeSchema = z.object({ code: z.number(), message: z.string().optional(), data: z.unknown() });

export function createCoinexFundingRates(options: CoinexFundingRatesOptions): CoinexFundingRates {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const fetchFn: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  const now = options.now ?? Date.now;
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const wanted = new Set((options.symbols ?? []).filter((symbol) => MARKET.test(symbol)));
  const rates = new Map<string, { rate: number; at: number }>();
  let failing = false;
  let inFlight: Promise<void> | null = null;

  async function read(markets: string[] | null): Promise<void> {
    const query = markets ? `?market=${encodeURIComponent(markets.join(","))}` : "";
    const response = await fetchFn(`${baseUrl}/futures/funding-rate${query}`, { method: "GET", headers: { Accept: "application/json" }, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const envelope = EnvelopeSchema.parse(JSON.parse(text));
    if (envelope.code !== 0) throw new Error(`code ${envelope.code} ${envelope.message ?? ""}`.trim());
    const at = now();
    for (const row of parseData(FundingRateSchema, envelope.data, "GET /futures/funding-rate")) rates.set(row.market, { rate: row.latest_funding_rate, at });
  }

  async function refreshAll(): Promise<void> {
    try {
      const markets = [...wanted];
      if (markets.length === 0) await read(null);
      for (let i = 0; i < markets.length; i += MARKETS_PER_REQUEST) await read(markets.slice(i, i + MARKETS_PER_REQUEST));
      if (failing) log.info("CoinEx funding rates readable again");
      failing = false;
    } catch (error) {
      if (!failing) {
        log.warn("CoinEx funding rates unavailable; the paper exchange uses its default rate until they are back", {
          error: error instanceof Error ? error.message : String(error),
        });
      }
      failing = true;
    }
  }

  const refresh = (): Promise<void> => {
    inFlight ??= refreshAll().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };

  let timer: ReturnType<typeof setInterval> | null = null;
  if (options.refreshMs !== undefined) {
    if (!(options.refreshMs > 0)) throw new Error(`refreshMs must be > 0, got ${options.refreshMs}`);
    void refresh();
    timer = setInterval(() => void refresh(), options.refreshMs);
    // A background refresh must not keep the process alive.
    (timer as { unref?: () => void }).unref?.();
  }

  return {
    rateOf(symbol) {
      // Only real market names are remembered: a bad one would fail every request it is in.
      if (MARKET.test(symbol)) wanted.add(symbol);
      const entry = rates.get(symbol);
      return entry && now() - entry.at <= maxAgeMs ? entry.rate : undefined;
    },
    refresh,
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
