/**
 * Signed login sessions: any store with the same secret accepts a session,
 * anything malformed, tampered, expired or revoked is refused without throwing.
 * Reference tokens are signed here straight from the documented recipe
 * (scrypt(secret, "dashboard-session-v1") as the HMAC-SHA256 key over
 * "v1.<expiry ms>.<nonce>"), independently of the store's code.
 */
import { describe, expect, test } from "bun:test";
import { createHmac, scryptSync } from "node:crypto";
import { setQuiet } from "../../src/log.ts";
import { SessionStore } from "../../src/web/security/sessions.ts";

setQuiet(true);

const SECRET = "correct-horse-battery-staple-42";
const OTHER_SECRET = "another-token-of-enough-length";
const HOUR = 60 * 60 * 1000;
const T0 = 1_700_000_000_000;
const NONCE = "AAAAAAAAAAAAAAAAAAAAAAAA"; // 24 base64url characters = 18 zero bytes

const referenceKey = scryptSync(SECRET, "dashboard-session-v1", 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });

/** Signs a payload the way the module comment documents, with a chosen key. */
function sign(payload: string, key: Buffer | string = referenceKey): string {
  return `${payload}.${createHmac("sha256", key).update(payload).digest("base64url")}`;
}

function store(options: { secret?: string; now?: () => number; ttlMs?: number; maxRevoked?: number } = {}): SessionStore {
  return new SessionStore({ now: () => T0, ...options });
}

/** Replaces one character with a different base64url character. */
function flip(text: string, index: number): string {
  const c = text[index];
  return text.slice(0, index) + (c === "A" ? "B" : "A") + text.slice(index + 1);
}

