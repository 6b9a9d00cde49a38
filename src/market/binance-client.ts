/**
 * Binance US public klines client (`GET /api/v3/klines`, exchange-api.md §4).
 *
 * Why it is careful:
 * - Only Binance US. api.binance.com (global Binance) answers 451 from the US and is a
 *   different venue under different terms, so any *.binance.com base URL is refused
 *   at construction and redirects are never followed.
 * - Every request first waits for request weight (WeightLimiter) and for any pause
 *   the server ordered (429 / 418 Retry-After), shared by all callers of this client,
 *   so one rate-limited symbol pauses all of them instead of each hammering on.
 * - 429, 418 and 5xx are retried with back-off, honouring Retry-After (seconds);
 *   a wait longer than `maxRetryWaitMs` fails the request (and keeps the pause)
 *   rather than blocking the caller for minutes.
 * - 403 (WAF limit or a CloudFront geo-block HTML page), 451, other 4xx and any
 *   non-JSON body are errors carrying the status and the start of the body: they are
 *   never parsed as data. Content-type is checked before JSON.parse.
 * - Each attempt has its own timeout (AbortSignal), and a caller signal cancels it.
 */
import type { Timeframe } from "./candle.ts";
import type { Clock } from "./clock.ts";
import { systemClock } from "./clock.ts";
import { parseKlineRows, type KlineRow } from "./kline-rows.ts";
import { WeightLimiter } from "./weight-limiter.ts";

export const BINANCE_US_BASE_URL = "https://api.binance.us";

/** Documented weight of one `/api/v3/klines` request on Binance US. */
export const KLINES_WEIGHT = 1;

export type BinanceUsErrorKind =
  | "timeout"
  | "network"
  | "rate-limited"
  | "banned"
  | "server"
  | "refused"
  | "bad-request"
  | "bad-response"
  | "cancelled";

/** An error a trader can act on: what happened, the HTTP status if any, and whether retrying may help. */
export class BinanceUsError extends Error {
  constructor(
    message: string,
    readonly kind: BinanceUsErrorKind,
    readonly status: number | null = null,
    /** For 429/418: how long the server asked us to wait (ms), when it said. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = "BinanceUsError";
  }
}

export interface BinanceUsClientOptions {
  /** Default https://api.binance.us. Any *.binance.com host is refused. */
  baseUrl?: string;
  /** Timeout of one HTTP attempt in ms. Default 10 000. */
  timeoutMs?: number;
  /** Retries after the first attempt for 429/418/5xx/timeouts/network errors. Default 4. */
  maxRetries?: number;
  /** First back-off wait (doubled each retry) when no Retry-After is given. Default 1000 ms. */
  backoffBaseMs?: number;
  /** Longest back-off wait. Default 30 000 ms. */
  backoffMaxMs?: number;
  /** A Retry-After longer than this fails the request instead of waiting. Default 60 000 ms. */
  maxRetryWaitMs?: number;
  /** Shared weight budget; default a new WeightLimiter (1200 per minute). */
  limiter?: WeightLimiter;
  clock?: Clock;
  /** For tests that need to observe or replace the transport. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
}

export interface KlinesRequest {
  /** 1–1000; Binance's default is 500. */
  limit?: number;
  startTime?: number;
  endTime?: number;
  /** Cancels waits and the HTTP attempt (e.g. when the market source stops). */
  signal?: AbortSignal;
  /** Overrides `maxRetries` for this call (the start-up probe uses 0). */
  retries?: number;
  /** Overrides `timeoutMs` for this call. */
  timeoutMs?: number;
}

/** Parses and checks a base URL; throws for anything that is not an http(s) URL of a non-binance.com host. */
export function checkBinanceUsBaseUrl(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error(`Binance US base URL ${JSON.stringify(baseUrl)} is not a valid URL (expected e.g. ${BINANCE_US_BASE_URL})`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new Error(`Binance US base URL ${JSON.stringify(baseUrl)} must be http(s), not ${url.protocol}`);
  }
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  if (host === "binance.com" || host.endsWith(".binance.com")) {
    throw new Error(
      `Refusing market-data base URL ${JSON.stringify(baseUrl)}: ${host} is global Binance, not Binance US. ` +
        `It is geo-blocked from the US (HTTP 451) and is not the venue this suite uses; use ${BINANCE_US_BASE_URL}.`,
    );
  }
  return url;
}

export class BinanceUsClient {
  readonly baseUrl: string;
  readonly limiter: WeightLimiter;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly maxRetryWaitMs: number;
  private readonly clock: Clock;
  private readonly fetchImpl: (input: string, init: RequestInit) => Promise<Response>;
  /** No request leaves before this time (set by 429 / 418). */
  private pausedUntil = 0;
  private pauseReason = "";

