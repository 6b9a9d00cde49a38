/**
 * The query strings of /history, /history.csv and /api/trades (the filter
 * and the page) and of /performance and /api/performance (mode, period).
 * Every parameter is optional; an empty one (a GET form's blank field) means
 * "any". A bad value is refused naming the parameter and what it takes, e.g.
 * `from: must be a UTC date such as 2026-03-01 (got "yesterday")`.
 *
 * Dates are UTC. `from` is inclusive. `to` given as a date (2026-03-05)
 * includes that whole day; given as a time (2026-03-05T12:00Z) it is the
 * instant the period ends (exclusive). Both apply to when a trade closed.
 */
import { EXIT_CATEGORY_KEYS } from "../../metrics/exit-reasons.ts";
import { PNL_PERIODS, type PnlPeriod } from "../../metrics/pnl-periods.ts";
import type { TradeFilter } from "../../store/trade-history.ts";
import type { TradeMode } from "../../store/types.ts";

export const HISTORY_PARAMS = ["symbol", "side", "reason", "mode", "from", "to", "page", "per_page"] as const;
export const PERFORMANCE_PARAMS = ["mode", "period"] as const;
export const PER_PAGE_CHOICES = [25, 50, 100, 200] as const;
export const DEFAULT_PER_PAGE = 50;
export const MAX_PER_PAGE = 500;

/** Which trades a page shows: one mode, or both side by side in the history ("all"). */
export type ModeChoice = TradeMode | "all";

export interface QueryIssue {
  /** The parameter, as in the URL. */
  path: string;
  message: string;
}

export type QueryResult<T> = { ok: true; value: T } | { ok: false; issues: QueryIssue[] };

export interface HistoryQuery {
  filter: TradeFilter;
  mode: ModeChoice;
  page: number;
  perPage: number;
}

export interface PerformanceQuery {
  mode: TradeMode;
  period: PnlPeriod;
}

const DAY_MS = 86_400_000;
const SYMBOL = /^[A-Z0-9]{1,20}USDT$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** `raw` is the request's query (first value of each name); `currentMode` is what "no mode given" means. */
export function parseHistoryQuery(raw: Record<string, string>, currentMode: TradeMode): QueryResult<HistoryQuery> {
  const issues: QueryIssue[] = unknownParams(raw, HISTORY_PARAMS);
  const bad = (path: string, message: string, got: string) => issues.push({ path, message: `must be ${message} (got ${quote(got)})` });
  const value = (name: string) => {
    const text = raw[name]?.trim() ?? "";
    return text === "" ? undefined : text;
  };
  const filter: TradeFilter = {};

  const symbol = value("symbol");
  if (symbol !== undefined) {
    if (SYMBOL.test(symbol.toUpperCase())) filter.symbol = symbol.toUpperCase();
    else bad("symbol", "a coin such as BTCUSDT", symbol);
  }
  const side = value("side");
  if (side !== undefined) {
    if (side === "long" || side === "short") filter.side = side;
    else bad("side", "long or short", side);
  }
  const reason = value("reason");
  if (reason !== undefined) {
    if (EXIT_CATEGORY_KEYS.includes(reason)) filter.reason = reason;
    else bad("reason", `one of ${EXIT_CATEGORY_KEYS.join(", ")}`, reason);
  }
  const mode = parseMode(value("mode"), currentMode, true, issues);
  if (mode !== "all") filter.mode = mode;

  const from = parseTime(value("from"), "start", issues, "from");
  const to = parseTime(value("to"), "end", issues, "to");
  if (from !== undefined) filter.from = from;
  if (to !== undefined) filter.to = to;
  if (from !== undefined && to !== undefined && to <= from) issues.push({ path: "to", message: `must be after from (${raw.from?.trim()} → ${raw.to?.trim()} is an empty period)` });

  const page = parseWhole(value("page"), 1, Number.MAX_SAFE_INTEGER, 1, "page", issues);
  const perPage = parseWhole(value("per_page"), 1, MAX_PER_PAGE, DEFAULT_PER_PAGE, "per_page", issues);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: { filter, mode, page, perPage } };
}

export function parsePerformanceQuery(raw: Record<string, string>, currentMode: TradeMode): QueryResult<PerformanceQuery> {
  const issues: QueryIssue[] = unknownParams(raw, PERFORMANCE_PARAMS);
  const mode = parseMode(raw.mode?.trim() || undefined, currentMode, false, issues) as TradeMode;
  const periodText = raw.period?.trim() || "day";
  const period = (PNL_PERIODS as readonly string[]).includes(periodText) ? (periodText as PnlPeriod) : "day";
  if (period !== periodText) issues.push({ path: "period", message: `must be day, week or month (got ${quote(periodText)})` });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: { mode, period } };
}

/** "symbol: must be …; from: must be …" — the text of a refusal. */
export function describeQueryIssues(issues: readonly QueryIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join("; ");
}

function parseMode(text: string | undefined, current: TradeMode, allowAll: boolean, issues: QueryIssue[]): ModeChoice {
  if (text === undefined) return current;
  if (text === "live" || text === "dry-run" || (allowAll && text === "all")) return text;
  issues.push({ path: "mode", message: `must be live${allowAll ? ", dry-run or all" : " or dry-run"} (got ${quote(text)})` });
  return current;
}

function parseTime(text: string | undefined, edge: "start" | "end", issues: QueryIssue[], path: string): number | undefined {
  if (text === undefined) return undefined;
  const date = DATE.exec(text);
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const start = Date.UTC(year, month - 1, day);
    // Date.UTC rolls 2026-02-30 over into March: a date that does not come back as typed does not exist.
    if (new Date(start).toISOString().slice(0, 10) === text) return edge === "start" ? start : start + DAY_MS;
  } else if (DATE_TIME.test(text)) {
    const at = Date.parse(text);
    if (Number.isFinite(at) && at >= 0) return at;
  }
  issues.push({ path, message: `must be a UTC date such as 2026-03-01 or a time such as 2026-03-01T12:00Z (got ${quote(text)})` });
  return undefined;
}

function parseWhole(text: string | undefined, min: number, max: number, fallback: number, path: string, issues: QueryIssue[]): number {
  if (text === undefined) return fallback;
  const n = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
  issues.push({ path, message: `must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ""} (got ${quote(text)})` });
  return fallback;
}

function unknownParams(raw: Record<string, string>, known: readonly string[]): QueryIssue[] {
  return Object.keys(raw)
    .filter((name) => !known.includes(name))
    .map((name) => ({ path: name.slice(0, 40), message: `is not a parameter here (it takes ${known.join(", ")})` }));
}

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** What the current mode is read from (the controller's status). */
export type StatusSource = () => { config: { mode: string }; exchange: "paper" | "coinex" };

/**
 * The mode whose trades a page shows when none is asked for: the trader's
 * current one, or while paused the one of the exchange it last traded on.
 */
export function currentTradeMode(status: ReturnType<StatusSource>): TradeMode {
  if (status.config.mode === "live" || status.config.mode === "dry-run") return status.config.mode;
  return status.exchange === "coinex" ? "live" : "dry-run";
}

/** What the pages and the API say where this process has no trade record. */
export function noTradeRecordText(readOnly: boolean): string {
  return readOnly
    ? "The trade record is kept by the trader process: open this page on its own dashboard (a read-only web instance has no SQLite record; its trader page lists the trades it has seen since it started)."
    : "This process keeps no trade record.";
}
