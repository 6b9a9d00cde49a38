/**
 * Scanner paging: at most SCANNER_PAGE_SIZE cards per page, the page number
 * in the URL (`p`, 1 = the first page and the default; `page` is taken by the
 * WebSocket's page kind). Paging slices whatever ordered list of coins the
 * page shows (the plain list, or selectScannerSymbols for a sorted or
 * filtered one), so the page stays light however many coins are tracked
 * (up to 300), and a page's socket is sent only its own cards.
 */

export const SCANNER_PAGE_SIZE = 50;
/** The URL parameter holding the page number. */
export const PAGE_PARAM = "p";
const MAX_PAGE = 10_000;

export interface ScannerPaging {
  /** 1-based, within 1 … pages. */
  page: number;
  pages: number;
  /** Coins in the whole list. */
  total: number;
  /** 0-based index of the page's first coin. */
  offset: number;
  symbols: string[];
}

/** The page number a URL asks for (1 when absent), or what is wrong with it. */
export function parseScannerPage(params: URLSearchParams): { ok: true; page: number } | { ok: false; message: string } {
  const values = params.getAll(PAGE_PARAM);
  if (values.length > 1) return { ok: false, message: `${PAGE_PARAM} (the page number) is given ${values.length} times: give it once` };
  const text = (values[0] ?? "").trim();
  if (text === "") return { ok: true, page: 1 };
  if (!/^\d{1,6}$/.test(text) || Number(text) < 1 || Number(text) > MAX_PAGE) {
    return { ok: false, message: `${PAGE_PARAM} must be a page number from 1, not ${JSON.stringify(text.slice(0, 20))}` };
  }
  return { ok: true, page: Number(text) };
}

/** Page `page` of `symbols` (a page past the end shows the last one). */
export function scannerPaging(symbols: readonly string[], page: number, size = SCANNER_PAGE_SIZE): ScannerPaging {
  const pages = Math.max(1, Math.ceil(symbols.length / size));
  const shown = Math.min(Math.max(1, Math.floor(page)), pages);
  const offset = (shown - 1) * size;
  return { page: shown, pages, total: symbols.length, offset, symbols: symbols.slice(offset, offset + size) };
}

/** The live group of page `page` of a scanner list whose first page's group is `group` (page 1 keeps its name). */
export function pagedGroup(group: string, page: number): string {
  return page <= 1 ? group : `${group}${group.includes("?") ? "&" : "?"}${PAGE_PARAM}=${page}`;
}

/** Splits a group name made by pagedGroup into the list's group and the page. */
export function unpagedGroup(name: string): { group: string; page: number } {
  const match = new RegExp(`^(.*)[?&]${PAGE_PARAM}=(\\d{1,6})$`).exec(name);
  if (!match || Number(match[2]) < 2) return { group: name, page: 1 };
  return { group: match[1] as string, page: Number(match[2]) };
}