  constructor(options: BinanceUsClientOptions = {}) {
    const url = checkBinanceUsBaseUrl(options.baseUrl ?? BINANCE_US_BASE_URL);
    this.baseUrl = url.toString().replace(/\/+$/, "");
    this.clock = options.clock ?? systemClock;
    this.limiter = options.limiter ?? new WeightLimiter({ clock: this.clock });
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxRetries = options.maxRetries ?? 4;
    this.backoffBaseMs = options.backoffBaseMs ?? 1000;
    this.backoffMaxMs = options.backoffMaxMs ?? 30_000;
    this.maxRetryWaitMs = options.maxRetryWaitMs ?? 60_000;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** Klines for `symbol`, oldest first, validated. The newest row may be the forming bar (see splitClosed). */
  async klines(symbol: string, interval: Timeframe, request: KlinesRequest = {}): Promise<KlineRow[]> {
    if (!/^[A-Z0-9]{2,30}$/.test(symbol)) {
      throw new BinanceUsError(`klines: symbol ${JSON.stringify(symbol)} must be upper-case letters/digits like BTCUSDT`, "bad-request");
    }
    const params = new URLSearchParams({ symbol, interval });
    if (request.limit !== undefined) {
      if (!Number.isInteger(request.limit) || request.limit < 1 || request.limit > 1000) {
        throw new BinanceUsError(`klines: limit must be a whole number 1–1000, got ${request.limit}`, "bad-request");
      }
      params.set("limit", String(request.limit));
    }
    if (request.startTime !== undefined) params.set("startTime", String(request.startTime));
    if (request.endTime !== undefined) params.set("endTime", String(request.endTime));
    const where = `Binance US klines ${symbol} ${interval}`;
    const body = await this.getJson("/api/v3/klines", params, where, request);
    try {
      return parseKlineRows(body, where);
    } catch (error) {
      throw new BinanceUsError((error as Error).message, "bad-response", 200);
    }
  }

  private async getJson(path: string, params: URLSearchParams, where: string, request: KlinesRequest): Promise<unknown> {
    const url = `${this.baseUrl}${path}?${params}`;
    const retries = request.retries ?? this.maxRetries;
    const signal = request.signal;
    for (let attempt = 0; ; attempt++) {
      await this.waitWhilePaused(where, signal);
      await this.limiter.acquire(KLINES_WEIGHT, signal).catch((error: Error) => {
        throw new BinanceUsError(`${where}: ${error.message}`, "cancelled");
      });
      const failure = await this.attempt(url, where, request);
      if (!(failure instanceof BinanceUsError)) return failure.body;
      const retryIn = this.retryDelay(failure, attempt, retries);
      if (retryIn === null) throw failure;
      if (failure.kind !== "rate-limited" && failure.kind !== "banned") {
        await this.clock.sleep(retryIn, signal);
      }
      if (signal?.aborted) throw new BinanceUsError(`${where}: cancelled`, "cancelled");
    }
  }

  /** One HTTP attempt: the decoded JSON body, or the error describing why not. */
  private async attempt(url: string, where: string, request: KlinesRequest): Promise<{ body: unknown } | BinanceUsError> {
    const timeoutMs = request.timeoutMs ?? this.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(url, { signal, redirect: "manual", headers: { accept: "application/json" } });
      text = await response.text();
    } catch (error) {
      if (request.signal?.aborted) return new BinanceUsError(`${where}: cancelled`, "cancelled");
      if (timeout.aborted) return new BinanceUsError(`${where}: no answer within ${timeoutMs} ms`, "timeout");
      return new BinanceUsError(`${where}: cannot reach ${this.baseUrl} (${(error as Error).message})`, "network");
    }
    const used = Number(response.headers.get("x-mbx-used-weight-1m"));
    if (response.headers.has("x-mbx-used-weight-1m") && Number.isFinite(used)) {
      this.limiter.observeServerUsedWeight(used);
    }
    const status = response.status;
    const contentType = response.headers.get("content-type") ?? "(none)";
    if (status === 200) {
      if (!/^application\/json\b/i.test(contentType)) {
        return new BinanceUsError(
          `${where}: expected JSON but got ${contentType} (HTTP 200): ${snippet(text)}`,
          "bad-response",
          status,
        );
      }
      try {
        return { body: JSON.parse(text) };
      } catch {
        return new BinanceUsError(`${where}: the JSON body does not parse: ${snippet(text)}`, "bad-response", status);
      }
    }
    return this.describeFailure(response, status, contentType, text, where);
  }