describe("sessions shared by instances with the same secret", () => {
  test("a session made by one store is valid in another with the same secret, not with a different one", () => {
    const a = store({ secret: SECRET });
    const b = store({ secret: SECRET });
    const stranger = store({ secret: OTHER_SECRET });
    const session = a.create();
    expect(a.valid(session)).toBe(true);
    expect(b.valid(session)).toBe(true);
    expect(stranger.valid(session)).toBe(false);
    expect(a.valid(stranger.create())).toBe(false);
  });

  test("without a secret each store has its own random key", () => {
    const a = store();
    const b = store();
    expect(a.valid(a.create())).toBe(true);
    expect(b.valid(a.create())).toBe(false);
    expect(store({ secret: SECRET }).valid(a.create())).toBe(false);
  });

  test("the cookie is v1.<expiry>.<nonce>.<mac>, expires now + ttl, and never holds the secret", () => {
    const s = store({ secret: SECRET, ttlMs: 2 * HOUR });
    const token = s.create();
    const parts = token.split(".");
    expect(parts.length).toBe(4);
    expect(parts[0]).toBe("v1");
    expect(parts[1]).toBe(String(T0 + 2 * HOUR));
    expect(parts[2]).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(parts[3]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(token).not.toContain(SECRET);
    expect(s.create()).not.toBe(token);
    expect(s.ttlMs).toBe(2 * HOUR);
  });

  test("a token signed by the documented recipe is accepted; one keyed by the raw secret is not", () => {
    const s = store({ secret: SECRET });
    const payload = `v1.${T0 + HOUR}.${NONCE}`;
    expect(s.valid(sign(payload))).toBe(true);
    expect(s.valid(sign(payload, SECRET))).toBe(false);
    // The store's own token verifies under the reference key too.
    const own = s.create();
    const ownPayload = own.slice(0, own.lastIndexOf("."));
    expect(sign(ownPayload)).toBe(own);
  });
});

describe("anything not exactly a live signed session is invalid, and never throws", () => {
  const s = store({ secret: SECRET });
  const good = s.create();
  const [version, expiry, nonce, mac] = good.split(".") as [string, string, string, string];

  test("the untouched token is valid (control)", () => {
    expect(s.valid(good)).toBe(true);
  });

  test("tampered expiry, nonce or signature", () => {
    expect(s.valid(`${version}.${Number(expiry) - 1}.${nonce}.${mac}`)).toBe(false);
    expect(s.valid(`${version}.${Number(expiry) + 1}.${nonce}.${mac}`)).toBe(false);
    expect(s.valid(`${version}.0${expiry}.${nonce}.${mac}`)).toBe(false);
    expect(s.valid(`${version}.${expiry}.${flip(nonce, 0)}.${mac}`)).toBe(false);
    expect(s.valid(`${version}.${expiry}.${nonce}.${flip(mac, 0)}`)).toBe(false);
    expect(s.valid(`${version}.${expiry}.${nonce}.${flip(mac, 42)}`)).toBe(false);
    expect(s.valid(`${version}.${expiry}.${nonce}.${nonce}`)).toBe(false);
  });

  test("another spelling of the same signature bytes is refused (the mac text is compared, not decoded)", () => {
    // The 43rd base64url character carries 4 data bits and 2 spare bits:
    // setting a spare bit keeps the decoded bytes but changes the text.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = alphabet.indexOf(mac[42] ?? "");
    const respelled = mac.slice(0, 42) + alphabet[last | 1];
    expect(Buffer.from(respelled, "base64url").equals(Buffer.from(mac, "base64url"))).toBe(true);
    expect(respelled).not.toBe(mac);
    expect(s.valid(`${version}.${expiry}.${nonce}.${respelled}`)).toBe(false);
  });

  test("a wrong version is refused even when correctly signed", () => {
    expect(s.valid(sign(`v2.${T0 + HOUR}.${NONCE}`))).toBe(false);
    expect(s.valid(sign(`V1.${T0 + HOUR}.${NONCE}`))).toBe(false);
    expect(s.valid(`v2.${expiry}.${nonce}.${mac}`)).toBe(false);
  });

  test("correctly signed but malformed fields are refused", () => {
    expect(s.valid(sign(`v1.${T0 + HOUR}.${NONCE}A`))).toBe(false); // nonce too long
    expect(s.valid(sign(`v1.${T0 + HOUR}.${NONCE.slice(1)}`))).toBe(false); // nonce too short
    expect(s.valid(sign(`v1.${T0 + HOUR}.${NONCE.slice(1)}+`))).toBe(false); // not base64url
    expect(s.valid(sign(`v1.${(T0 + HOUR) / 1000}.${NONCE}`))).toBe(false); // fractional expiry
    expect(s.valid(sign(`v1.-${T0 + HOUR}.${NONCE}`))).toBe(false);
    expect(s.valid(sign(`v1.${T0 + HOUR}.${NONCE}`) + ".extra")).toBe(false);
  });

  test("truncated, empty, missing and garbage values", () => {
    expect(s.valid(good.slice(0, -1))).toBe(false);
    expect(s.valid(good.slice(0, good.lastIndexOf(".")))).toBe(false);
    expect(s.valid(good.slice(0, good.lastIndexOf(".") + 1))).toBe(false);
    expect(s.valid(good.slice(1))).toBe(false);
    expect(s.valid(` ${good}`)).toBe(false);
    expect(s.valid(`${good} `)).toBe(false);
    expect(s.valid("")).toBe(false);
    expect(s.valid(undefined)).toBe(false);
    expect(s.valid("...")).toBe(false);
    expect(s.valid("v1...")).toBe(false);
    expect(s.valid("garbage")).toBe(false);
    expect(s.valid("v1.é.ü.日本")).toBe(false);
    expect(s.valid("x".repeat(100_000))).toBe(false);
    expect(s.valid(`${good}${"A".repeat(200)}`)).toBe(false);
    // A caller that ignores the types still gets false, not an exception.
    expect(s.valid(42 as unknown as string)).toBe(false);
    expect(s.valid(null as unknown as string)).toBe(false);
  });
});

describe("expiry", () => {
  test("valid until the expiry instant, invalid from it on", () => {
    let now = T0;
    const s = store({ secret: SECRET, now: () => now, ttlMs: HOUR });
    const token = s.create();
    now = T0 + HOUR - 1;
    expect(s.valid(token)).toBe(true);
    now = T0 + HOUR;
    expect(s.valid(token)).toBe(false);
    now = T0 + 10 * HOUR;
    expect(s.valid(token)).toBe(false);
  });

  test("a signed expiry further ahead than ttl plus 5 minutes of clock skew is refused", () => {
    const s = store({ secret: SECRET, ttlMs: HOUR });
    const skew = 5 * 60 * 1000;
    expect(s.valid(sign(`v1.${T0 + HOUR + skew}.${NONCE}`))).toBe(true);
    expect(s.valid(sign(`v1.${T0 + HOUR + skew + 1}.${NONCE}`))).toBe(false);
    // So a store configured with a shorter ttl refuses longer-lived sessions.
    const long = store({ secret: SECRET, ttlMs: 10 * HOUR });
    expect(s.valid(long.create())).toBe(false);
  });
});

describe("logout", () => {
  test("a destroyed session is invalid on that store, still valid on another instance until it expires", () => {
    let now = T0;
    const a = store({ secret: SECRET, now: () => now });
    const b = store({ secret: SECRET, now: () => now });
    const token = a.create();
    const kept = a.create();
    a.destroy(token);
    expect(a.valid(token)).toBe(false);
    expect(a.valid(kept)).toBe(true);
    expect(b.valid(token)).toBe(true); // the documented limit of stateless sessions
    now = T0 + a.ttlMs;
    expect(b.valid(token)).toBe(false);
  });

  test("destroying garbage or nothing neither throws nor affects real sessions", () => {
    // With room for one revocation, recording any two of these would overflow
    // the set and fail closed, refusing the real session below.
    const s = store({ secret: SECRET, maxRevoked: 1 });
    const token = s.create();
    const forged = [NONCE, "B".repeat(24)].map((n) => `v1.${T0 + HOUR}.${n}.${"A".repeat(43)}`);
    for (const junk of [undefined, "", "garbage", ...forged, sign(`v1.${T0 + HOUR}.${NONCE}`, OTHER_SECRET)]) s.destroy(junk);
    expect(s.valid(token)).toBe(true);
  });

  test("revocations are dropped once expired, so the bound is not reached by old logouts", () => {
    let now = T0;
    const s = store({ secret: SECRET, now: () => now, ttlMs: HOUR, maxRevoked: 2 });
    s.destroy(s.create());
    s.destroy(s.create());
    now = T0 + HOUR; // both revoked sessions have expired
    const bystander = s.create();
    const first = s.create();
    const second = s.create();
    s.destroy(first);
    s.destroy(second);
    expect(s.valid(first)).toBe(false);
    expect(s.valid(second)).toBe(false);
    expect(s.valid(bystander)).toBe(true); // no overflow happened
  });

  test("when the revoked set is full of live entries, the store fails closed instead of forgetting one", () => {
    let now = T0;
    const s = store({ secret: SECRET, now: () => now, ttlMs: HOUR, maxRevoked: 2 });
    const bystander = s.create();
    now += 1;
    const logouts = [s.create(), s.create(), s.create()];
    for (const token of logouts) s.destroy(token);
    for (const token of logouts) expect(s.valid(token)).toBe(false);
    expect(s.valid(bystander)).toBe(false); // must log in again
    now += 1;
    const fresh = s.create();
    expect(s.valid(fresh)).toBe(true);
    s.destroy(fresh);
    expect(s.valid(fresh)).toBe(false);
  });
});

describe("options", () => {
  test("an empty secret or a non-positive ttl is a clear error", () => {
    expect(() => new SessionStore({ secret: "" })).toThrow("secret is empty");
    expect(() => new SessionStore({ ttlMs: 0 })).toThrow("ttlMs must be a positive whole number, got 0");
    expect(() => new SessionStore({ maxRevoked: 1.5 })).toThrow("maxRevoked must be a positive whole number, got 1.5");
  });
});
