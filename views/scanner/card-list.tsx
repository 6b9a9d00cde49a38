/**
 * A sorted or filtered scanner list (`#scanner-list-HASH`, one per query):
 * how many coins it shows and the cards in its order. Pushed whole when its
 * order or its coins change (src/web/render/scanner-lists.tsx); in between
 * its cards are pushed one by one like on the plain scanner. `data-states`
 * names the state filters, so a card that has left one since the last
 * re-sort is marked by app.css until the next. A long selection is paged:
 * `cards` are this page's, `matched` counts them all and `pager` links the
 * other pages (views/scanner/pager.tsx).
 */
import { raw } from "hono/html";
import type { ScannerQuery } from "../../src/web/render/scanner-query.ts";
import { describeScannerQuery } from "./controls.tsx";

export function ScannerList(props: { id: string; query: ScannerQuery; total: number; cards: string[]; matched?: number; pager?: string }) {
  const { query } = props;
  const shown = props.matched ?? props.cards.length;
  return (
    <div class="scanner-list" id={props.id} data-states={query.states.join(" ") || undefined} data-count={String(shown)} hx-swap-oob="true">
      <p class="list-summary muted" role="status">
        {shown} of {props.total} coins · {describeScannerQuery(query)}
      </p>
      {shown === 0 ? <p class="no-match">No coin matches right now. The list fills in as soon as one does.</p> : null}
      <div class="cards">{raw(props.cards.join(""))}</div>
      {props.pager ? raw(props.pager) : null}
    </div>
  );
}
