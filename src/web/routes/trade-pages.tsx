/**
 * The pages over the trade record:
 *  - GET /performance?mode=live|dry-run&period=day|week|month — one mode's
 *    figures and charts (default: the trader's current mode, by day);
 *  - GET /history?symbol&side&reason&mode&from&to&page&per_page — closed
 *    trades, filtered and paged (htmx swaps only the results);
 *  - GET /history.csv?… — the whole filtered set as a CSV download.
 * A bad parameter is 400 naming it (the page shows it above the results; the
 * CSV answers it as text). Where this process has no trade record (a `web`
 * instance) the pages say where the record is and the CSV is 503.
 */
import { Hono, type Context } from "hono";
import { buildPerformance } from "../../metrics/performance.ts";
import type { WebDeps } from "../deps.ts";
import { currentTradeMode, DEFAULT_PER_PAGE, describeQueryIssues, noTradeRecordText, parseHistoryQuery, parsePerformanceQuery, type StatusSource } from "../forms/trade-query.ts";
import { escapeHtml } from "../render/fragment-cache.ts";
import { toHtml } from "../render/to-html.ts";
import { tradesCsv } from "../render/trades-csv.ts";
import { HistoryPage, type FilterValues } from "../../../views/history/page.tsx";
import type { PageShell } from "../../../views/pages.tsx";
import { PerformancePage } from "../../../views/performance/page.tsx";

export interface TradePagesOptions {
  shell: PageShell;
  scripts: { charts: string; theme: string; performance: string };
  status: StatusSource;
}

export function tradePages(deps: WebDeps, options: TradePagesOptions): Hono {
  const routes = new Hono();
  const { shell } = options;

  routes.get("/performance", (c) => {
    const current = currentTradeMode(options.status());
    const query = parsePerformanceQuery(c.req.query(), current);
    if (!query.ok) return badRequest(c, "Performance", describeQueryIssues(query.issues), "/performance");
    const { mode, period } = query.value;
    const report = deps.trades ? buildPerformance(deps.trades.closedTrades(mode), deps.trades.equity(mode)) : null;
    const html = toHtml(
      <PerformancePage shell={shell} scripts={options.scripts} mode={mode} currentMode={current} period={period} report={report} unavailable={deps.trades ? null : noTradeRecordText(Boolean(deps.readOnly))} asOf={Date.now()} />,
    );
    return c.html("<!doctype html>" + html);
  });

  routes.get("/history", (c) => {
    const raw = c.req.query();
    const current = currentTradeMode(options.status());
    const query = parseHistoryQuery(raw, current);
    const values = formValues(raw, current);
    const page = (props: Omit<Parameters<typeof HistoryPage>[0], "shell" | "values" | "currentMode">) =>
      "<!doctype html>" + toHtml(<HistoryPage shell={shell} values={values} currentMode={current} {...props} />);
    const symbols = deps.trades?.symbols() ?? [];
    if (!query.ok) return c.html(page({ issues: query.issues, result: null, symbols, unavailable: null }), 400);
    if (!deps.trades) return c.html(page({ issues: [], result: null, symbols, unavailable: noTradeRecordText(Boolean(deps.readOnly)) }));
    const { filter, page: number, perPage } = query.value;
    const result = { page: deps.trades.page(filter, number, perPage), totals: deps.trades.totals(filter) };
    return c.html(page({ issues: [], result, symbols, unavailable: null }));
  });

  routes.get("/history.csv", (c) => {
    const query = parseHistoryQuery(c.req.query(), currentTradeMode(options.status()));
    if (!query.ok) return c.text(`Bad filter: ${describeQueryIssues(query.issues)}`, 400);
    if (!deps.trades) return c.text(noTradeRecordText(Boolean(deps.readOnly)), 503);
    const csv = tradesCsv(deps.trades.all(query.value.filter));
    const name = `trades-${query.value.mode}-${new Date().toISOString().slice(0, 10)}.csv`;
    c.header("Content-Type", "text/csv; charset=utf-8");
    c.header("Content-Disposition", `attachment; filename="${name}"`);
    return c.body(csv);
  });

  return routes;

  function badRequest(c: Context, title: string, message: string, back: string): Response {
    return c.html(`<!doctype html><title>${escapeHtml(title)}</title><p>Bad request: ${escapeHtml(message)}</p><p><a href="${back}">${escapeHtml(title)} with the defaults</a></p>`, 400);
  }
}

/** The filter form's values: what was asked (trimmed), the current mode and the default page size where nothing was. */
function formValues(raw: Record<string, string>, current: string): FilterValues {
  const text = (name: string) => (raw[name] ?? "").trim();
  return {
    symbol: text("symbol"),
    side: text("side"),
    reason: text("reason"),
    mode: text("mode") || current,
    from: text("from"),
    to: text("to"),
    per_page: text("per_page") || String(DEFAULT_PER_PAGE),
  };
}
