/**
 * The scanner's sort and filter (src/web/render/scanner-query.ts): the URL's
 * query read and checked (a bad value is refused naming its parameter), its
 * canonical spelling, and the ordered, filtered list of coins it selects.
 * Expected orders are written out by hand from the fake coins below.
 */
import { describe, expect, test } from "bun:test";
import { DEFAULT_TRADER_CONFIG } from "../../src/config/schema.ts";
import type { CoinSnapshot } from "../../src/scanner/analyzer.ts";
import { DEFAULT_SCANNER_QUERY, parseScannerQuery, scannerQueryString, selectScannerSymbols, type ScannerQuery, type ScannerQueryIssue } from "../../src/web/render/scanner-query.ts";
import { fakeCoin, fakeTa } from "./fakes.ts";

function parse(query: string) {
  return parseScannerQuery(new URLSearchParams(query));
}

function parsed(query: string): ScannerQuery {
  const result = parse(query);
  if (!result.ok) throw new Error(`expected ${query} to parse: ${JSON.stringify(result.issues)}`);
  return result.query;
}

describe("reading the query", () => {
  test("no parameters, or empty ones (a GET form sends every field), is the plain list", () => {
    expect(parsed("")).toEqual(DEFAULT_SCANNER_QUERY);
    expect(parsed("sort=&dir=&q=&state=")).toEqual(DEFAULT_SCANNER_QUERY);
    expect(scannerQueryString(DEFAULT_SCANNER_QUERY)).toBe("");
  });

  test("every sort, both directions, the text split into coin names and the state filters", () => {
    expect(parsed("sort=long")).toEqual({ sort: "long", dir: "desc", q: [], states: [] });
    expect(parsed("sort=volume&dir=asc")).toEqual({ sort: "volume", dir: "asc", q: [], states: [] });
    expect(parsed("q=+btc,%20eth++")).toEqual({ sort: "list", dir: "desc", q: ["BTC", "ETH"], states: [] });
    // Given in any order, kept in one order: the same filter is the same URL.
    expect(parsed("state=above-threshold&state=squeeze").states).toEqual(["squeeze", "above-threshold"]);
    expect(parsed("state=squeeze&state=squeeze").states).toEqual(["squeeze"]);
  });

  test("the canonical query leaves defaults out and always spells a filter the same way", () => {
    expect(scannerQueryString(parsed("sort=change&dir=desc&q=eth+btc&state=divergence&state=squeeze"))).toBe("sort=change&q=ETH+BTC&state=squeeze&state=divergence");
    expect(scannerQueryString(parsed("sort=short&dir=asc"))).toBe("sort=short&dir=asc");
    // The plain list has no direction.
    expect(scannerQueryString(parsed("dir=asc"))).toBe("");
    // Round trip.
    const query = parsed("sort=volume&dir=asc&q=sol&state=above-threshold");
    expect(parsed(scannerQueryString(query))).toEqual(query);
  });

  test("a bad value is refused with its parameter named and what it may be", () => {
    const cases: [string, ScannerQueryIssue["param"], string][] = [
      ["sort=price", "sort", 'sort must be one of long, short, change, volume (or empty for the list order), not "price"'],
      ["dir=up", "dir", 'dir must be desc or asc, not "up"'],
      ["state=hot", "state", 'state must be squeeze, divergence or above-threshold, not "hot"'],
      ["q=btc%3Bdrop", "q", 'q may hold coin names only (letters and digits, separated by spaces or commas), not "btc;drop"'],
      ["sort=long&sort=short", "sort", "sort is given 2 times: give it once"],
      ["dir=asc&dir=desc", "dir", "dir is given 2 times: give it once"],
    ];
    for (const [query, param, message] of cases) {
      const result = parse(query);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.issues).toEqual([{ param, message }]);
    }
    const long = parse(`q=${"a".repeat(81)}`);
    expect(long.ok ? [] : long.issues.map((i) => i.param)).toEqual(["q"]);
    // Every bad parameter at once, not only the first.
    const many = parse("sort=x&dir=y");
    expect(many.ok ? [] : many.issues.map((i) => i.param)).toEqual(["sort", "dir"]);
  });

  test("parameters of other features pass untouched (page, tf, …)", () => {
    expect(parsed("page=3&sort=long")).toEqual({ sort: "long", dir: "desc", q: [], states: [] });
  });
});

