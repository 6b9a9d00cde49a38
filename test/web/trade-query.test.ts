/**
 * The history's and the performance page's query strings (src/web/forms/trade-query.ts)
 * and the trade CSV (src/web/render/trades-csv.ts): defaults, blank fields,
 * UTC dates with an inclusive `to`, and a refusal for each bad value that
 * names its parameter; CSV quoting, full precision and ISO times.
 */
import { describe, expect, test } from "bun:test";
import { currentTradeMode, describeQueryIssues, parseHistoryQuery, parsePerformanceQuery } from "../../src/web/forms/trade-query.ts";
import { describe as describeTrade } from "../../src/store/trade-history.ts";
import type { TradeRecord } from "../../src/store/types.ts";
import { TRADES_CSV_COLUMNS, tradesCsv } from "../../src/web/render/trades-csv.ts";

const DAY = 86_400_000;

function refusal(raw: Record<string, string>): string {
  const parsed = parseHistoryQuery(raw, "dry-run");
  if (parsed.ok) throw new Error(`accepted ${JSON.stringify(raw)}`);
  return describeQueryIssues(parsed.issues);
}

describe("history query", () => {
  test("nothing given: the current mode, page 1 of 50, no other filter", () => {
    expect(parseHistoryQuery({}, "live")).toEqual({ ok: true, value: { filter: { mode: "live" }, mode: "live", page: 1, perPage: 50 } });
  });

  test("a GET form's blank fields mean any; mode=all drops the mode filter", () => {
    const parsed = parseHistoryQuery({ symbol: "", side: " ", reason: "", mode: "all", from: "", to: "", per_page: "" }, "dry-run");
    expect(parsed).toEqual({ ok: true, value: { filter: {}, mode: "all", page: 1, perPage: 50 } });
  });

  test("every filter, the symbol upper-cased, `to` as a date including that whole day", () => {
    const parsed = parseHistoryQuery({ symbol: "btcusdt", side: "short", reason: "stop-loss", mode: "live", from: "2026-03-01", to: "2026-03-05", page: "3", per_page: "25" }, "dry-run");
    expect(parsed).toEqual({
      ok: true,
      value: {
        filter: { symbol: "BTCUSDT", side: "short", reason: "stop-loss", mode: "live", from: Date.UTC(2026, 2, 1), to: Date.UTC(2026, 2, 5) + DAY },
        mode: "live",
        page: 3,
        perPage: 25,
      },
    });
  });

  test("times with a zone are exact instants; `to` then ends there", () => {
    const parsed = parseHistoryQuery({ from: "2026-03-01T12:30Z", to: "2026-03-01T16:00:00+02:00" }, "dry-run");
    expect(parsed.ok && parsed.value.filter).toEqual({ mode: "dry-run", from: Date.UTC(2026, 2, 1, 12, 30), to: Date.UTC(2026, 2, 1, 14) });
  });

  test("each bad value is refused naming its parameter and what it takes", () => {
    expect(refusal({ symbol: "bitcoin" })).toBe('symbol: must be a coin such as BTCUSDT (got "bitcoin")');
    expect(refusal({ side: "up" })).toBe('side: must be long or short (got "up")');
    expect(refusal({ reason: "luck" })).toStartWith("reason: must be one of take-profit, stop-loss, liquidation, kill-switch, emergency-stop, owner, exchange, end-of-test, other");
    expect(refusal({ mode: "paper" })).toBe('mode: must be live, dry-run or all (got "paper")');
    expect(refusal({ from: "yesterday" })).toBe('from: must be a UTC date such as 2026-03-01 or a time such as 2026-03-01T12:00Z (got "yesterday")');
    expect(refusal({ to: "2026-02-30" })).toStartWith("to: must be a UTC date");
    expect(refusal({ from: "2026-03-05", to: "2026-03-01" })).toStartWith("to: must be after from");
    expect(refusal({ page: "0" })).toBe('page: must be a whole number from 1 (got "0")');
    expect(refusal({ page: "2.5" })).toStartWith("page: must be a whole number");
    expect(refusal({ per_page: "501" })).toBe('per_page: must be a whole number from 1 to 500 (got "501")');
    expect(refusal({ coin: "BTCUSDT" })).toBe("coin: is not a parameter here (it takes symbol, side, reason, mode, from, to, page, per_page)");
  });

  test("several bad values are all listed", () => {
    expect(refusal({ side: "up", page: "x" }).split("; ").map((s) => s.split(":")[0])).toEqual(["side", "page"]);
  });
});

