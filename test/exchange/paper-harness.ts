/**
 * Shared set-up of the paper-exchange tests: a temp state file, a price map,
 * a settable clock, and helpers to feed candle updates and collect events.
 * Defaults: fee 0.05 %, slippage 5 bps, funding rate 0.01 % (the paper default).
 */
import { afterEach, beforeEach, expect } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setQuiet } from "../../src/log.ts";
import { type MarketUpdate, type PaperEvent, PaperExchange, type PaperExchangeOptions } from "../../src/exchange/paper-exchange.ts";
import { ExchangeError, type OrderRequest } from "../../src/exchange/types.ts";
export { rejection } from "../helpers/rejection.ts";

setQuiet(true);

/** 2024-01-01 07:00 UTC: one hour before a funding instant. */
export const T0 = Date.UTC(2024, 0, 1, 7, 0);
export const H = 60 * 60_000;
export const M5 = 5 * 60_000;
/** 2024-01-01 08:00 UTC. */
export const FUNDING_0800 = Date.UTC(2024, 0, 1, 8, 0);

export interface Harness {
  dir: string;
  statePath: string;
  prices: Map<string, number>;
  clock: { now: number };
}

/** Registers the per-test temp dir, price map (SOLUSDT 100) and clock (T0). */
export function useHarness(): Harness {
  const h = { dir: "", statePath: "", prices: new Map<string, number>(), clock: { now: T0 } };
  beforeEach(() => {
    h.dir = mkdtempSync(join(tmpdir(), "paper-"));
    h.statePath = join(h.dir, "paper-state.json");
    h.prices.clear();
    h.prices.set("SOLUSDT", 100);
    h.clock.now = T0;
  });
  afterEach(() => rmSync(h.dir, { recursive: true, force: true }));
  return h;
}

export function makePaper(h: Harness, overrides: Partial<PaperExchangeOptions> = {}): PaperExchange {
  return new PaperExchange({ priceOf: (s) => h.prices.get(s), statePath: h.statePath, now: () => h.clock.now, ...overrides });
}

export function order(overrides: Partial<OrderRequest> = {}): OrderRequest {
  return { symbol: "SOLUSDT", side: "buy", amount: 10, leverage: 10, client_id: "open-1", ...overrides };
}

/** Feeds one candle update; the feed's price (priceOf) follows its close, as in the app. */
export function feed(h: Harness, ex: PaperExchange, t: number, open: number, high: number, low: number, close: number, symbol = "SOLUSDT"): void {
  h.prices.set(symbol, close);
  const update: MarketUpdate = { symbol, t, open, high, low, close };
  ex.onMarketUpdate(update);
}

export function collect(ex: PaperExchange): PaperEvent[] {
  const events: PaperEvent[] = [];
  ex.onEvent((event) => events.push(event));
  return events;
}


/** Rounded to the cent, for hand-computed figures. */
export function cents(value: number): number {
  return Math.round(value * 100) / 100;
}
