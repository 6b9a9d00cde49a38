/**
 * /history: every closed trade, newest close first, with the filter form on
 * top (a plain GET form: the filter lives in the URL and works without
 * JavaScript; htmx swaps only #history-results and pushes the URL), totals
 * per mode (never added across modes), server-side pages and the CSV of the
 * whole filtered set. A bad filter value is shown above the table, naming the
 * parameter, and the form keeps what was typed.
 */
import { EXIT_CATEGORIES } from "../../src/metrics/exit-reasons.ts";
import type { HistoryTrade, ModeTotals, TradePage } from "../../src/store/trade-history.ts";
import type { TradeMode } from "../../src/store/types.ts";
import { PER_PAGE_CHOICES, type QueryIssue } from "../../src/web/forms/trade-query.ts";
import { formatDuration, formatPrice, formatSignedPct, formatSignedUsd, formatTime, formatUsd, signClass } from "../format.ts";
import { Layout } from "../layout.tsx";
import { FlashSlot, type PageShell } from "../pages.tsx";

export const RESULTS_ID = "history-results";

/** The filter as typed (strings, "" for any), keyed by URL parameter. */
export type FilterValues = Record<"symbol" | "side" | "reason" | "mode" | "from" | "to" | "per_page", string>;

export interface HistoryPageProps {
  shell: PageShell;
  values: FilterValues;
  /** Refused parameters (400): the results say so instead of listing trades. */
  issues: QueryIssue[];
  result: { page: TradePage; totals: ModeTotals[] } | null;
  /** Coins to offer in the filter (those with closed trades). */
  symbols: string[];
  currentMode: TradeMode;
  unavailable: string | null;
}

/** A /history (or /history.csv) URL for these filter values; empty ones are left out. */
export function historyUrl(values: Partial<FilterValues> & { page?: string }, path = "/history"): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value) params.set(name, value);
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

const swap = { "hx-target": `#${RESULTS_ID}`, "hx-select": `#${RESULTS_ID}`, "hx-swap": "outerHTML", "hx-push-url": "true" };

function Select(props: { name: string; label: string; value: string; options: readonly (readonly [string, string])[]; invalid: boolean }) {
  const id = `filter-${props.name}`;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select id={id} name={props.name} aria-invalid={props.invalid ? "true" : undefined}>
        {props.options.map(([value, text]) => <option value={value} selected={value === props.value}>{text}</option>)}
      </select>
    </div>
  );
}

function DateField(props: { name: "from" | "to"; label: string; value: string; invalid: boolean }) {
  const id = `filter-${props.name}`;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input id={id} type="date" name={props.name} value={props.value} aria-invalid={props.invalid ? "true" : undefined} />
    </div>
  );
}

function FilterForm(props: { values: FilterValues; issues: QueryIssue[]; symbols: string[]; currentMode: TradeMode }) {
  const v = props.values;
  const invalid = (name: string) => props.issues.some((i) => i.path === name);
  const symbols = v.symbol && !props.symbols.includes(v.symbol.toUpperCase()) ? [...props.symbols, v.symbol] : props.symbols;
  const current = (mode: TradeMode) => (mode === props.currentMode ? " (current)" : "");
  return (
    <form id="history-filter" class="panel filter-form" method="get" action="/history" hx-get="/history" hx-trigger="change, submit" {...swap}>
      <div class="field-grid">
        <Select name="symbol" label="Coin" value={v.symbol.toUpperCase()} invalid={invalid("symbol")} options={[["", "any coin"], ...symbols.map((s) => [s, s] as const)]} />
        <Select name="side" label="Side" value={v.side} invalid={invalid("side")} options={[["", "long and short"], ["long", "long"], ["short", "short"]]} />
        <Select name="reason" label="Exit reason" value={v.reason} invalid={invalid("reason")} options={[["", "any reason"], ...EXIT_CATEGORIES.map((c) => [c.key, c.label] as const)]} />
        <Select name="mode" label="Mode" value={v.mode} invalid={invalid("mode")} options={[["dry-run", `dry-run${current("dry-run")}`], ["live", `live${current("live")}`], ["all", "both (each row says which)"]]} />
        <DateField name="from" label="Closed from (UTC)" value={v.from} invalid={invalid("from")} />
        <DateField name="to" label="Closed to (UTC, inclusive)" value={v.to} invalid={invalid("to")} />
        <Select name="per_page" label="Per page" value={v.per_page} invalid={invalid("per_page")} options={PER_PAGE_CHOICES.map((n) => [String(n), String(n)] as const)} />
      </div>
      <div class="form-actions">
        <button type="submit" class="primary">Show</button>
        <a href="/history">Clear the filter</a>
      </div>
    </form>
  );
}

function Totals(props: { totals: ModeTotals[] }) {
  if (props.totals.length === 0) return null;
  return (
    <ul class="history-totals">
      {props.totals.map((t) => (
        <li data-totals={t.mode}>
          <b class={`mode-${t.mode}`}>{t.mode}</b>: {t.trades} trade{t.trades === 1 ? "" : "s"}, {t.wins} won, P&L{" "}
          <span class={signClass(t.pnl)} data-total="pnl">{formatSignedUsd(t.pnl)}</span> USDT, fees {formatUsd(t.fees)}, funding {formatSignedUsd(t.funding)}
        </li>
      ))}
    </ul>
  );
}

