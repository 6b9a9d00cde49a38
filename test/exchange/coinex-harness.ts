/**
 * Shared set-up for the CoinEx client tests: a fake CoinEx per test (stopped
 * after it), a client pointed at it, and helpers to await a rejection and to
 * read the log lines a call wrote.
 */
import { afterEach, expect } from "bun:test";
import { CoinexExchange, type CoinexExchangeOptions } from "../../src/exchange/coinex-client.ts";
import { ExchangeError, type OrderRequest } from "../../src/exchange/types.ts";
import { setQuiet } from "../../src/log.ts";
import { type FakeCoinex, type FakeCoinexOptions, startFakeCoinex } from "../helpers/fake-coinex.ts";
export { rejection } from "../helpers/rejection.ts";
export { captureLogs } from "../helpers/capture-logs.ts";

setQuiet(true);

/** Call at the top of a test file; returns setup(fakeOptions, clientOptions). */
export function coinexSuite() {
  const started: FakeCoinex[] = [];
  afterEach(() => {
    for (const fake of started.splice(0)) fake.stop();
  });
  return function setup(fakeOptions: FakeCoinexOptions = {}, clientOptions: Partial<CoinexExchangeOptions> = {}) {
    const fake = startFakeCoinex(fakeOptions);
    started.push(fake);
    const exchange = new CoinexExchange({ baseUrl: fake.url, accessId: fake.accessId, secretKey: fake.secretKey, ...clientOptions });
    return { fake, exchange };
  };
}

export function order(overrides: Partial<OrderRequest> = {}): OrderRequest {
  return { symbol: "BTCUSDT", side: "buy", amount: 0.1, leverage: 10, client_id: "cycle-1-BTCUSDT", ...overrides };
}



/** A finished-position row as CoinEx sends it (strings for decimals), for injected answers. */
export function finishedRow(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    position_id: 1,
    market: "BTCUSDT",
    market_type: "FUTURES",
    side: "long",
    margin_mode: "isolated",
    open_interest: "0",
    ath_position_amount: "0.1",
    avg_entry_price: "60000",
    unrealized_pnl: "0",
    realized_pnl: "0",
    leverage: "10",
    margin_avbl: "0",
    liq_price: "0",
    stop_loss_price: "0",
    take_profit_price: "0",
    created_at: 1_700_000_000_000,
    updated_at: 1_700_000_100_000,
    finished_type: "market_close",
    ...overrides,
  };
}
