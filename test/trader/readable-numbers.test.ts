/**
 * Numbers in text written for people (issue 12, item 3): a realistic dry-run
 * on the real server — open, close from the page and the API, the cycle's own
 * stop-loss, the exchange-side stops, close all, emergency stop — and every
 * text it produced (activity log, trader events, flash lines, API messages,
 * the /trader page) is scanned: no raw float anywhere (`@ 61626.49784999999`,
 * `P&L 20.401299794673477`), money with 2 decimals, prices at the market's
 * precision. JSON number fields keep full precision (checked too).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, waitFor, type TestServer } from "../helpers/server.ts";

let server: TestServer;
const events: string[] = [];
const flashes: string[] = [];
const apiTexts: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  server.controller.onEvent((event) => events.push(event.message));
}, 30_000);

afterAll(async () => {
  await server?.close();
}, 30_000);

/** A page form post as htmx sends it; the flash line is the answer's first element. */
async function pageForm(path: string, fields: Record<string, string>): Promise<void> {
  const response = await fetch(server.url + path, {
    method: "POST",
    body: new URLSearchParams(fields).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded", origin: server.url, "hx-request": "true" },
  });
  const html = await response.text();
  const flash = /<p class="flash [a-z]+">([^<]*)<\/p>/.exec(html)?.[1];
  expect(flash).toBeDefined();
  flashes.push(decode(flash ?? ""));
}

/** A JSON API call; its `message` and `error` strings are texts for people. */
async function apiCall(path: string, body: unknown): Promise<any> {
  const answer = await server.post(`/api/trader${path}`, body);
  for (const key of ["message", "error"]) if (typeof answer.body?.[key] === "string") apiTexts.push(answer.body[key]);
  return answer.body;
}

function decode(html: string): string {
  return html.replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'");
}

function pageText(html: string): string {
  return decode(html.replace(/<script[\s\S]*?<\/script>/g, " ").replace(/<[^>]+>/g, " ")).replace(/\s+/g, " ");
}

const decimalsOf = (number: string) => (number.includes(".") ? number.split(".")[1]!.length : 0);

describe("numbers in text after a realistic dry-run", () => {
  test("no raw floats; money with 2 decimals; prices at the market's precision; JSON keeps full precision", async () => {
    // Any market signal is a long (thresholds), three at a time.
    await apiCall("/config", { long_threshold: 0, short_threshold: 130, max_positions: 3 });
    await apiCall("/mode", { mode: "dry-run" });
    const cycle = await apiCall("/control", { action: "run-cycle" });
    expect(cycle.data.actions.filter((a: string) => a.startsWith("opened"))).toHaveLength(3);
    const [first, second] = server.controller.status().positions;
    await pageForm("/trader/close-position", { symbol: first!.symbol });
    const closed = await apiCall("/close-position", { symbol: second!.symbol });
    // Full precision stays in the JSON number fields.
    expect(typeof closed.data.pnl).toBe("number");
    expect(typeof closed.data.price).toBe("number");
    // Take-profit and stop-loss so tight that any move reaches one: the exchange-side stops
    // (set, or refused as "would trigger at once") or the cycle's own check closes the last one.
    await apiCall("/config", { sl_pct: 0.1, tp_pct: 0.1, max_positions: 0 });
    await waitFor("the last position closed by a take-profit or stop-loss", async () => {
      if (server.controller.status().positions.length === 0) return true;
      await apiCall("/control", { action: "run-cycle" });
      return false;
    }, 20_000, 100);
    await pageForm("/trader/config", { tp_pct: "", sl_pct: "", max_positions: "3" });
    await apiCall("/control", { action: "run-cycle" });
    expect(server.controller.status().positions.length).toBeGreaterThan(0);
    await pageForm("/trader/close-all", { scope: "all" });
    await apiCall("/control", { action: "run-cycle" });
    await apiCall("/control", { action: "emergency-stop" });
    await apiCall("/control", { action: "clear-lockfile" });

    const logs = (await server.get("/api/trader/logs?limit=1000")).body.entries.map((e: { message: string }) => e.message);
    const page = pageText((await (await fetch(`${server.url}/trader`)).text()));
    const texts: string[] = [...logs, ...events, ...flashes, ...apiTexts, page];
    // The run did what the scan is meant to cover.
    const all = texts.join("\n");
    for (const needed of ["Opened long", "Closed long", "P&L", "Exchange stops for", "position(s), P&L", "Emergency stop"]) expect(all).toContain(needed);
    expect(all).toMatch(/take profit|stop loss|stop-loss on the exchange|take-profit on the exchange/);

    const problems: string[] = [];
    for (const text of texts) {
      // 1. A raw float: more decimals than any formatter writes.
      for (const m of text.matchAll(/\d\.\d{9,}/g)) problems.push(`raw float ${m[0]} in: ${text.slice(0, 200)}`);
      // 2. Money: P&L and USDT amounts with 2 decimals.
      for (const m of text.matchAll(/P&L [+−-]?([\d,]+(?:\.\d+)?)/g)) if (decimalsOf(m[1]!) !== 2) problems.push(`P&L ${m[1]} not 2 decimals in: ${text.slice(0, 200)}`);
      for (const m of text.matchAll(/([\d,]+\.\d+) USDT/g)) if (decimalsOf(m[1]!) !== 2) problems.push(`${m[1]} USDT not 2 decimals in: ${text.slice(0, 200)}`);
    }
    // 3. Prices where the trader or the exchange knew the market: at its price precision.
    for (const text of [...logs, ...events]) {
      const opened = /^Opened (?:long|short) ([A-Z0-9]+USDT) [\d.]+ @ ([\d,.]+) /.exec(text);
      const stops = /^Exchange stops for (?:long|short) ([A-Z0-9]+USDT): stop-loss ([\d,.]+|none), take-profit ([\d,.]+|none)/.exec(text);
      const refused = /(?:stop-loss|take-profit) ([\d,.]+) for the (?:long|short) ([A-Z0-9]+USDT) position must be \w+ the mark price ([\d,.]+)/.exec(text);
      const priced = opened ? [opened[1]!, opened[2]!] : stops ? [stops[1]!, stops[2]!, stops[3]!] : refused ? [refused[2]!, refused[1]!, refused[3]!] : null;
      if (!priced) continue;
      const [symbol, ...prices] = priced;
      const precision = (await server.paper.getMarketInfo(symbol!)).price_precision;
      for (const price of prices) if (price !== "none" && decimalsOf(price) !== precision) problems.push(`${symbol} price ${price} not at the market's ${precision} decimals in: ${text}`);
    }
    expect(problems).toEqual([]);
  }, 60_000);
});