  private describeFailure(response: Response, status: number, contentType: string, text: string, where: string): BinanceUsError {
    const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), this.clock.now());
    if (status === 429 || status === 418) {
      const banned = status === 418;
      // Without Retry-After: 429 backs off normally; 418 assumes the documented minimum ban of 2 minutes.
      const waitMs = retryAfterMs ?? (banned ? 120_000 : null);
      if (waitMs !== null) this.pauseUntil(this.clock.now() + waitMs, banned ? "IP banned (HTTP 418)" : "rate limited (HTTP 429)");
      return new BinanceUsError(
        banned
          ? `${where}: Binance US banned this IP for sending too many requests (HTTP 418)` +
              (waitMs !== null ? `; retry after ${Math.ceil(waitMs / 1000)} s` : "")
          : `${where}: Binance US rate limit exceeded (HTTP 429)` +
              (retryAfterMs !== null ? `; Retry-After ${Math.ceil(retryAfterMs / 1000)} s` : ""),
        banned ? "banned" : "rate-limited",
        status,
        waitMs,
      );
    }
    if (status >= 500) {
      return new BinanceUsError(`${where}: Binance US server error (HTTP ${status}): ${snippet(text)}`, "server", status);
    }
    if (status === 403) {
      return new BinanceUsError(
        `${where}: Binance US refused access (HTTP 403, ${contentType}): a geo-block (e.g. CloudFront "configured to block access from your country") or the WAF limit. Body starts: ${snippet(text)}`,
        "refused",
        status,
      );
    }
    if (status === 451) {
      return new BinanceUsError(`${where}: unavailable from this location (HTTP 451): ${snippet(text)}`, "refused", status);
    }
    if (status >= 300 && status < 400) {
      return new BinanceUsError(
        `${where}: answered with a redirect (HTTP ${status} to ${response.headers.get("location") ?? "?"}), which is not followed`,
        "bad-response",
        status,
      );
    }
    // Other 4xx: Binance's JSON error {code, msg} when it is JSON, the raw start otherwise.
    let detail = snippet(text);
    if (/^application\/json\b/i.test(contentType)) {
      try {
        const parsed = JSON.parse(text) as { code?: unknown; msg?: unknown };
        if (typeof parsed.msg === "string") detail = `code ${String(parsed.code)}: ${parsed.msg}`;
      } catch {
        // keep the raw snippet
      }
    }
    return new BinanceUsError(`${where}: Binance US rejected the request (HTTP ${status}) ${detail}`, "bad-request", status);
  }

  /** ms to wait before the next attempt, or null when the error is final. */
  private retryDelay(error: BinanceUsError, attempt: number, retries: number): number | null {
    const retryable = ["timeout", "network", "rate-limited", "banned", "server"].includes(error.kind);
    if (!retryable || attempt >= retries) return null;
    if (error.kind === "rate-limited" || error.kind === "banned") {
      const ordered = error.retryAfterMs;
      if (ordered !== null) return ordered > this.maxRetryWaitMs ? null : ordered;
      // 429 without Retry-After: pause everyone for the back-off delay.
      const delay = this.backoff(attempt);
      this.pauseUntil(this.clock.now() + delay, "rate limited (HTTP 429)");
      return delay;
    }
    return this.backoff(attempt);
  }

  private backoff(attempt: number): number {
    return Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** attempt);
  }

  private pauseUntil(until: number, reason: string): void {
    if (until > this.pausedUntil) {
      this.pausedUntil = until;
      this.pauseReason = reason;
    }
  }

  /** Waits out a server-ordered pause; fails fast if it is longer than `maxRetryWaitMs`. */
  private async waitWhilePaused(where: string, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const waitMs = this.pausedUntil - this.clock.now();
      if (waitMs <= 0) return;
      if (waitMs > this.maxRetryWaitMs) {
        throw new BinanceUsError(
          `${where}: not sent, Binance US requests are paused until ${new Date(this.pausedUntil).toISOString()} (${this.pauseReason})`,
          this.pauseReason.includes("418") ? "banned" : "rate-limited",
        );
      }
      await this.clock.sleep(waitMs, signal);
      if (signal?.aborted) throw new BinanceUsError(`${where}: cancelled`, "cancelled");
    }
  }
}

/** Retry-After as ms: delta-seconds (Binance's form) or an HTTP date; null if absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number): number | null {
  if (header === null) return null;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** The first 160 characters of a body, whitespace collapsed, for error messages. */
function snippet(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat === "") return "(empty body)";
  return JSON.stringify(flat.length > 160 ? flat.slice(0, 157) + "..." : flat);
}