describe("performance query", () => {
  test("defaults to the current mode by day; live or dry-run only (never both)", () => {
    expect(parsePerformanceQuery({}, "dry-run")).toEqual({ ok: true, value: { mode: "dry-run", period: "day" } });
    expect(parsePerformanceQuery({ mode: "live", period: "month" }, "dry-run")).toEqual({ ok: true, value: { mode: "live", period: "month" } });
    const all = parsePerformanceQuery({ mode: "all" }, "dry-run");
    expect(!all.ok && describeQueryIssues(all.issues)).toBe('mode: must be live or dry-run (got "all")');
    const period = parsePerformanceQuery({ period: "year" }, "dry-run");
    expect(!period.ok && describeQueryIssues(period.issues)).toBe('period: must be day, week or month (got "year")');
  });

  test("the current mode: the config's, or while paused the exchange last traded on", () => {
    expect(currentTradeMode({ config: { mode: "live" }, exchange: "coinex" })).toBe("live");
    expect(currentTradeMode({ config: { mode: "dry-run" }, exchange: "paper" })).toBe("dry-run");
    expect(currentTradeMode({ config: { mode: "paused" }, exchange: "coinex" })).toBe("live");
    expect(currentTradeMode({ config: { mode: "paused" }, exchange: "paper" })).toBe("dry-run");
  });
});

describe("trade CSV", () => {
  const record: TradeRecord = {
    id: 7, symbol: "BTCUSDT", side: "long", size: 0.0123, entry_price: 61626.49784999999, exit_price: 61900.1, fees: 0.7601234567,
    margin: 75.8, leverage: 10, funding: -0.0312, pnl: 20.401299794673477, opened_at: Date.UTC(2026, 2, 1, 10), closed_at: Date.UTC(2026, 2, 1, 12, 30, 15, 250),
    open_reason: 'long score 62 ≥ 45, "strong"', close_reason: "take profit 21.40 % ≥ 20 %", client_id: "c-7", exchange: "paper", mode: "dry-run",
  };

  test("a header row, then each trade at full precision with ISO times and quoted text", () => {
    const lines = tradesCsv([describeTrade(record)]).split("\n");
    expect(lines[0]).toBe(TRADES_CSV_COLUMNS.join(","));
    expect(lines[0]).toBe("id,symbol,side,mode,exchange,quantity,leverage,margin_usdt,entry_time,entry_price,exit_time,exit_price,duration_s,pnl_usdt,pnl_pct_of_margin,fees_usdt,funding_usdt,exit_category,close_reason,open_reason");
    expect(lines[1]).toBe(
      [
        "7,BTCUSDT,long,dry-run,paper,0.0123,10,75.8",
        "2026-03-01T10:00:00.000Z,61626.49784999999,2026-03-01T12:30:15.250Z,61900.1,9015.25",
        `20.401299794673477,${(20.401299794673477 / 75.8) * 100},0.7601234567,-0.0312,take-profit`,
        'take profit 21.40 % ≥ 20 %,"long score 62 ≥ 45, ""strong"""',
      ].join(","),
    );
    expect(lines[2]).toBe("");
    expect(lines.length).toBe(3);
  });

  test("values the record does not have are empty cells", () => {
    const row = tradesCsv([describeTrade({ ...record, margin: null, leverage: null })]).split("\n")[1]!.split(",");
    expect(row[TRADES_CSV_COLUMNS.indexOf("leverage")]).toBe("");
    expect(row[TRADES_CSV_COLUMNS.indexOf("margin_usdt")]).toBe("");
    expect(row[TRADES_CSV_COLUMNS.indexOf("pnl_pct_of_margin")]).toBe("");
  });
});
