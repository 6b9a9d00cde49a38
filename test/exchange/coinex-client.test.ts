/**
 * CoinexExchange against the local fake CoinEx server (test/helpers/fake-coinex.ts),
 * which verifies every signature byte for byte. Expected numbers come from the
 * fake's state (BTCUSDT at 60 000, 0.05 % taker fee) and are derived by hand.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { CoinexExchange, type CoinexExchangeOptions, loadCoinexCredentials } from "../../src/exchange/coinex-client.ts";
import { ExchangeError, type OrderRequest } from "../../src/exchange/types.ts";
import { setQuiet } from "../../src/log.ts";
import { type FakeCoinex, type FakeCoinexOptions, startFakeCoinex } from "../helpers/fake-coinex.ts";
import { assertWithinBucket, virtualClock } from "./bucket-conformance.ts";
import { rejection } from "../helpers/rejection.ts";

setQuiet(true);

let fake: FakeCoinex;
afterEach(() => fake?.stop());

function setup(fakeOptions: FakeCoinexOptions = {}, clientOptions: Partial<CoinexExchangeOptions> = {}) {
  fake = startFakeCoinex(fakeOptions);
  const exchange = new CoinexExchange({ baseUrl: fake.url, accessId: fake.accessId, secretKey: fake.secretKey, ...clientOptions });
  return { fake, exchange };
}

function order(overrides: Partial<OrderRequest> = {}): OrderRequest {
  return { symbol: "BTCUSDT", side: "buy", amount: 0.1, leverage: 10, client_id: "cycle-1-BTCUSDT", ...overrides };
}


describe("CoinexExchange reads", () => {
  test("balance: equity = available + frozen + margin, where CoinEx's margin includes unrealized P&L", async () => {
    const { fake, exchange } = setup();
    fake.addPosition({ market: "BTCUSDT", side: "long", size: 0.1, entry_price: 60_000, leverage: 10 }); // margin 600
    fake.setPrice("BTCUSDT", 61_000); // unrealized (61 000 − 60 000) · 0.1 = 100
    fake.state.frozen = 5;
    // CoinEx reports available 9400, frozen 5, margin 700 (600 + 100), unrealized 100.
    expect(await exchange.getBalance()).toEqual({ equity: 10_105, available: 9400, margin: 605, unrealized_pnl: 100 });
  });

  test("balance: an account without a USDT row is a zero balance", async () => {
    const { fake, exchange } = setup();
    fake.inject({ kind: "data", data: [] }, { endpoint: "/assets/futures/balance" });
    expect(await exchange.getBalance()).toEqual({ equity: 0, available: 0, margin: 0, unrealized_pnl: 0 });
  });

  test("positions: every page is read and the current price comes from the ticker", async () => {
    const { fake, exchange } = setup({ maxPageSize: 1 });
    fake.addPosition({ market: "BTCUSDT", side: "long", size: 0.1, entry_price: 60_000, leverage: 10 });
    fake.addPosition({ market: "ETHUSDT", side: "short", size: 2, entry_price: 3_000, leverage: 5 });
    fake.setPrice("ETHUSDT", 2_900);
    const positions = await exchange.getPositions();
    expect(positions.map((p) => [p.symbol, p.side, p.size, p.entry_price, p.current_price, p.unrealized_pnl, p.margin, p.leverage])).toEqual([
      ["BTCUSDT", "long", 0.1, 60_000, 60_000, 0, 600, 10],
      ["ETHUSDT", "short", 2, 3_000, 2_900, 200, 1_200, 5],
    ]);
    expect(fake.requestsTo("/futures/pending-position").map((r) => r.query.page)).toEqual(["1", "2"]);
    expect(fake.requestsTo("/futures/ticker")[0]?.query.market).toBe("BTCUSDT,ETHUSDT");
  });

  test("positions: without a ticker they are shown at their entry price with P&L 0 (CoinEx's unrealized_pnl is no fallback)", async () => {
    const { fake, exchange } = setup();
    fake.addPosition({ market: "BTCUSDT", side: "long", size: 0.1, entry_price: 60_000, leverage: 10 });
    fake.setPrice("BTCUSDT", 61_000); // CoinEx's unrealized 100, measured from its settlement price
    fake.inject({ kind: "http", status: 502 }, { endpoint: "/futures/ticker" });
    const [position] = await exchange.getPositions();
    expect(position?.current_price).toBe(60_000);
    expect(position?.unrealized_pnl).toBe(0);
    expect(position?.margin).toBe(600);
  });

  test("market info: max leverage is the largest listed level, and it is cached", async () => {
    const { fake, exchange } = setup();
    const info = await exchange.getMarketInfo("BTCUSDT");
    expect(info).toEqual({
      symbol: "BTCUSDT",
      min_amount: 0.0001,
      amount_precision: 4,
      price_precision: 2,
      leverage_levels: [1, 2, 3, 5, 8, 10, 15, 20, 30, 50, 100],
      max_leverage: 100,
      taker_fee_rate: 0.0005,
      maintenance_margin_rate: 0.005,
      fill_allowance_rate: 0.002,
    });
    await exchange.getMarketInfo("BTCUSDT");
    expect(fake.requestsTo("/futures/market")).toHaveLength(1);
    expect(fake.requestsTo("/futures/position-level")).toHaveLength(1);
    expect((await rejection(exchange.getMarketInfo("DOGEUSDT"))).message).toContain("no futures market DOGEUSDT");
  });

  test("price: the mark price from the ticker", async () => {
    const { fake, exchange } = setup();
    fake.setPrice("ETHUSDT", 3_123.45);
    expect(await exchange.getPrice("ETHUSDT")).toBe(3_123.45);
  });

  test("closed positions are read from finished-position", async () => {
    const { fake, exchange } = setup();
    await exchange.placeMarketOrder(order());
    fake.setPrice("BTCUSDT", 61_000);
    await exchange.closePosition("BTCUSDT", "close-1");
    const [closed] = await exchange.getClosedPositions(5);
    // realized = −3 (open fee 0.0005 · 6000) + 100 gross − 3.05 close fee = 93.95
    expect(closed?.symbol).toBe("BTCUSDT");
    expect(closed?.side).toBe("long");
    expect(closed?.size).toBe(0.1);
    expect(closed?.entry_price).toBe(60_000);
    expect(closed?.realized_pnl).toBeCloseTo(93.95, 9);
    // No exit price in the API: the price implied by the realized P&L, 60 000 + 93.95 / 0.1.
    expect(closed?.exit_price).toBeCloseTo(60_939.5, 6);
    expect(closed?.kind).toBe("close");
    expect(closed?.fees).toBe(0);
    expect(closed?.funding).toBe(0);
    // The last request is getClosedPositions (closePosition looked its row up first).
    expect(fake.requestsTo("/futures/finished-position").at(-1)?.query).toEqual({ market_type: "FUTURES", page: "1", limit: "5" });
  });
});

describe("CoinexExchange orders", () => {
  test("a market order sends the amount as a string rounded down, leverage as an int, and the client_id", async () => {
    const { fake, exchange } = setup();
    const result = await exchange.placeMarketOrder(order({ amount: 0.12349, leverage: 12 }));
    const [leverageCall] = fake.requestsTo("/futures/adjust-position-leverage");
    // 12 is not a CoinEx level: the largest allowed level ≤ 12 is 10.
    expect(leverageCall?.json).toEqual({ market: "BTCUSDT", market_type: "FUTURES", margin_mode: "isolated", leverage: 10 });
    const [orderCall] = fake.requestsTo("/futures/order");
    expect(orderCall?.json).toEqual({ market: "BTCUSDT", market_type: "FUTURES", side: "buy", type: "market", amount: "0.1234", client_id: "cycle-1-BTCUSDT" });
    // The fake filled at 60 000: fee 0.1234 · 60 000 · 0.0005 = 3.702
    expect(result.amount).toBe(0.1234);
    expect(result.price).toBe(60_000);
    expect(result.fee).toBeCloseTo(3.702, 9);
    expect(result.client_id).toBe("cycle-1-BTCUSDT");
    expect(result.duplicate).toBe(false);
    expect(result.order_id).toMatch(/^\d+$/);
  });

  test("0.29 ETH is sent as \"0.29\" (not 0.28 from floating-point flooring)", async () => {
    const { fake, exchange } = setup();
    await exchange.placeMarketOrder(order({ symbol: "ETHUSDT", amount: 0.29, client_id: "eth-1" }));
    expect(fake.requestsTo("/futures/order")[0]?.json).toMatchObject({ amount: "0.29" });
  });

  test("an amount below the market minimum is refused before anything is sent", async () => {
    const { fake, exchange } = setup();
    const error = await rejection(exchange.placeMarketOrder(order({ amount: 0.00009 })));
    expect(error.code).toBe(3127);
    expect(error.message).toContain("below the market minimum 0.0001");
    expect(error.message).toContain("nothing was sent");
    expect(fake.requestsTo("/futures/order")).toHaveLength(0);
    expect(fake.requestsTo("/futures/adjust-position-leverage")).toHaveLength(0);
  });

  test("an order is refused while the market already has a position (no pyramiding, no flipping)", async () => {
    const { fake, exchange } = setup();
    fake.addPosition({ market: "BTCUSDT", side: "long", size: 0.1, entry_price: 60_000 });
    const error = await rejection(exchange.placeMarketOrder(order({ side: "sell" })));
    expect(error.code).toBe("position_exists");
    expect(error.message).toContain("a long position of 0.1 is already open");
    expect(fake.requestsTo("/futures/order")).toHaveLength(0);
  });

  test("a repeated client_id returns the first result without sending a second order", async () => {
    const { fake, exchange } = setup();
    const first = await exchange.placeMarketOrder(order());
    const second = await exchange.placeMarketOrder(order());
    expect(second).toEqual({ ...first, duplicate: true });
    expect(fake.requestsTo("/futures/order")).toHaveLength(1);
    expect(fake.state.ordersByClientId.get("cycle-1-BTCUSDT")).toHaveLength(1);
  });

  test("close-position is a market close of the whole position (no amount sent)", async () => {
    const { fake, exchange } = setup();
    await exchange.placeMarketOrder(order());
    fake.setPrice("BTCUSDT", 61_000);
    const { order: result } = await exchange.closePosition("BTCUSDT", "close-1");
    expect(fake.requestsTo("/futures/close-position")[0]?.json).toEqual({ market: "BTCUSDT", market_type: "FUTURES", type: "market", client_id: "close-1" });
    expect(result.side).toBe("sell");
    expect(result.amount).toBe(0.1);
    expect(result.price).toBe(61_000);
    // gross (61 000 − 60 000) · 0.1 = 100; fee 0.1 · 61 000 · 0.0005 = 3.05
    expect(result.fee).toBeCloseTo(3.05, 9);
    expect(result.realized_pnl).toBeCloseTo(96.95, 9);
    expect(await exchange.getPositions()).toEqual([]);
    expect((await rejection(exchange.closePosition("BTCUSDT", "close-2"))).code).toBe("no_position");
  });

  test("set leverage picks the largest allowed level at or below the request", async () => {
    const { exchange } = setup();
    expect(await exchange.setLeverage("BTCUSDT", 7)).toBe(5);
    expect(await exchange.setLeverage("BTCUSDT", 500)).toBe(100);
    expect((await rejection(exchange.setLeverage("BTCUSDT", 0.5))).message).toContain("invalid leverage");
  });
});

describe("CoinexExchange signing and clock", () => {
  test("a client with the wrong secret gets a clear signature error from the fake's verification", async () => {
    fake = startFakeCoinex();
    const exchange = new CoinexExchange({ baseUrl: fake.url, accessId: fake.accessId, secretKey: "not-the-right-secret" });
    const error = await rejection(exchange.getBalance());
    expect(error.code).toBe(4006);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("signature rejected: check COINEX_SECRET_KEY");
    expect(error.message).not.toContain("not-the-right-secret");
  });

  test("a wrong access id is reported as such", async () => {
    fake = startFakeCoinex();
    const exchange = new CoinexExchange({ baseUrl: fake.url, accessId: "WRONGACCESSID", secretKey: fake.secretKey });
    const error = await rejection(exchange.getPositions());
    expect(error.code).toBe(4005);
    expect(error.message).toContain("check COINEX_ACCESS_ID");
    expect(error.message).not.toContain("WRONGACCESSID");
  });

  test("the first signed call measures the offset to server time, so a skewed local clock works from the start", async () => {
    const clock = virtualClock();
    const { fake, exchange } = setup({ now: clock.now, clockOffsetMs: -20_000 }, { now: clock.now, sleep: clock.sleep });
    expect((await exchange.getBalance()).available).toBe(10_000);
    expect(fake.requests.map((r) => `${r.endpoint} ${r.code}`)).toEqual(["/time 0", "/assets/futures/balance 0"]);
    expect(exchange.clockOffsetMs).toBe(-20_000);
    expect(fake.requests[1]?.timestamp).toBe(clock.t - 20_000);
  });

  test("a 4010 expired request re-measures the clock and retries once", async () => {
    const clock = virtualClock();
    const { fake, exchange } = setup({ now: clock.now }, { now: clock.now, sleep: clock.sleep });
    await exchange.getBalance();
    fake.setClockOffset(30_000); // the server clock jumps ahead: our stamps are now stale
    expect((await exchange.getBalance()).available).toBe(10_000);
    expect(fake.requests.map((r) => `${r.endpoint} ${r.code}`)).toEqual([
      "/time 0",
      "/assets/futures/balance 0",
      "/assets/futures/balance 4010",
      "/time 0",
      "/assets/futures/balance 0",
    ]);
    expect(exchange.clockOffsetMs).toBe(30_000);
  });

  test("a persistent 4010 is not retried forever: one retry, then a clear error", async () => {
    const clock = virtualClock();
    const { fake, exchange } = setup({ now: clock.now }, { now: clock.now, sleep: clock.sleep });
    fake.inject({ kind: "code", code: 4010, message: "expired request" }, { endpoint: "/assets/futures/balance", times: 5 });
    const error = await rejection(exchange.getBalance());
    expect(error.message).toContain("request expired");
    expect(fake.requestsTo("/assets/futures/balance")).toHaveLength(2);
  });

  test("the query string is signed exactly as sent (two parameters with a comma list)", async () => {
    const { fake, exchange } = setup();
    await exchange.getClosedPositions(3);
    const [request] = fake.requestsTo("/futures/finished-position");
    expect(request?.rawPath).toBe("/v2/futures/finished-position?market_type=FUTURES&page=1&limit=3");
    expect(request?.code).toBe(0);
  });
});

describe("CoinexExchange errors", () => {
  test("CoinEx codes become clear errors with the right retry advice", async () => {
    const { fake, exchange } = setup();
    const cases: [number, string, boolean][] = [
      [3008, "service busy", true],
      [4213, "rate limit hit", true],
      [4123, "rate limit hit", true],
      [3109, "balance not enough", false],
      [4007, "not on the API key's whitelist", false],
      [3620, "reduce the amount", false],
      [9999, "failed with code 9999", false],
    ];
    for (const [code, text, retryable] of cases) {
      fake.inject({ kind: "code", code, message: "server says no" }, { endpoint: "/futures/order" });
      const error = await rejection(exchange.placeMarketOrder(order({ client_id: `c${code}` })));
      expect(error.code).toBe(code);
      expect(error.message).toContain(text);
      expect(error.message).toContain("server says no");
      expect(error.message).toContain("POST /futures/order");
      expect(error.retryable).toBe(retryable);
    }
    expect(fake.state.orders).toHaveLength(0);
  });

  test("the fake's own balance check comes back as 3109 balance not enough", async () => {
    const { exchange } = setup();
    const error = await rejection(exchange.placeMarketOrder(order({ amount: 50, leverage: 1 })));
    expect(error.code).toBe(3109);
    expect(error.message).toContain("balance not enough");
  });

  test("an HTTP 502 HTML page is reported with its status and a short excerpt", async () => {
    const { fake, exchange } = setup();
    fake.inject({ kind: "http", status: 502, body: "<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>" }, { endpoint: "/futures/ticker" });
    const error = await rejection(exchange.getPrice("BTCUSDT"));
    expect(error.code).toBe("http_502");
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("HTTP 502");
    expect(error.message).toContain("502 Bad Gateway");
  });

  test("malformed JSON is a clear error", async () => {
    const { fake, exchange } = setup();
    fake.inject({ kind: "malformed-json" }, { endpoint: "/assets/futures/balance" });
    const error = await rejection(exchange.getBalance());
    expect(error.code).toBe("bad_response");
    expect(error.message).toContain("malformed JSON");
  });

  test("a field of the wrong type is named in the error", async () => {
    const { fake, exchange } = setup();
    fake.inject(
      { kind: "data", data: [{ ccy: "USDT", available: 12.5, frozen: "0", margin: "0", unrealized_pnl: "0", transferrable: "0" }] },
      { endpoint: "/assets/futures/balance" },
    );
    const error = await rejection(exchange.getBalance());
    expect(error.message).toContain("GET /assets/futures/balance returned an unexpected response");
    expect(error.message).toContain("data.0.available");
  });

  test("a decimal string that is not a number is refused", async () => {
    const { fake, exchange } = setup();
    fake.inject({ kind: "data", data: [{ market: "BTCUSDT", last: "60000", mark_price: "NaN" }] }, { endpoint: "/futures/ticker" });
    expect((await rejection(exchange.getPrice("BTCUSDT"))).message).toContain("data.0.mark_price: expected a decimal string");
  });

  test("an unreachable server is a retryable network error", async () => {
    const probe = startFakeCoinex();
    const url = probe.url;
    probe.stop();
    const exchange = new CoinexExchange({ baseUrl: url, accessId: "ACCESS", secretKey: "secret-xyz" });
    const error = await rejection(exchange.getPrice("BTCUSDT"));
    expect(error.code).toBe("network");
    expect(error.retryable).toBe(true);
  });

  test("secrets never appear in error messages or log lines", async () => {
    const secret = "Sup3r-Secret-Key-That-Must-Not-Leak";
    const accessId = "ACCESSIDTHATMUSTNOTLEAK";
    fake = startFakeCoinex({ secretKey: secret, accessId });
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    setQuiet(false);
    const messages: string[] = [];
    try {
      const good = new CoinexExchange({ baseUrl: fake.url, accessId, secretKey: secret });
      const badSecret = new CoinexExchange({ baseUrl: fake.url, accessId, secretKey: `${secret}-wrong` });
      const badId = new CoinexExchange({ baseUrl: fake.url, accessId: `${accessId}X`, secretKey: secret });
      // A gateway that echoes request details back in its error page.
      fake.inject({ kind: "http", status: 403, body: `<html>denied for key ${accessId} secret ${secret}</html>` }, { endpoint: "/futures/pending-position" });
      fake.inject({ kind: "code", code: 4004, message: `bad param near ${secret}` }, { endpoint: "/futures/finished-position" });
      const attempts = [
        () => badSecret.getBalance(),
        () => badId.getBalance(),
        () => good.getPositions(),
        () => good.getClosedPositions(1),
        () => good.placeMarketOrder(order({ amount: 0.00001 })),
        () => good.placeMarketOrder(order({ amount: 1000, leverage: 1, client_id: "too-big" })),
      ];
      for (const attempt of attempts) messages.push((await rejection(attempt())).message);
      await good.placeMarketOrder(order());
      fake.setPrice("BTCUSDT", 61_000);
      await good.closePosition("BTCUSDT", "close-1");
    } finally {
      process.stderr.write = write;
      setQuiet(true);
    }
    expect(messages).toHaveLength(6);
    expect(lines.length).toBeGreaterThan(0); // the order and close were logged
    for (const text of [...messages, ...lines]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(accessId);
    }
  });
});

describe("CoinexExchange rate limits", () => {
  test("30 concurrent balance reads stay inside the 10/s account bucket", async () => {
    const clock = virtualClock();
    const { fake, exchange } = setup({ now: clock.now, windowMs: 60_000 }, { now: clock.now, sleep: clock.sleep });
    const start = clock.t;
    const results = await Promise.all(Array.from({ length: 30 }, () => exchange.getBalance()));
    expect(results).toHaveLength(30);
    const calls = fake.requestsTo("/assets/futures/balance");
    expect(calls).toHaveLength(30);
    expect(calls.every((r) => r.code === 0)).toBe(true);
    const stamps = calls.map((r) => r.timestamp ?? Number.NaN);
    assertWithinBucket(stamps, 10, 10);
    // 10 at once, then 20 more at 10/s: the last one is admitted 2 s after the start.
    expect(Math.max(...stamps) - start).toBe(2000);
  });

  test("orders share a 20/s bucket with leverage changes", async () => {
    const clock = virtualClock();
    const { fake, exchange } = setup({ now: clock.now, windowMs: 60_000, balance: 1e9 }, { now: clock.now, sleep: clock.sleep });
    const symbols = ["BTCUSDT", "ETHUSDT"];
    await Promise.all(symbols.map((symbol, i) => exchange.placeMarketOrder(order({ symbol, amount: 1, client_id: `o${i}` }))));
    for (let i = 0; i < 12; i++) await exchange.setLeverage("BTCUSDT", 10);
    const stamps = fake.requests
      .filter((r) => r.method === "POST")
      .map((r) => r.timestamp ?? Number.NaN);
    expect(stamps).toHaveLength(16);
    assertWithinBucket(stamps, 20, 20);
  });
});

describe("loadCoinexCredentials", () => {
  test("returns both values, trimmed", () => {
    expect(loadCoinexCredentials({ COINEX_ACCESS_ID: " abc ", COINEX_SECRET_KEY: "def\n" })).toEqual({ accessId: "abc", secretKey: "def" });
  });
  test("null when neither is set", () => {
    expect(loadCoinexCredentials({})).toBeNull();
    expect(loadCoinexCredentials({ COINEX_ACCESS_ID: "", COINEX_SECRET_KEY: " " })).toBeNull();
  });
  test("an error naming the missing variable when only one is set, without the other's value", () => {
    expect(() => loadCoinexCredentials({ COINEX_ACCESS_ID: "abc" })).toThrow("COINEX_SECRET_KEY is missing");
    let message = "";
    try {
      loadCoinexCredentials({ COINEX_SECRET_KEY: "very-secret-value" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("COINEX_ACCESS_ID is missing");
    expect(message).not.toContain("very-secret-value");
  });
});