/** A price with its time under it (the table's Entry and Exit cells). */
function PriceAt(props: { price: number | null; at: number | null }) {
  return (
    <>
      {props.price === null ? "—" : formatPrice(props.price)}
      <small class="when">{props.at === null ? "" : formatTime(props.at)}</small>
    </>
  );
}

function TradeRow(props: { t: HistoryTrade }) {
  const t = props.t;
  return (
    <tr data-trade-id={String(t.id)} data-symbol={t.symbol} data-mode={t.mode}>
      <td data-label="Coin"><b>{t.symbol}</b> <span class={t.side}>{t.side}</span></td>
      <td data-label="Mode" class={`mode-${t.mode}`}>{t.mode}</td>
      <td data-label="Quantity">{String(t.size)}{t.leverage ? <small class="muted"> ×{t.leverage}</small> : null}</td>
      <td data-label="Entry" data-col="entry"><PriceAt price={t.entry_price} at={t.opened_at} /></td>
      <td data-label="Exit" data-col="exit"><PriceAt price={t.exit_price} at={t.closed_at} /></td>
      <td data-label="Duration">{formatDuration(t.duration_ms)}</td>
      <td data-label="P&L (USDT)" class={signClass(t.pnl)} data-col="pnl">{t.pnl === null ? "—" : formatSignedUsd(t.pnl)}</td>
      <td data-label="P&L % of margin" class={signClass(t.pnl_pct)}>{formatSignedPct(t.pnl_pct)}</td>
      <td data-label="Fees">{formatUsd(t.fees)}</td>
      <td data-label="Funding" class={signClass(t.funding)}>{formatSignedUsd(t.funding)}</td>
      <td data-label="Exit reason" data-reason={t.exit_category} class="reason">{t.close_reason ?? t.exit_category_label}</td>
    </tr>
  );
}

function Pager(props: { page: TradePage; values: FilterValues }) {
  const { page, pages } = props.page;
  if (pages <= 1 && page === 1) return null;
  const link = (n: number, text: string, rel?: string) => (
    <a href={historyUrl({ ...props.values, page: String(n) })} hx-get={historyUrl({ ...props.values, page: String(n) })} {...swap} rel={rel} data-page={String(n)}>{text}</a>
  );
  return (
    <nav class="pager" aria-label="Pages">
      {page > 1 ? link(1, "« First") : null}
      {page > 1 ? link(Math.min(page - 1, pages), "‹ Previous", "prev") : null}
      <span class="muted" data-pager="where">Page {page} of {pages}</span>
      {page < pages ? link(page + 1, "Next ›", "next") : null}
      {page < pages ? link(pages, "Last »") : null}
    </nav>
  );
}

function Results(props: HistoryPageProps) {
  if (props.unavailable) return <section id={RESULTS_ID}><p class="panel">{props.unavailable}</p></section>;
  if (props.issues.length > 0 || !props.result) {
    return (
      <section id={RESULTS_ID} class="panel">
        <div class="refusal" role="alert" id="history-error">
          <p>This filter cannot be used:</p>
          <ul>{props.issues.map((i) => <li data-param={i.path}><b>{i.path}</b> {i.message}</li>)}</ul>
        </div>
        <p><a href="/history">Show every trade of the current mode</a></p>
      </section>
    );
  }
  const { page, totals } = props.result;
  const first = (page.page - 1) * page.per_page + 1;
  const last = Math.min(page.page * page.per_page, page.total);
  const csv = historyUrl({ ...props.values, per_page: "" }, "/history.csv");
  return (
    <section id={RESULTS_ID} class="panel" data-total={String(page.total)} data-page={String(page.page)}>
      <div class="results-head">
        <p id="history-count">
          {page.total === 0 ? "No closed trades match." : page.trades.length === 0 ? `No trades on page ${page.page}: there are ${page.pages} page(s).` : `Trades ${first}–${last} of ${page.total}, most recently closed first.`}
        </p>
        {page.total > 0 ? <a id="history-csv" href={csv} download>Download CSV ({page.total} trade{page.total === 1 ? "" : "s"})</a> : null}
      </div>
      <Totals totals={totals} />
      {page.trades.length > 0 ? (
        <div class="table-scroll">
          <table class="stack history-table">
            <thead>
              <tr>
                <th>Coin, side</th><th>Mode</th><th>Quantity</th><th>Entry price, time</th><th>Exit price, time</th>
                <th>Duration</th><th>P&L (USDT)</th><th>P&L % of margin</th><th>Fees</th><th>Funding</th><th>Exit reason</th>
              </tr>
            </thead>
            <tbody>{page.trades.map((t) => <TradeRow t={t} />)}</tbody>
          </table>
        </div>
      ) : null}
      <Pager page={page} values={props.values} />
    </section>
  );
}

export function HistoryPage(props: HistoryPageProps) {
  return (
    <Layout title="Trade history" active="history" assets={props.shell.assets} wsUrl={null} authEnabled={props.shell.authEnabled}>
      <FlashSlot />
      <main class="history">
        <div class="page-head">
          <h1>Trade history <small class="muted">closed trades · times UTC · P&L net of fees and funding</small></h1>
          <a href={`/performance?mode=${props.values.mode === "live" ? "live" : props.values.mode === "dry-run" ? "dry-run" : props.currentMode}`}>Performance of these trades →</a>
        </div>
        <FilterForm values={props.values} issues={props.issues} symbols={props.symbols} currentMode={props.currentMode} />
        <Results {...props} />
      </main>
    </Layout>
  );
}