describe("selecting the coins", () => {
  const config = { ...DEFAULT_TRADER_CONFIG, long_threshold: 60, short_threshold: 70, use_ta_signals: false };
  // Long, short, 24h change, 24h volume, squeeze, divergence.
  const coins: Record<string, CoinSnapshot> = {
    AAAUSDT: fakeCoin("AAAUSDT", 0, { score: { long: 65, short: 10, components: [] }, change_24h_pct: 3, volume_24h_usdt: 5e6, ta: fakeTa("AAAUSDT", { squeeze: "on" }) }),
    BBBUSDT: fakeCoin("BBBUSDT", 1, { score: { long: 20, short: 75, components: [] }, change_24h_pct: -4, volume_24h_usdt: 9e6, ta: fakeTa("BBBUSDT", { divergence: "bearish" }) }),
    CCCUSDT: fakeCoin("CCCUSDT", 2, { score: { long: 40, short: 40, components: [] }, change_24h_pct: null, volume_24h_usdt: null, ta: fakeTa("CCCUSDT", { squeeze: "on", divergence: "bullish" }) }),
    DDDUSDT: fakeCoin("DDDUSDT", 3, { score: { long: 40, short: 5, components: [] }, change_24h_pct: 0.5, volume_24h_usdt: 1e6, ta: fakeTa("DDDUSDT", { squeeze: "fired" }), unscored: "the scoring module threw" }),
  };
  // EEE is still warming up: no snapshot.
  const symbols = ["AAAUSDT", "BBBUSDT", "CCCUSDT", "DDDUSDT", "EEEUSDT"];
  const select = (query: string, cfg = config) => selectScannerSymbols(parsed(query), symbols, (s) => coins[s] ?? null, cfg);

  test("the plain query keeps the list as it is", () => {
    expect(select("")).toEqual(symbols);
  });

  test("sorting: biggest first by default, ties in list order, coins without the figure last either way", () => {
    expect(select("sort=long")).toEqual(["AAAUSDT", "CCCUSDT", "BBBUSDT", "DDDUSDT", "EEEUSDT"]);
    expect(select("sort=long&dir=asc")).toEqual(["BBBUSDT", "CCCUSDT", "AAAUSDT", "DDDUSDT", "EEEUSDT"]);
    expect(select("sort=short")).toEqual(["BBBUSDT", "CCCUSDT", "AAAUSDT", "DDDUSDT", "EEEUSDT"]);
    expect(select("sort=change")).toEqual(["AAAUSDT", "DDDUSDT", "BBBUSDT", "CCCUSDT", "EEEUSDT"]);
    expect(select("sort=change&dir=asc")).toEqual(["BBBUSDT", "DDDUSDT", "AAAUSDT", "CCCUSDT", "EEEUSDT"]);
    expect(select("sort=volume")).toEqual(["BBBUSDT", "AAAUSDT", "DDDUSDT", "CCCUSDT", "EEEUSDT"]);
  });

  test("the scores sorted on are those the trader compares: the TA bonus counts only with use_ta_signals", () => {
    const withBonus: Record<string, CoinSnapshot> = { ...coins, CCCUSDT: { ...coins.CCCUSDT!, ta: fakeTa("CCCUSDT", { longBonus: 30 }) } };
    const pick = (cfg: typeof config) => selectScannerSymbols(parsed("sort=long"), symbols, (s) => withBonus[s] ?? null, cfg);
    expect(pick(config)[0]).toBe("AAAUSDT");
    expect(pick({ ...config, use_ta_signals: true })[0]).toBe("CCCUSDT");
  });

  test("text: any of the names, anywhere in the symbol, in any case", () => {
    expect(select("q=bbb")).toEqual(["BBBUSDT"]);
    expect(select("q=ddd+aa")).toEqual(["AAAUSDT", "DDDUSDT"]);
    expect(select("q=usdt")).toEqual(symbols);
    expect(select("q=zzz")).toEqual([]);
  });

  test("states: each one asked must hold (squeeze on, a divergence, a score at its threshold)", () => {
    expect(select("state=squeeze")).toEqual(["AAAUSDT", "CCCUSDT"]);
    expect(select("state=divergence")).toEqual(["BBBUSDT", "CCCUSDT"]);
    expect(select("state=above-threshold")).toEqual(["AAAUSDT", "BBBUSDT"]);
    expect(select("state=squeeze&state=divergence")).toEqual(["CCCUSDT"]);
    // The thresholds are the trader's: lower the long one and CCC (40) is above it too.
    expect(select("state=above-threshold", { ...config, long_threshold: 40 })).toEqual(["AAAUSDT", "BBBUSDT", "CCCUSDT"]);
  });

  test("filter and sort together", () => {
    expect(select("state=squeeze&sort=long&dir=asc")).toEqual(["CCCUSDT", "AAAUSDT"]);
    expect(select("q=a,b,c&sort=volume")).toEqual(["BBBUSDT", "AAAUSDT", "CCCUSDT"]);
  });
});
