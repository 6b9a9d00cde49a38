/**
 * The scanner's sort and filter, as the URL carries them (`GET /?sort=…`):
 * the ONE place that turns a query into the ordered, filtered list of coins
 * a scanner page shows. Anything that lays the cards out (the page, its live
 * list, paging) asks `selectScannerSymbols` and slices what it returns.
 *
 *   sort   long | short | change | volume   (empty or absent: the list order)
 *   dir    desc (biggest first, the default) | asc
 *   q      coin names, separated by spaces or commas ("btc eth"): a coin is
 *          kept when its symbol contains any of them, in any case
 *   state  squeeze | divergence | above-threshold, repeatable: a coin is kept
 *          when every state asked holds (TTM squeeze on; a Stoch RSI
 *          divergence; a long or short score at or above its threshold)
 *
 * Scores are those the trader compares with its thresholds (the TA bonus
 * counted only with use_ta_signals). A coin without the figure sorted on (no
 * 24h of data yet, no score, still warming up) goes last in either
 * direction; ties keep the list order. Parameters of other features (a page
 * number, …) are left alone; a bad value of these four is an issue naming its
 * parameter, for a 400.
 *
 * @example
 *   const parsed = parseScannerQuery(new URL(c.req.url).searchParams);
 *   if (!parsed.ok) return c.html(…parsed.issues…, 400);
 *   const symbols = selectScannerSymbols(parsed.query, dashboard.symbols, (s) => market.coin(s), status.config);
 */
import type { TraderConfig } from "../../config/schema.ts";
import type { CoinSnapshot } from "../../scanner/analyzer.ts";
import { compositeScore } from "../../scanner/composite.ts";

export const SCANNER_SORTS = ["long", "short", "change", "volume"] as const;
export type ScannerSort = "list" | (typeof SCANNER_SORTS)[number];
export const SCANNER_STATES = ["squeeze", "divergence", "above-threshold"] as const;
export type ScannerState = (typeof SCANNER_STATES)[number];

export interface ScannerQuery {
  sort: ScannerSort;
  /** Ignored for the list order. */
  dir: "desc" | "asc";
  /** Coin names, upper case, in the order typed, each once. */
  q: string[];
  /** In SCANNER_STATES order, each once. */
  states: ScannerState[];
}

export const DEFAULT_SCANNER_QUERY: ScannerQuery = Object.freeze({ sort: "list", dir: "desc", q: [], states: [] }) as ScannerQuery;

export interface ScannerQueryIssue {
  param: "sort" | "dir" | "q" | "state";
  message: string;
}

export type ParsedScannerQuery = { ok: true; query: ScannerQuery } | { ok: false; issues: ScannerQueryIssue[] };

/** What the trader's thresholds and scoring say about a coin. */
export type ScannerConfig = Pick<TraderConfig, "use_ta_signals" | "long_threshold" | "short_threshold">;

const MAX_Q_LENGTH = 80;
const NAMES = /^[A-Za-z0-9\s,]*$/;

