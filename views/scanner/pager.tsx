/**
 * The scanner's page links (`nav.pager`): which coins this page shows, and
 * plain links to the previous and next page (the page number is the URL's
 * `p`; every other parameter, the sort and filter, is kept). Nothing when
 * the whole list fits on one page.
 */
import type { ScannerPaging } from "../../src/web/render/scanner-pages.ts";
import { PAGE_PARAM } from "../../src/web/render/scanner-pages.ts";

/** `query` is the page's URL query without the page number ("sort=long&q=btc", or ""). */
export function Pager(props: { paging: ScannerPaging; query: string }) {
  const { page, pages, total, offset, symbols } = props.paging;
  if (pages <= 1) return null;
  const href = (n: number) => {
    const params = new URLSearchParams(props.query);
    params.delete(PAGE_PARAM);
    if (n > 1) params.set(PAGE_PARAM, String(n));
    const text = params.toString();
    return text === "" ? "/" : `/?${text}`;
  };
  return (
    <nav class="pager" aria-label="Scanner pages">
      {page > 1 ? <a href={href(page - 1)} rel="prev">‹ Previous</a> : <span class="muted">‹ Previous</span>}
      <span class="pager-where">
        coins {offset + 1}–{offset + symbols.length} of {total} · page {page} of {pages}
      </span>
      {page < pages ? <a href={href(page + 1)} rel="next">Next ›</a> : <span class="muted">Next ›</span>}
    </nav>
  );
}
