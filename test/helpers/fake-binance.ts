/**
 * A local stand-in for Binance US `GET /api/v3/klines` (Bun.serve on 127.0.0.1,
 * port 0), serving rows in the documented 12-element shape (exchange-api.md §4).
 *
 * Its market is a pure function of time: for interval `tf`, a candle exists for
 * every open time k·tf up to the clock's now; the newest one is forming
 * (closeTime = t + tf − 1 ≥ now). Prices are simple functions of k so tests can
 * derive expectations by hand (see `fakeCandle`).
 *
 * Switches: `mode` for persistent misbehaviour (429 + Retry-After, 418, 500, a 403
 * CloudFront HTML page, HTML with status 200, slow answers), `script` for one-off
 * replies consumed in order before `mode` applies, `failSymbols` for per-symbol
 * 500s, `usedWeight` for the X-MBX-USED-WEIGHT-1M header. Every request is
 * recorded with the clock's time at arrival.
 */
import type { Timeframe } from "../../src/market/candle.ts";
import { TIMEFRAME_MS } from "../../src/market/candle.ts";

export type FakeMode = "ok" | "429" | "418" | "500" | "403-html" | "html-200" | "slow";

export interface FakeReply {
  status: number;
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Real milliseconds to wait before answering. */
  delayMs?: number;
}

export interface RecordedRequest {
  path: string;
  symbol: string | null;
  interval: string | null;
  params: Record<string, string>;
  /** The fake's clock at arrival. */
  at: number;
}

export interface FakeBinanceOptions {
  /** Time source for the fake market and the request log (a test's manual clock). Default Date.now. */
  now?: () => number;
  /** Symbols the fake knows; others get 400 {"code":-1121,"msg":"Invalid symbol."}. Default: any. */
  symbols?: readonly string[];
}