/** A value of the URL quoted back, cut short. */
function quoted(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

export function parseScannerQuery(params: URLSearchParams): ParsedScannerQuery {
  const issues: ScannerQueryIssue[] = [];
  /** The one value of a single-valued parameter ("" when absent or empty). */
  const single = (param: "sort" | "dir" | "q"): string => {
    const values = params.getAll(param);
    if (values.length > 1) issues.push({ param, message: `${param} is given ${values.length} times: give it once` });
    return (values[0] ?? "").trim();
  };

  const query: ScannerQuery = { sort: "list", dir: "desc", q: [], states: [] };
  const sort = single("sort");
  if ((SCANNER_SORTS as readonly string[]).includes(sort)) query.sort = sort as ScannerSort;
  else if (sort !== "") issues.push({ param: "sort", message: `sort must be one of ${SCANNER_SORTS.join(", ")} (or empty for the list order), not ${quoted(sort)}` });

  const dir = single("dir");
  if (dir === "asc" || dir === "desc") query.dir = dir;
  else if (dir !== "") issues.push({ param: "dir", message: `dir must be desc or asc, not ${quoted(dir)}` });

  const q = single("q");
  if (q.length > MAX_Q_LENGTH) issues.push({ param: "q", message: `q must be at most ${MAX_Q_LENGTH} characters (coin names such as "btc eth"), not ${q.length}` });
  else if (!NAMES.test(q)) issues.push({ param: "q", message: `q may hold coin names only (letters and digits, separated by spaces or commas), not ${quoted(q)}` });
  else query.q = [...new Set(q.split(/[\s,]+/).filter((name) => name !== "").map((name) => name.toUpperCase()))];

  const asked = new Set<string>();
  for (const raw of params.getAll("state")) {
    const state = raw.trim();
    if (state === "") continue;
    if ((SCANNER_STATES as readonly string[]).includes(state)) asked.add(state);
    else issues.push({ param: "state", message: `state must be squeeze, divergence or above-threshold, not ${quoted(state)}` });
  }
  query.states = SCANNER_STATES.filter((state) => asked.has(state));

  return issues.length > 0 ? { ok: false, issues } : { ok: true, query };
}

/** The query as a URL writes it: defaults left out, one spelling per filter ("" for the plain list). */
export function scannerQueryString(query: ScannerQuery): string {
  const params = new URLSearchParams();
  if (query.sort !== "list") params.set("sort", query.sort);
  if (query.sort !== "list" && query.dir === "asc") params.set("dir", "asc");
  if (query.q.length > 0) params.set("q", query.q.join(" "));
  for (const state of query.states) params.append("state", state);
  return params.toString();
}

export function isDefaultScannerQuery(query: ScannerQuery): boolean {
  return scannerQueryString(query) === "";
}

/** The coins of `symbols` (the list order) the query keeps, in the order it asks. */
export function selectScannerSymbols(query: ScannerQuery, symbols: readonly string[], coin: (symbol: string) => CoinSnapshot | null, config: ScannerConfig): string[] {
  if (isDefaultScannerQuery(query)) return [...symbols];
  const rows = symbols.map((symbol, index) => ({ symbol, index, coin: coin(symbol) }));
  const kept = rows.filter((row) => matchesText(query.q, row.symbol) && query.states.every((state) => holds(state, row.coin, config)));
  const sort = query.sort;
  if (sort === "list") return kept.map((row) => row.symbol);
  const sign = query.dir === "asc" ? 1 : -1;
  const keyed = kept.map((row) => ({ ...row, key: sortValue(sort, row.coin, config) }));
  keyed.sort((a, b) => {
    if (a.key === null || b.key === null) return a.key === b.key ? a.index - b.index : a.key === null ? 1 : -1;
    return a.key === b.key ? a.index - b.index : sign * (a.key - b.key);
  });
  return keyed.map((row) => row.symbol);
}

function matchesText(names: readonly string[], symbol: string): boolean {
  return names.length === 0 || names.some((name) => symbol.includes(name));
}

/** Whether a coin is in the state asked (a coin warming up is in none). Also marks a card that left the filter (views/scanner). */
export function holds(state: ScannerState, coin: CoinSnapshot | null, config: ScannerConfig): boolean {
  if (!coin) return false;
  switch (state) {
    case "squeeze":
      return coin.ta.ttm_squeeze.squeeze === "on";
    case "divergence":
      return coin.ta.stoch_rsi_divergence.divergence !== "none";
    case "above-threshold": {
      if (coin.unscored) return false;
      const score = compositeScore(coin.score, coin.ta, config.use_ta_signals);
      return score.long.total >= config.long_threshold || score.short.total >= config.short_threshold;
    }
  }
}

function sortValue(sort: Exclude<ScannerSort, "list">, coin: CoinSnapshot | null, config: ScannerConfig): number | null {
  if (!coin) return null;
  switch (sort) {
    case "change":
      return coin.change_24h_pct;
    case "volume":
      return coin.volume_24h_usdt;
    case "long":
    case "short": {
      if (coin.unscored) return null;
      return compositeScore(coin.score, coin.ta, config.use_ta_signals)[sort].total;
    }
  }
}
