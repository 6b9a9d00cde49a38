/**
 * The CoinEx v2 HTTP transport: signing, clock-skew correction, client-side
 * rate limits, timeouts and the response envelope. It knows nothing of what
 * the endpoints mean; coinex-client.ts does.
 *
 * Signing rule kept here in one place: the query string and the JSON body are
 * serialised once, and those exact strings are both signed and sent.
 */
import type { z } from "zod";
import { logger } from "../log.ts";
import { CLOCK_SKEW_CODES, coinexError } from "./coinex-errors.ts";
import { EnvelopeSchema, parseData, ServerTimeSchema } from "./coinex-schemas.ts";
import { signRequest } from "./coinex-signing.ts";
import { type Clock, type RateGroup, RateLimiter } from "./rate-limiter.ts";
import { ExchangeError } from "./types.ts";

const log = logger("exchange.coinex");

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface CoinexHttpOptions {
  baseUrl: string;
  accessId: string;
  secretKey: string;
  fetch: FetchLike;
  clock: Clock;
  timeoutMs: number;
}

export interface CoinexCall {
  method: "GET" | "POST";
  /** Relative to the base URL, e.g. "/futures/order". */
  path: string;
  /** Sent in this key order; undefined values are left out. */
  query?: Record<string, string | number | undefined>;
  body?: Record<string, unknown>;
  signed: boolean;
  group: RateGroup;
}

export interface CoinexReply<T> {
  data: T;
  hasNext: boolean;
}

const EXCERPT_CHARS = 160;

export class CoinexHttp {
  private readonly baseUrl: string;
  /** The base URL's path ("/v2"), which CoinEx includes in the signed string. */
  private readonly basePath: string;
  private readonly limiter: RateLimiter;
  private clockOffsetMs = 0;
  private clockSynced = false;
  private clockSync: Promise<void> | null = null;

  constructor(private readonly options: CoinexHttpOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new Error(`COINEX_BASE_URL ${JSON.stringify(options.baseUrl)} is not a URL (expected e.g. https://api.coinex.com/v2)`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`COINEX_BASE_URL must be http(s), got ${url.protocol}`);
    if (url.search || url.hash) throw new Error("COINEX_BASE_URL must not contain a query or fragment");
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.basePath = url.pathname.replace(/\/+$/, "");
    this.limiter = new RateLimiter(options.clock);
  }

  /** Local clock + this = CoinEx server time (ms), as last measured. */
  get clockOffset(): number {
    return this.clockOffsetMs;
  }

  async call<S extends z.ZodType>(call: CoinexCall, schema: S): Promise<CoinexReply<z.output<S>>> {
    if (call.signed && !this.clockSynced) await this.syncClock();
    try {
      return await this.send(call, schema);
    } catch (error) {
      if (!(call.signed && error instanceof ExchangeError && typeof error.code === "number" && CLOCK_SKEW_CODES.has(error.code))) {
        throw error;
      }
      // An expired request was not executed, so one retry after re-measuring the clock is safe.
      log.warn("CoinEx said the request expired; re-measuring the clock offset and retrying once", { code: error.code });
      await this.syncClock(true);
      return this.send(call, schema);
    }
  }

  /** Measures the offset to CoinEx server time with GET /time (concurrent callers share one measurement). */
  syncClock(force = false): Promise<void> {
    if (this.clockSynced && !force) return Promise.resolve();
    if (!this.clockSync) {
      this.clockSync = this.measureClock().finally(() => {
        this.clockSync = null;
      });
    }
    return this.clockSync;
  }

  private async measureClock(): Promise<void> {
    const before = this.options.clock.now();
    const reply = await this.send({ method: "GET", path: "/time", signed: false, group: "public" }, ServerTimeSchema);
    const after = this.options.clock.now();
    const offset = Math.round(reply.data.timestamp - (before + after) / 2);
    if (offset !== this.clockOffsetMs || !this.clockSynced) {
      if (Math.abs(offset) > 1000) log.warn("local clock differs from CoinEx server time; correcting", { offset_ms: offset });
      this.clockOffsetMs = offset;
    }
    this.clockSynced = true;
  }

