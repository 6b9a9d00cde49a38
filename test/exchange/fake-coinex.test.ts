/**
 * The fake CoinEx server checks signatures the way CoinEx does. These tests sign
 * by hand with node:crypto (not with the client under test), so they show the
 * fake's verification is real before the client tests rely on it.
 */
import { createHmac } from "node:crypto";
import { afterEach, describe, expect, test } from "bun:test";
import { type FakeCoinex, startFakeCoinex } from "../helpers/fake-coinex.ts";

let fake: FakeCoinex;
afterEach(() => fake?.stop());

function signedHeaders(method: string, pathWithQuery: string, body: string, timestamp: number, secret: string, accessId: string) {
  const sign = createHmac("sha256", secret).update(method + pathWithQuery + body + String(timestamp)).digest("hex");
  return { "X-COINEX-KEY": accessId, "X-COINEX-SIGN": sign, "X-COINEX-TIMESTAMP": String(timestamp), "Content-Type": "application/json" };
}

async function call(method: string, path: string, body: string, options: { secret?: string; accessId?: string; timestamp?: number } = {}) {
  const origin = fake.url.slice(0, -"/v2".length);
  const response = await fetch(origin + path, {
    method,
    body: method === "POST" ? body : undefined,
    headers: signedHeaders(method, path, body, options.timestamp ?? Date.now(), options.secret ?? fake.secretKey, options.accessId ?? fake.accessId),
  });
  return (await response.json()) as { code: number; data: unknown; message: string };
}

describe("fake CoinEx signature checks", () => {
  test("accepts a correctly signed GET and answers with string decimals", async () => {
    fake = startFakeCoinex();
    const reply = await call("GET", "/v2/assets/futures/balance", "");
    expect(reply.code).toBe(0);
    expect(reply.data).toEqual([{ ccy: "USDT", available: "10000", frozen: "0", margin: "0", transferrable: "10000", unrealized_pnl: "0" }]);
  });

  test("rejects a wrong secret with 4006", async () => {
    fake = startFakeCoinex();
    expect((await call("GET", "/v2/assets/futures/balance", "", { secret: "wrong" })).code).toBe(4006);
  });

  test("rejects a signature over different query bytes (same parameters, other order) with 4006", async () => {
    fake = startFakeCoinex();
    const signedPath = "/v2/futures/pending-position?market_type=FUTURES&page=1";
    const sentPath = "/v2/futures/pending-position?page=1&market_type=FUTURES";
    const origin = fake.url.slice(0, -"/v2".length);
    const response = await fetch(origin + sentPath, { headers: signedHeaders("GET", signedPath, "", Date.now(), fake.secretKey, fake.accessId) });
    expect(((await response.json()) as { code: number }).code).toBe(4006);
  });

  test("verifies the raw POST body: re-serialised JSON with other spacing fails", async () => {
    fake = startFakeCoinex();
    const sent = '{"market":"BTCUSDT","market_type":"FUTURES","margin_mode":"isolated","leverage":5}';
    const signedOver = JSON.stringify(JSON.parse(sent), null, 1);
    const origin = fake.url.slice(0, -"/v2".length);
    const response = await fetch(`${origin}/v2/futures/adjust-position-leverage`, {
      method: "POST",
      body: sent,
      headers: signedHeaders("POST", "/v2/futures/adjust-position-leverage", signedOver, Date.now(), fake.secretKey, fake.accessId),
    });
    expect(((await response.json()) as { code: number }).code).toBe(4006);
    expect((await call("POST", "/v2/futures/adjust-position-leverage", sent)).code).toBe(0);
  });

  test("rejects an unknown access id with 4005 and a stale timestamp with 4010", async () => {
    fake = startFakeCoinex();
    expect((await call("GET", "/v2/assets/futures/balance", "", { accessId: "OTHER" })).code).toBe(4005);
    expect((await call("GET", "/v2/assets/futures/balance", "", { timestamp: Date.now() - 60_000 })).code).toBe(4010);
  });

  test("public endpoints need no signature", async () => {
    fake = startFakeCoinex();
    const response = await fetch(`${fake.url}/futures/ticker?market=BTCUSDT`);
    const reply = (await response.json()) as { code: number; data: { market: string; mark_price: string; period: number }[] };
    expect(reply.code).toBe(0);
    expect(reply.data[0]).toMatchObject({ market: "BTCUSDT", mark_price: "60000", period: 86400 });
  });
});

