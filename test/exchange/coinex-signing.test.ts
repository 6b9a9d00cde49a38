import { createHmac } from "node:crypto";
import { describe, expect, test } from "bun:test";
import { signRequest } from "../../src/exchange/coinex-signing.ts";

describe("signRequest", () => {
  test("matches the published HMAC-SHA256 vector (RFC 4231 test case 2) over the concatenated parts", () => {
    // key "Jefe", message "what do ya want for nothing?" → RFC 4231 §4.3
    const signature = signRequest("", "what do ya want ", "for ", "nothing?", "Jefe");
    expect(signature).toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  });

  test("signs the documented GET example: METHOD + /v2 path with query + timestamp, lowercase hex", () => {
    const secret = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";
    const path = "/v2/spot/pending-order?market=BTCUSDT&market_type=SPOT&side=buy&page=1&limit=10";
    const expected = createHmac("sha256", secret).update(`GET${path}1700490703564`).digest("hex");
    const signature = signRequest("GET", path, "", "1700490703564", secret);
    expect(signature).toBe(expected);
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
  });

  test("includes the exact body string for POST", () => {
    const secret = "s3cret-value";
    const body = '{"market":"BTCUSDT","market_type":"FUTURES","side":"buy","type":"market","amount":"0.01"}';
    const expected = createHmac("sha256", secret).update(`POST/v2/futures/order${body}1700490703564`).digest("hex");
    expect(signRequest("POST", "/v2/futures/order", body, "1700490703564", secret)).toBe(expected);
    // One byte of difference in the body gives a different signature.
    expect(signRequest("POST", "/v2/futures/order", body.replace("0.01", "0.02"), "1700490703564", secret)).not.toBe(expected);
  });

  test("upper-cases the method", () => {
    expect(signRequest("get", "/v2/time", "", "1", "k")).toBe(signRequest("GET", "/v2/time", "", "1", "k"));
  });
});
