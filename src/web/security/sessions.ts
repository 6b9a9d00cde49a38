/**
 * Login sessions that any dashboard instance sharing DASHBOARD_TOKEN accepts,
 * with no shared storage: the HttpOnly, SameSite=Strict cookie holds a signed
 * token `v1.<expiry ms>.<nonce>.<mac>`, where mac = HMAC-SHA256 over
 * `v1.<expiry ms>.<nonce>` keyed by a key derived from the secret (scrypt of
 * DASHBOARD_TOKEN, never the token itself). The token never travels after
 * login, and the cookie reveals nothing but its own expiry.
 *
 * Why scrypt rather than a plain hash: a stolen cookie lets anyone test token
 * guesses offline against its mac; the slow derivation (about 75 ms, done once
 * per secret per process) makes each guess cost that much instead of a
 * microsecond. A random DASHBOARD_TOKEN of 16+ characters stays the real defence.
 *
 * Revocation, and what it cannot do:
 * - Logout revokes the cookie on THIS instance only (a bounded local set,
 *   entries dropped once they expire). The same cookie stays valid on the
 *   other instances behind the proxy until its expiry (ttlMs, 12 h by default).
 * - Changing DASHBOARD_TOKEN (and restarting) revokes every session on every
 *   instance, because the signing key changes.
 * - Without a secret (tests, or no token configured) a random per-process key
 *   is used: sessions then live and die with this one process, as before.
 *
 * There is no cap on live sessions any more (the old `maxSessions`): they live
 * in browsers, not here, so no instance can count them. What still needs a
 * bound is memory, so `maxRevoked` caps the revoked set; should it fill with
 * unexpired entries, this instance fails closed (see `revoke`).
 *
 * Expiry is checked against each instance's own clock, so clock skew between
 * instances lengthens or shortens a session by that skew.
 *
 * Failed logins are throttled per client address by login-throttle.ts, not here.
 */
import { createHmac, randomBytes, scryptSync, timingSafeEqual } from "node:crypto";
import { logger } from "../../log.ts";

export const SESSION_COOKIE = "dash_session";

const log = logger("sessions");

const VERSION = "v1";
const KEY_LABEL = "dashboard-session-v1";
/** 18 bytes encode to exactly 24 base64url characters, no padding bits. */
const NONCE_BYTES = 18;
const NONCE_PATTERN = /^[A-Za-z0-9_-]{24}$/;
/** HMAC-SHA256 = 32 bytes = 43 base64url characters. */
const MAC_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** Positive integer milliseconds without leading zeros, below 1e15 (a safe integer). */
const EXPIRY_PATTERN = /^[1-9][0-9]{0,14}$/;
/** Anything longer than a real token is refused before any parsing. */
const MAX_TOKEN_LENGTH = 128;
/** Expiries further ahead than ttl + this are refused (another instance's clock may run ahead). */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
/** scrypt cost: N = 2^15, r = 8 needs 32 MiB and about 75 ms once per secret. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export interface SessionOptions {
  /**
   * Shared secret (DASHBOARD_TOKEN): every instance given the same secret
   * accepts the others' sessions. Omitted: a random per-process key.
   */
  secret?: string;
  ttlMs?: number;
  /** Revoked (logged-out) sessions remembered until they expire; bounds memory. */
  maxRevoked?: number;
  now?: () => number;
}

let derivedCache: { secret: string; key: Buffer } | null = null;

/** The signing key for a secret; remembered for the last secret so each app start pays scrypt once. */
function deriveKey(secret: string): Buffer {
  if (derivedCache?.secret === secret) return derivedCache.key;
  const key = scryptSync(secret, KEY_LABEL, 32, SCRYPT);
  derivedCache = { secret, key };
  return key;
}

interface ParsedToken {
  expires: number;
  nonce: string;
}

