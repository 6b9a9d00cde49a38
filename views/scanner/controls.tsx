/**
 * The scanner's sort and filter form (`#scanner-controls`): a plain GET form
 * to `/`, so the choice lives in the URL and works without JavaScript. htmx
 * applies it on every change (typing waits for a pause) by swapping only
 * `#scanner-view`, which holds the list and its live socket, and the server
 * names the canonical URL for the address bar (HX-Push-Url).
 */
import type { ScannerQuery, ScannerSort, ScannerState } from "../../src/web/render/scanner-query.ts";

export const SORT_LABELS: Record<ScannerSort, string> = {
  list: "list order",
  long: "long score",
  short: "short score",
  change: "24h change",
  volume: "24h volume",
};

export const STATE_LABELS: Record<ScannerState, string> = {
  squeeze: "squeeze on",
  divergence: "divergence",
  "above-threshold": "above threshold",
};

const STATE_TITLES: Record<ScannerState, string> = {
  squeeze: "TTM squeeze on: volatility compressed (the red dot)",
  divergence: "A Stochastic RSI divergence, bullish or bearish",
  "above-threshold": "A long or short score at or above the trader's threshold (the score the trader compares)",
};

export function ScannerControls(props: { query: ScannerQuery }) {
  const { query } = props;
  return (
    <form
      id="scanner-controls"
      class="panel scanner-controls"
      method="get"
      action="/"
      role="search"
      aria-label="Sort and filter the coins"
      hx-get="/"
      hx-target="#scanner-view"
      hx-select="#scanner-view"
      hx-swap="outerHTML"
      hx-push-url="true"
      hx-trigger="change, submit, input changed delay:400ms from:#scanner-q"
    >
      <label class="control">
        <span>Coins</span>
        <input type="search" id="scanner-q" name="q" value={query.q.join(" ")} placeholder="btc eth" maxlength={80} autocomplete="off" spellcheck={false} />
      </label>
      <label class="control">
        <span>Sort by</span>
        <select name="sort" id="scanner-sort">
          {(Object.keys(SORT_LABELS) as ScannerSort[]).map((sort) => (
            <option value={sort === "list" ? "" : sort} selected={query.sort === sort}>{SORT_LABELS[sort]}</option>
          ))}
        </select>
      </label>
      <label class="control">
        <span>Order</span>
        <select name="dir" id="scanner-dir">
          <option value="desc" selected={query.dir === "desc"}>highest first</option>
          <option value="asc" selected={query.dir === "asc"}>lowest first</option>
        </select>
      </label>
      <fieldset class="control states">
        <legend>Only coins with</legend>
        {(Object.keys(STATE_LABELS) as ScannerState[]).map((state) => (
          <label title={STATE_TITLES[state]}>
            <input type="checkbox" name="state" value={state} checked={query.states.includes(state)} /> {STATE_LABELS[state]}
          </label>
        ))}
      </fieldset>
      <div class="control actions">
        <button type="submit" class="primary">Apply</button>
        <a href="/" id="scanner-clear">Clear</a>
      </div>
    </form>
  );
}

/** The query in words: "sorted by 24h change, lowest first · squeeze on and divergence · coins: BTC, ETH". */
export function describeScannerQuery(query: ScannerQuery): string {
  const parts: string[] = [];
  if (query.sort !== "list") parts.push(`sorted by ${SORT_LABELS[query.sort]}, ${query.dir === "asc" ? "lowest" : "highest"} first`);
  if (query.states.length > 0) parts.push(query.states.map((state) => STATE_LABELS[state]).join(" and "));
  if (query.q.length > 0) parts.push(`coins: ${query.q.join(", ")}`);
  return parts.join(" · ");
}
