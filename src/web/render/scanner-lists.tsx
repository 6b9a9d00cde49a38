/**
 * Sorted and filtered scanner pages (`/?sort=…&state=…`) and what keeps them
 * current. Each query in use has one list fragment in the dashboard's
 * FragmentCache (`#scanner-list-HASH`, views/scanner/card-list.tsx): the
 * cards selectScannerSymbols keeps, in its order, rendered on the server. Its
 * live group "scanner?QUERY" (the canonical query; the plain list is group
 * "scanner") carries the market banner, the list, then the list's cards:
 *
 *  - a card that changes is pushed alone, as on the plain scanner;
 *  - when the selection (order or coins) changes, the whole list is pushed,
 *    so a coin that left the filter disappears and one that entered appears,
 *    in the same message as the cards after it (never a card whose place is
 *    not in the page yet). Selections are compared after market changes at
 *    most every REORDER_MS, so cards do not jump about with every tick; a
 *    card that left a state filter meanwhile is marked (app.css). An owner's
 *    change (config: thresholds, use_ta_signals) is compared at once.
 *
 * A page always shows the selection as it is when asked. At most MAX_LISTS
 * queries keep a fragment; the least recently used one is forgotten (a socket
 * still on it defines it again).
 *
 * Long selections are paged (scanner-pages.ts: `&p=N`, SCANNER_PAGE_SIZE
 * cards a page): each page of a query is a list of its own ("scanner?QUERY&p=N"),
 * holding that slice of the selection, so a page's socket is sent only its cards.
 */
import { createHash } from "node:crypto";
import type { WebDeps } from "../deps.ts";
import type { Dashboard } from "./dashboard.tsx";
import { TRADER_FRAGMENT_IDS } from "./dashboard.tsx";
import { PAGE_PARAM, scannerPaging, unpagedGroup, type ScannerPaging } from "./scanner-pages.ts";
import { parseScannerQuery, scannerQueryString, selectScannerSymbols, type ScannerQuery, type ScannerQueryIssue } from "./scanner-query.ts";
import { toHtml } from "./to-html.ts";
import { ScannerPage, type PageShell } from "../../../views/pages.tsx";
import { ScannerList } from "../../../views/scanner/card-list.tsx";
import { coinCardId } from "../../../views/scanner/coin-card.tsx";
import { Pager } from "../../../views/scanner/pager.tsx";

/** How often, at most, a list is re-sorted after market changes. */
export const REORDER_MS = 5000;
const MAX_LISTS = 64;
const GROUP_PREFIX = "scanner?";

interface List {
  query: ScannerQuery;
  /** The page of the selection it shows (1 = the first). */
  page: number;
  /** The canonical query, with `&p=N` past the first page (the key). */
  key: string;
  /** The fragment's element id, the same in every process (a page open across a restart). */
  id: string;
  topic: string;
  /** The coins the list fragment last rendered, in its order. */
  members: string[];
  /** Set by each rendering (see groupIds). */
  rendered: boolean;
  /** The version groupIds last saw. */
  version: number;
}

/** The live group of a scanner page with this query ("scanner" for the plain list). */
export function scannerGroup(query: ScannerQuery): string {
  const key = scannerQueryString(query);
  return key === "" ? "scanner" : GROUP_PREFIX + key;
}

/** The group a scanner page's socket joins, from its URL's query (the same checks as the page). */
export function scannerGroupFor(params: URLSearchParams): { ok: true; group: string } | { ok: false; issues: ScannerQueryIssue[] } {
  const parsed = parseScannerQuery(params);
  return parsed.ok ? { ok: true, group: scannerGroup(parsed.query) } : parsed;
}

export class ScannerLists {
  private readonly lists = new Map<string, List>();
  private lastCheck = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  /** `changed` marks topics stale and schedules a push (LiveHub.changed). */
  constructor(
    private readonly deps: WebDeps,
    private readonly dashboard: Dashboard,
    private readonly shell: PageShell,
    private readonly changed: (topics: string[]) => void,
    private readonly reorderMs = REORDER_MS,
  ) {}

  /** The page for a query other than the plain list (`pageNumber`: its page of the selection). */
  page(query: ScannerQuery, pageNumber = 1): string {
    const list = this.ensure(query, pageNumber);
    const cache = this.dashboard.cache;
    // Shown as it is now: re-rendered if its selection moved or a card changed since it was rendered.
    const version = cache.get(list.id).version;
    const current = this.selectPage(list).symbols;
    if (!sameList(current, list.members) || current.some((symbol) => cache.get(coinCardId(symbol)).version > version)) {
      cache.invalidate([list.topic]);
      // The other pages on this list get the new rendering too.
      this.changed([list.topic]);
    }
    const fragments = cache.getAll([TRADER_FRAGMENT_IDS.banner, list.id]);
    const params = new URLSearchParams(list.key);
    params.set("page", "scanner");
    params.set("since", this.dashboard.since());
    return "<!doctype html>" + toHtml(
      <ScannerPage
        shell={this.shell}
        wsUrl={`/ws?${params.toString()}`}
        banner={fragments[0]?.html ?? ""}
        cards={[]}
        count={this.dashboard.symbols.length}
        scoring={this.deps.market.scorerLabel?.() ?? "built-in base score"}
        query={query}
        list={fragments[1]?.html ?? ""}
      />,
    );
  }

