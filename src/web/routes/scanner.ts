/**
 * GET /?sort=&dir=&q=&state=: the scanner, sorted and filtered as the query
 * says (src/web/render/scanner-query.ts). No query: the plain list. A bad
 * value is a 400 page naming the parameter. To htmx (the form applied without
 * a reload) it names the canonical URL for the address bar (HX-Push-Url), so
 * the URL a trader bookmarks is the same however the filter was set.
 * `p=N` shows page N of the list, plain or sorted (src/web/render/scanner-pages.ts).
 */
import { Hono } from "hono";
import type { Dashboard } from "../render/dashboard.tsx";
import type { ScannerLists } from "../render/scanner-lists.tsx";
import { parseScannerPage } from "../render/scanner-pages.ts";
import { isDefaultScannerQuery, parseScannerQuery, scannerQueryString } from "../render/scanner-query.ts";

export function scannerRoutes(dashboard: Dashboard, lists: ScannerLists): Hono {
  const routes = new Hono();
  routes.get("/", (c) => {
    const params = new URL(c.req.url).searchParams;
    const parsed = parseScannerQuery(params);
    if (!parsed.ok) return c.html(lists.problemPage(parsed.issues), 400);
    const paging = parseScannerPage(params);
    if (!paging.ok) return c.html(lists.problemPage([{ param: "q", message: paging.message }]), 400);
    if (c.req.header("hx-request") === "true") {
      const key = scannerQueryString(parsed.query);
      c.header("HX-Push-Url", key === "" ? "/" : `/?${key}`);
    }
    return c.html(isDefaultScannerQuery(parsed.query) ? dashboard.scannerPage(paging.page) : lists.page(parsed.query, paging.page));
  });
  return routes;
}