export class SessionStore {
  readonly ttlMs: number;
  private readonly key: Buffer;
  /** nonce → expiry of sessions logged out on this instance. */
  private readonly revoked = new Map<string, number>();
  /** After an overflow of `revoked`: every session expiring at or before this is refused here. */
  private revokedThrough = 0;
  private readonly maxRevoked: number;
  private readonly now: () => number;

  constructor(options: SessionOptions = {}) {
    if (options.secret !== undefined && options.secret.length === 0) {
      throw new Error("SessionStore: secret is empty; pass the DASHBOARD_TOKEN or omit secret for a per-process key");
    }
    this.ttlMs = positiveInteger(options.ttlMs ?? 12 * 60 * 60 * 1000, "ttlMs");
    this.maxRevoked = positiveInteger(options.maxRevoked ?? 10_000, "maxRevoked");
    this.now = options.now ?? Date.now;
    this.key = options.secret === undefined ? randomBytes(32) : deriveKey(options.secret);
  }

  /** A new signed session token, valid for ttlMs on every instance sharing the secret. */
  create(): string {
    const payload = `${VERSION}.${Math.floor(this.now()) + this.ttlMs}.${randomBytes(NONCE_BYTES).toString("base64url")}`;
    return `${payload}.${this.mac(payload)}`;
  }

  /** True for a well-formed, correctly signed, unexpired, unrevoked token. Never throws. */
  valid(token: string | undefined): boolean {
    return this.verify(token) !== null;
  }

  /** Logout: this instance refuses the token from now on (other instances keep accepting it until expiry). */
  destroy(token: string | undefined): void {
    // Only genuine sessions are remembered, so forged cookies posted to
    // /logout cannot fill the set and push real revocations out.
    const parsed = this.verify(token);
    if (parsed !== null) this.revoke(parsed);
  }

  private mac(payload: string): string {
    return createHmac("sha256", this.key).update(payload, "utf8").digest("base64url");
  }

  private verify(token: string | undefined): ParsedToken | null {
    if (typeof token !== "string" || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
    const parts = token.split(".");
    if (parts.length !== 4) return null;
    const [version, expiryText, nonce, mac] = parts as [string, string, string, string];
    if (version !== VERSION || !EXPIRY_PATTERN.test(expiryText) || !NONCE_PATTERN.test(nonce) || !MAC_PATTERN.test(mac)) return null;
    // Compare the base64url texts, not decoded bytes: the 43rd character has
    // two spare bits, and decoding would accept four spellings of one mac.
    const expected = Buffer.from(this.mac(`${version}.${expiryText}.${nonce}`), "ascii");
    const given = Buffer.from(mac, "ascii");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const expires = Number(expiryText);
    const now = this.now();
    if (expires <= now || expires > now + this.ttlMs + MAX_CLOCK_SKEW_MS) return null;
    if (expires <= this.revokedThrough || this.revoked.has(nonce)) return null;
    return { expires, nonce };
  }

  private revoke(session: ParsedToken): void {
    const now = this.now();
    for (const [nonce, expires] of this.revoked) if (expires <= now) this.revoked.delete(nonce);
    if (this.revoked.size >= this.maxRevoked) {
      // Full of live revocations: fail closed rather than forget one. Refuse
      // every session expiring no later than the latest revoked one (which
      // covers them all), then start an empty set. Other sessions on this
      // instance must log in again; that is the price of bounded memory.
      // (A login in the same millisecond, or a revoked cookie from an instance
      // whose clock runs ahead, can push this past new logins by that much.)
      let latest = session.expires;
      for (const expires of this.revoked.values()) latest = Math.max(latest, expires);
      this.revokedThrough = Math.max(this.revokedThrough, latest);
      this.revoked.clear();
      log.warn("revoked-session list full: refusing every session issued so far on this instance; users must log in again", { maxRevoked: this.maxRevoked });
      return;
    }
    this.revoked.set(session.nonce, session.expires);
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`SessionStore: ${name} must be a positive whole number, got ${value}`);
  return value;
}
