/**
 * The trade record's JSON API, for scripts (mounted at /api, behind the same
 * auth as the rest; read-only, so a `web` instance answers too when it has a
 * record):
 *  - GET /api/performance?mode=live|dry-run → {mode, current_mode, as_of,
 *    ...the performance report (src/metrics/performance.ts)}: one mode only,
 *    the trader's current one unless asked;
 *  - GET /api/trades?symbol&side&reason&mode&from&to&page&per_page →
 *    {filter, mode, total, page, per_page, pages, totals, trades}: the
 *    history's filter and pages (per_page up to 500).
 * Numbers at full precision, times in ms since the epoch. A bad parameter is
 * 400 {error, issues: [{path, message}]} naming it; no record is 503 {error}.
 */
import { Hono } from "hono";
import { buildPerformance } from "../../metrics/performance.ts";
import type { WebDeps } from "../deps.ts";
import { currentTradeMode, describeQueryIssues, noTradeRecordText, parseHistoryQuery, parsePerformanceQuery, type QueryIssue, type StatusSource } from "../forms/trade-query.ts";

export function tradeRecordApi(deps: WebDeps, status: StatusSource): Hono {
  const api = new Hono();
  const refused = (issues: QueryIssue[]) => ({ error: describeQueryIssues(issues), issues });

  api.get("/performance", (c) => {
    const current = currentTradeMode(status());
    // `period` only picks the page's bar chart; the answer has every period.
    const query = parsePerformanceQuery(c.req.query(), current);
    if (!query.ok) return c.json(refused(query.issues), 400);
    if (!deps.trades) return c.json({ error: noTradeRecordText(Boolean(deps.readOnly)) }, 503);
    const mode = query.value.mode;
    return c.json({ mode, current_mode: current, as_of: Date.now(), ...buildPerformance(deps.trades.closedTrades(mode), deps.trades.equity(mode)) });
  });

  api.get("/trades", (c) => {
    const query = parseHistoryQuery(c.req.query(), currentTradeMode(status()));
    if (!query.ok) return c.json(refused(query.issues), 400);
    if (!deps.trades) return c.json({ error: noTradeRecordText(Boolean(deps.readOnly)) }, 503);
    const { filter, mode, page, perPage } = query.value;
    const found = deps.trades.page(filter, page, perPage);
    return c.json({ filter, mode, total: found.total, page: found.page, per_page: found.per_page, pages: found.pages, totals: deps.trades.totals(filter), trades: found.trades });
  });

  return api;
}