describe("fake CoinEx additions", () => {
  test("position-level and funding-rate are public; more than 10 funding markets is refused", async () => {
    fake = startFakeCoinex();
    const tiers = (await (await fetch(`${fake.url}/futures/position-level?market=BTCUSDT`)).json()) as { code: number; data: { market: string; level: { maintenance_margin_rate: string }[] }[] };
    expect(tiers.code).toBe(0);
    expect(tiers.data[0]?.level[0]?.maintenance_margin_rate).toBe("0.005");
    const funding = (await (await fetch(`${fake.url}/futures/funding-rate?market=BTCUSDT,ETHUSDT`)).json()) as { code: number; data: { market: string; latest_funding_rate: string; latest_funding_time: number }[] };
    expect(funding.data.map((r) => [r.market, r.latest_funding_rate])).toEqual([["BTCUSDT", "0.0001"], ["ETHUSDT", "0.0001"]]);
    expect((funding.data[0]?.latest_funding_time ?? 1) % (8 * 3600_000)).toBe(0);
    const eleven = Array.from({ length: 11 }, () => "BTCUSDT").join(",");
    expect(((await (await fetch(`${fake.url}/futures/funding-rate?market=${eleven}`)).json()) as { code: number }).code).toBe(4004);
  });

  test("the stop endpoints are signed, and modify needs the stop's id", async () => {
    fake = startFakeCoinex();
    fake.addPosition({ market: "BTCUSDT", side: "long", size: 0.1, entry_price: 60_000 });
    const set = '{"market":"BTCUSDT","market_type":"FUTURES","stop_loss_type":"mark_price","stop_loss_price":"57000"}';
    expect((await call("POST", "/v2/futures/set-position-stop-loss", set, { secret: "wrong" })).code).toBe(4006);
    const reply = await call("POST", "/v2/futures/set-position-stop-loss", set);
    expect(reply.data).toMatchObject({ market: "BTCUSDT", stop_loss_price: "57000", stop_loss_type: "mark_price", take_profit_price: "0", take_profit_type: "" });
    const id = fake.state.positions.get("BTCUSDT")?.stop_loss?.id;
    expect((await call("POST", "/v2/futures/modify-position-stop-loss", `{"market":"BTCUSDT","market_type":"FUTURES","stop_loss_id":${(id ?? 0) + 1},"stop_loss_price":"58000"}`)).code).toBe(4004);
    expect((await call("POST", "/v2/futures/modify-position-stop-loss", `{"market":"BTCUSDT","market_type":"FUTURES","stop_loss_id":${id},"stop_loss_price":"58000"}`)).data).toMatchObject({ stop_loss_price: "58000" });
    const tooFine = '{"market":"BTCUSDT","market_type":"FUTURES","take_profit_type":"mark_price","take_profit_price":"63000.123"}';
    expect((await call("POST", "/v2/futures/set-position-take-profit", tooFine)).code).toBe(4004);
  });

  test("exponentDecimals writes non-zero decimals in exponent form", async () => {
    fake = startFakeCoinex({ exponentDecimals: true });
    const reply = await call("GET", "/v2/assets/futures/balance", "");
    expect(reply.data).toEqual([{ ccy: "USDT", available: "1E+4", frozen: "0", margin: "0", transferrable: "1E+4", unrealized_pnl: "0" }]);
  });
});