/** CloudFront's geo-block page, shortened (as reported in python-binance#1413). */
export const CLOUDFRONT_403_HTML = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">
<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">
<TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY>
<H1>403 ERROR</H1><H2>The request could not be satisfied.</H2>
The Amazon CloudFront distribution is configured to block access from your country.
</BODY></HTML>`;

/** The documented example row from the Binance REST docs, byte for byte. */
export const DOCUMENTED_KLINE_ROW = `[1499040000000,"0.01634790","0.80000000","0.01575800","0.01577100","148976.11427815",1499644799999,"2434.19055334",308,"1756.87402397","28.46694368","17928899.62484339"]`;

const INTERVALS: Record<string, Timeframe> = { "5m": "5m", "1h": "1h", "4h": "4h" };

/**
 * The fake market's candle with open time `t`: k = t / tf, o = 100 + (k mod 50),
 * c = o + 0.5, h = c + 1, l = o − 1, v = 10 + (k mod 7). Same for every symbol.
 */
export function fakeCandle(interval: Timeframe, t: number): { t: number; o: number; h: number; l: number; c: number; v: number } {
  const k = Math.floor(t / TIMEFRAME_MS[interval]);
  const o = 100 + (k % 50);
  return { t, o, h: o + 1.5, l: o - 1, c: o + 0.5, v: 10 + (k % 7) };
}

function row(interval: Timeframe, t: number): unknown[] {
  const c = fakeCandle(interval, t);
  const closeTime = t + TIMEFRAME_MS[interval] - 1;
  const s = (x: number) => x.toFixed(8);
  return [t, s(c.o), s(c.h), s(c.l), s(c.c), s(c.v), closeTime, s(c.v * c.c), 42, s(c.v / 2), s((c.v / 2) * c.c), "0"];
}

export class FakeBinance {
  readonly requests: RecordedRequest[] = [];
  mode: FakeMode = "ok";
  /** One-off replies, used first, one per request. */
  readonly script: FakeReply[] = [];
  /** Retry-After (seconds) sent with 429/418 in `mode`; null sends none. */
  retryAfterSeconds: number | null = 1;
  /** Real delay of `slow` mode. */
  slowMs = 2000;
  /** Symbols answered with HTTP 500. */
  readonly failSymbols = new Set<string>();
  /** Answer as if startTime were absent (the newest `limit` rows), to send already-seen rows again. */
  ignoreStartTime = false;
  /** X-MBX-USED-WEIGHT-1M value to send, or null for none. Default: the number of requests so far. */
  usedWeight: ((requestCount: number) => number | null) = (count) => count;
  private server: ReturnType<typeof Bun.serve> | null = null;
  private readonly now: () => number;
  private readonly symbols: Set<string> | null;

  constructor(options: FakeBinanceOptions = {}) {
    this.now = options.now ?? Date.now;
    this.symbols = options.symbols ? new Set(options.symbols) : null;
  }

  get url(): string {
    if (!this.server) throw new Error("fake Binance US is not started");
    return `http://127.0.0.1:${this.server.port}`;
  }

  start(): this {
    this.server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (request) => this.handle(request) });
    return this;
  }

  stop(): void {
    this.server?.stop(true);
    this.server = null;
  }

  /** Requests for one symbol (and interval), in arrival order. */
  requestsFor(symbol: string, interval?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.symbol === symbol && (interval === undefined || r.interval === interval));
  }

  private async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const params = Object.fromEntries(url.searchParams);
    this.requests.push({
      path: url.pathname,
      symbol: url.searchParams.get("symbol"),
      interval: url.searchParams.get("interval"),
      params,
      at: this.now(),
    });
    const reply = this.script.shift() ?? this.modeReply(url);
    if (reply.delayMs) await Bun.sleep(reply.delayMs);
    const headers = new Headers(reply.headers);
    headers.set("content-type", reply.contentType ?? "application/json;charset=UTF-8");
    const used = this.usedWeight(this.requests.length);
    if (used !== null && !headers.has("x-mbx-used-weight-1m")) headers.set("x-mbx-used-weight-1m", String(used));
    return new Response(reply.body, { status: reply.status, headers });
  }

  private modeReply(url: URL): FakeReply {
    const retryAfter: Record<string, string> =
      this.retryAfterSeconds === null ? {} : { "retry-after": String(this.retryAfterSeconds) };
    switch (this.mode) {
      case "429":
        return { status: 429, body: '{"code":-1003,"msg":"Too many requests."}', headers: retryAfter };
      case "418":
        return { status: 418, body: '{"code":-1003,"msg":"Way too many requests; IP banned."}', headers: retryAfter };
      case "500":
        return { status: 500, body: '{"code":-1000,"msg":"An unknown error occurred."}' };
      case "403-html":
        return { status: 403, body: CLOUDFRONT_403_HTML, contentType: "text/html" };
      case "html-200":
        return { status: 200, body: "<html><body>Please sign in to the hotel Wi-Fi</body></html>", contentType: "text/html" };
      case "slow":
        return { ...this.klines(url), delayMs: this.slowMs };
      case "ok":
        return this.klines(url);
    }
  }

  private klines(url: URL): FakeReply {
    if (url.pathname !== "/api/v3/klines") return { status: 404, body: '{"code":-1,"msg":"not found"}' };
    const symbol = url.searchParams.get("symbol") ?? "";
    if (this.symbols && !this.symbols.has(symbol)) return { status: 400, body: '{"code":-1121,"msg":"Invalid symbol."}' };
    if (this.failSymbols.has(symbol)) return { status: 500, body: '{"code":-1000,"msg":"An unknown error occurred."}' };
    const interval = INTERVALS[url.searchParams.get("interval") ?? ""];
    if (!interval) return { status: 400, body: '{"code":-1120,"msg":"Invalid interval."}' };
    const limit = Number(url.searchParams.get("limit") ?? 500);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return { status: 400, body: '{"code":-1100,"msg":"Illegal characters found in parameter \'limit\'."}' };
    const size = TIMEFRAME_MS[interval];
    const newestK = Math.floor(this.now() / size);
    let lastK = newestK;
    const endTime = url.searchParams.get("endTime");
    if (endTime !== null) lastK = Math.min(lastK, Math.floor(Number(endTime) / size));
    const startTime = this.ignoreStartTime ? null : url.searchParams.get("startTime");
    let firstK: number;
    if (startTime !== null) {
      firstK = Math.ceil(Number(startTime) / size);
      lastK = Math.min(lastK, firstK + limit - 1);
    } else {
      firstK = lastK - limit + 1;
    }
    const rows: unknown[] = [];
    for (let k = Math.max(0, firstK); k <= lastK; k++) rows.push(row(interval, k * size));
    return { status: 200, body: JSON.stringify(rows) };
  }
}

/** Starts a fake Binance US on 127.0.0.1 with a free port. */
export function startFakeBinance(options: FakeBinanceOptions = {}): FakeBinance {
  return new FakeBinance(options).start();
}