  /** A 400 page naming what is wrong with the query. */
  problemPage(issues: ScannerQueryIssue[]): string {
    return "<!doctype html>" + toHtml(
      <ScannerPage
        shell={this.shell}
        wsUrl={null}
        banner={this.dashboard.cache.get(TRADER_FRAGMENT_IDS.banner).html}
        cards={[]}
        count={this.dashboard.symbols.length}
        scoring={this.deps.market.scorerLabel?.() ?? "built-in base score"}
        issues={issues.map((issue) => issue.message)}
      />,
    );
  }

  /** The ids of a group "scanner?QUERY" (hub dynamicGroups), or null for a name that is not one. */
  groupIds(name: string): (() => readonly string[]) | null {
    if (!name.startsWith(GROUP_PREFIX)) return null;
    const { group, page } = unpagedGroup(name);
    // "scanner?p=2" is a page of the plain list: the dashboard's (Dashboard.scannerPageGroupIds).
    if (!group.startsWith(GROUP_PREFIX)) return null;
    const parsed = parseScannerQuery(new URLSearchParams(group.slice(GROUP_PREFIX.length)));
    if (!parsed.ok || scannerGroup(parsed.query) !== group) return null;
    const query = parsed.query;
    return () => {
      const list = this.ensure(query, page);
      // Rendered first, so the cards named are those the pushed list holds.
      list.rendered = false;
      const version = this.dashboard.cache.get(list.id).version;
      const renewed = list.rendered && version !== list.version;
      list.version = version;
      // A list rendered anew just now holds every card as it is: sending them again would double the message.
      return renewed ? [TRADER_FRAGMENT_IDS.banner, list.id] : [TRADER_FRAGMENT_IDS.banner, list.id, ...list.members.map(coinCardId)];
    };
  }

  /**
   * The market or the config changed: compare each list's selection with what
   * it shows, now for an owner's change, else at most every `reorderMs`.
   */
  reconsider(urgent: boolean): void {
    if (this.lists.size === 0) return;
    const wait = this.lastCheck + this.reorderMs - Date.now();
    if (urgent || wait <= 0) return this.check();
    this.timer ??= setTimeout(() => this.check(), wait);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private check(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.lastCheck = Date.now();
    const moved = [...this.lists.values()].filter((list) => !sameList(this.selectPage(list).symbols, list.members));
    if (moved.length > 0) this.changed(moved.map((list) => list.topic));
  }

  private select(query: ScannerQuery): string[] {
    return selectScannerSymbols(query, this.dashboard.symbols, (symbol) => this.deps.market.coin(symbol), this.dashboard.status().config);
  }

  /** The list's page of its query's selection. */
  private selectPage(list: List): ScannerPaging {
    return scannerPaging(this.select(list.query), list.page);
  }

  /** The query's list (its page `page`), defined in the cache if need be, and now the most recently used. */
  private ensure(query: ScannerQuery, page = 1): List {
    const queryKey = scannerQueryString(query);
    const key = page > 1 ? `${queryKey}&${PAGE_PARAM}=${page}` : queryKey;
    let list = this.lists.get(key);
    if (list) {
      this.lists.delete(key);
      this.lists.set(key, list);
      return list;
    }
    const id = `scanner-list-${createHash("sha256").update(key).digest("hex").slice(0, 12)}`;
    const made: List = { query, page, key, id, topic: `scanner-list:${key}`, members: [], rendered: false, version: -1 };
    const cache = this.dashboard.cache;
    cache.define({
      id,
      topics: [made.topic],
      render: () => {
        made.rendered = true;
        const paging = this.selectPage(made);
        made.members = paging.symbols;
        // The cards as the snapshots just sorted on: the market's change notices are throttled, so a cached
        // card can be a moment older than the snapshot, and the order would not match what the cards say.
        cache.invalidate(made.members.map((symbol) => `coin:${symbol}`));
        const cards = cache.getAll(made.members.map(coinCardId)).map((f) => f.html);
        const pager = toHtml(<Pager paging={paging} query={queryKey} />);
        return toHtml(<ScannerList id={id} query={query} total={this.dashboard.symbols.length} cards={cards} matched={paging.total} pager={pager} />);
      },
    });
    this.lists.set(key, made);
    if (this.lists.size > MAX_LISTS) {
      const [oldest] = this.lists.values();
      if (oldest) {
        this.lists.delete(oldest.key);
        cache.forget(oldest.id);
      }
    }
    return made;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((symbol, i) => symbol === b[i]);
}
