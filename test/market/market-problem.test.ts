/**
 * A market-data failure said for a trader (issue 12, item 5b): what happened
 * first ("DNS lookup failed for api.binance.us"), the technical text after.
 */
import { describe, expect, test } from "bun:test";
import { explainMarketError } from "../../src/market/market-problem.ts";

describe("explainMarketError", () => {
  const cases: [string, string][] = [
    ["cannot reach https://api.binance.us (getaddrinfo ENOTFOUND api.binance.us)", "Binance US cannot be reached (DNS lookup failed for api.binance.us)"],
    ["Binance US klines BTCUSDT 5m: cannot reach http://127.0.0.1:9 (ECONNREFUSED: Unable to connect. Is the computer able to access the url?)", "Binance US cannot be reached (the connection to 127.0.0.1:9 was refused)"],
    ["Binance US klines BTCUSDT 5m: no answer within 3000 ms", "Binance US cannot be reached (no answer within 3 s)"],
    ["Binance US klines BTCUSDT 5m: unavailable from this location (HTTP 451): <html>", "Binance US is not available from this location (HTTP 451)"],
    ['Binance US klines BTCUSDT 5m: Binance US refused access (HTTP 403, text/html): a geo-block (e.g. CloudFront "configured to block access from your country")', "Binance US refused access (HTTP 403)"],
    ["Binance US klines BTCUSDT 5m: Binance US rate limit exceeded (HTTP 429); Retry-After 30 s", "Binance US asks to slow down: too many requests (HTTP 429)"],
    ["Binance US klines BTCUSDT 5m: Binance US banned this IP for sending too many requests (HTTP 418); retry after 120 s", "Binance US blocked this address for a while after too many requests (HTTP 418)"],
    ["Binance US klines BTCUSDT 5m: Binance US server error (HTTP 502): bad gateway", "Binance US had a server error (HTTP 502)"],
    ["cannot reach https://api.binance.us (unable to verify the first certificate)", "Binance US cannot be reached (a secure connection to api.binance.us could not be made)"],
  ];
  for (const [raw, text] of cases) {
    test(text, () => {
      const explained = explainMarketError(raw);
      expect(explained.text).toBe(text);
      expect(explained.detail).toBe(raw);
    });
  }

  test("something unforeseen keeps its own words, naming the source once", () => {
    expect(explainMarketError("Binance US klines BTCUSDT 5m: the JSON body does not parse: <")).toEqual({ text: "Binance US: the JSON body does not parse: <", detail: "Binance US klines BTCUSDT 5m: the JSON body does not parse: <" });
    expect(explainMarketError("no TA from Redis for 30 s")).toEqual({ text: "no TA from Redis for 30 s", detail: "no TA from Redis for 30 s" });
  });

  test("the start-up banner: the sentence, what the server does about it, then the detail", async () => {
    const { startBanner, splitBanner } = await import("../../src/market/market-problem.ts");
    const raw = "cannot reach https://api.binance.us (getaddrinfo ENOTFOUND api.binance.us)";
    expect(splitBanner(startBanner(raw))).toEqual({ text: "Binance US cannot be reached (DNS lookup failed for api.binance.us); using the simulated market — prices are not real.", detail: raw });
    expect(splitBanner("Simulated market: prices are not real")).toEqual({ text: "Simulated market: prices are not real", detail: null });
  });
});