  private async send<S extends z.ZodType>(call: CoinexCall, schema: S): Promise<CoinexReply<z.output<S>>> {
    const what = `${call.method} ${call.path}`;
    const queryString = call.query ? toQueryString(call.query) : "";
    const pathWithQuery = call.path + (queryString ? `?${queryString}` : "");
    const bodyText = call.body === undefined ? "" : JSON.stringify(call.body);

    const headers = await this.limiter.admit(call.group, () => {
      const result: Record<string, string> = { Accept: "application/json" };
      if (call.method === "POST") result["Content-Type"] = "application/json";
      if (call.signed) {
        const timestamp = String(Math.round(this.options.clock.now() + this.clockOffsetMs));
        result["X-COINEX-KEY"] = this.options.accessId;
        result["X-COINEX-TIMESTAMP"] = timestamp;
        result["X-COINEX-SIGN"] = signRequest(call.method, this.basePath + pathWithQuery, bodyText, timestamp, this.options.secretKey);
      }
      return result;
    });

    let response: Response;
    let text: string;
    try {
      response = await this.options.fetch(this.baseUrl + pathWithQuery, {
        method: call.method,
        headers,
        body: call.method === "POST" ? bodyText : undefined,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw this.transportError(call, error);
    }

    const contentType = response.headers.get("content-type") ?? "";
    if (!contentType.toLowerCase().includes("json")) {
      throw new ExchangeError(
        `CoinEx ${what} answered HTTP ${response.status} with ${contentType || "no content type"}, not JSON: ${this.excerpt(text)}`,
        response.ok ? "bad_response" : `http_${response.status}`,
        response.status >= 500 || response.status === 429,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ExchangeError(
        `CoinEx ${what} answered HTTP ${response.status} with malformed JSON: ${this.excerpt(text)}`,
        response.ok ? "bad_response" : `http_${response.status}`,
        response.status >= 500,
      );
    }
    const envelope = EnvelopeSchema.safeParse(json);
    if (!envelope.success) {
      const issue = envelope.error.issues[0];
      const field = issue ? issue.path.map(String).join(".") || "(root)" : "(root)";
      throw new ExchangeError(
        `CoinEx ${what} answered HTTP ${response.status} without the {code, data, message} envelope (${field}: ${issue?.message ?? "invalid"}): ${this.excerpt(text)}`,
        response.ok ? "bad_response" : `http_${response.status}`,
        response.status >= 500,
      );
    }
    if (envelope.data.code !== 0) throw coinexError(envelope.data.code, this.redact(envelope.data.message), what);
    if (!response.ok) {
      throw new ExchangeError(`CoinEx ${what} answered HTTP ${response.status}: ${this.excerpt(text)}`, `http_${response.status}`, response.status >= 500);
    }
    return {
      data: parseData(schema, envelope.data.data, what),
      hasNext: envelope.data.pagination?.has_next ?? false,
    };
  }

  private transportError(call: CoinexCall, error: unknown): ExchangeError {
    const what = `${call.method} ${call.path}`;
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    // For a POST the request may have reached CoinEx: the outcome is unknown.
    const unknownOutcome = call.method === "POST" ? "; it may or may not have been executed: check positions before retrying" : "";
    if (timedOut) {
      return new ExchangeError(`CoinEx ${what} got no answer within ${this.options.timeoutMs} ms${unknownOutcome}`, "timeout", true);
    }
    const reason = error instanceof Error ? error.message : String(error);
    return new ExchangeError(`CoinEx ${what} could not be sent (${this.redact(reason).slice(0, 200)})${unknownOutcome}`, "network", true);
  }

  /** A short, single-line, credential-free excerpt of a response body for error messages. */
  private excerpt(text: string): string {
    const flat = this.redact(text).replace(/\s+/g, " ").trim();
    if (!flat) return "(empty body)";
    return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat;
  }

  private redact(text: string): string {
    let out = text;
    for (const secret of [this.options.secretKey, this.options.accessId]) {
      if (secret) out = out.split(secret).join("***");
    }
    return out;
  }
}

/** key=value pairs in the given order, URL-encoded; this exact text is both signed and sent. */
function toQueryString(query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.append(key, String(value));
  return params.toString();
}
