/**
 * Every fragment of the dashboard, defined once: its id, the topics that make
 * it stale, and how it renders from WebDeps. Pages are assembled from these
 * cached strings (and cached themselves until any fragment changes), and the
 * WebSocket pushes the very same strings.
 *
 * Topics: the controller's "status" | "account" | "config" | "logs", plus
 * "market" (source status), "coins" (any snapshot) and "coin:SYMBOL".
 */
import { DEFAULT_SYMBOLS } from "../../market/symbols.ts";
import type { TraderStatus } from "../../trader/controller.ts";
import type { LogKind } from "../../trader/ports.ts";
import type { WebDeps } from "../deps.ts";
import { buildJsonPayload } from "../live/json-payload.ts";
import { MarketBanner } from "../../../views/banner.tsx";
import { CoinsPage, ScannerPage, TraderPage, type PageShell, type TraderFragments } from "../../../views/pages.tsx";
import { CoinCard, coinCardId } from "../../../views/scanner/coin-card.tsx";
import { Pager } from "../../../views/scanner/pager.tsx";
import { Account } from "../../../views/trader/account.tsx";
import { LOG_TABS, LogPanel, logPanelId } from "../../../views/trader/activity-log.tsx";
import { COIN_LISTS_TABLE_ID, CoinLists, CoinListsTable } from "../../../views/trader/coin-lists.tsx";
import { ConfigForm } from "../../../views/trader/config-form.tsx";
import { History } from "../../../views/trader/history.tsx";
import { NotifyChannels, NotifySettings } from "../../../views/trader/notifications.tsx";
import { Positions } from "../../../views/trader/positions.tsx";
import { TraderState } from "../../../views/trader/trader-state.tsx";
import { FragmentCache, type Fragment } from "./fragment-cache.ts";
import { PAGE_PARAM, scannerPaging, unpagedGroup } from "./scanner-pages.ts";
import { toHtml } from "./to-html.ts";

export const LOG_LIMIT = 50;
export const HISTORY_LIMIT = 25;
export const EQUITY_POINTS = 500;
const STATUS_MEMO_MS = 100;

export const TRADER_FRAGMENT_IDS = {
  banner: "market-banner",
  state: "trader-state",
  account: "account",
  positions: "positions",
  history: "history",
  config: "config-panel",
  coinLists: "coin-lists",
  notifyChannels: "notify-channels",
  notifySettings: "notify-settings",
} as const;

/** One-off renderings that replace a cached fragment on one answer (a form showing a refusal). */
export interface PageOverrides {
  state?: string;
  config?: string;
  notifySettings?: string;
}

export class Dashboard {
  readonly cache = new FragmentCache();
  readonly symbols: string[];
  private readonly traderIdList: string[];
  /** /trader/coins: the banner and the per-coin toggles. */
  private readonly coinsIdList: string[];
  /** The plain list's pages (ids per page number), and each page's HTML with the newest version it holds. */
  private readonly scannerIdLists = new Map<number, string[]>();
  private readonly scannerPageCaches = new Map<number, { version: number; html: string }>();
  private traderPageCache = { version: -1, html: "" };

  constructor(
    private readonly deps: WebDeps,
    private readonly shell: PageShell,
  ) {
    const listed = deps.market.symbols();
    this.symbols = listed.length > 0 ? [...listed] : [...DEFAULT_SYMBOLS];
    const c = this.cache;
    const ids = TRADER_FRAGMENT_IDS;

    c.define({ id: ids.banner, topics: ["market"], render: () => toHtml(<MarketBanner status={deps.market.status()} />) });
    for (const symbol of this.symbols) {
      c.define({
        id: coinCardId(symbol),
        topics: [`coin:${symbol}`, "config"],
        render: () => toHtml(<CoinCard symbol={symbol} coin={deps.market.coin(symbol)} config={this.status().config} />),
      });
    }
    // "account": Clear's confirmation depends on the drawdown (the HTML changes only when it crosses the limit).
    c.define({ id: ids.state, topics: ["status", "config", "market", "account"], render: () => toHtml(<TraderState status={this.status()} />) });
    c.define({
      id: ids.account,
      topics: ["account", "config", "status"],
      render: () => {
        const status = this.status();
        return toHtml(
          <Account
            scoring={deps.market.scorerLabel?.() ?? "built-in base score"}
            account={status.account}
            error={status.account_error}
            exchange={status.exchange}
            curve={deps.record.equityCurve(EQUITY_POINTS)}
            killSwitchPct={status.config.kill_switch_drawdown_pct}
            status={status}
          />,
        );
      },
    });
    c.define({
      id: ids.positions,
      topics: ["account", "status"],
      render: () => {
        const status = this.status();
        return toHtml(<Positions positions={status.positions} exchange={status.exchange} closing={status.closing} cooldowns={status.cooldowns} />);
      },
    });
    c.define({ id: ids.history, topics: ["account", "logs"], render: () => toHtml(<History trades={deps.record.closedTrades(HISTORY_LIMIT)} />) });
    c.define({ id: ids.config, topics: ["config"], render: () => toHtml(<ConfigForm config={this.status().config} />) });
    c.define({ id: ids.coinLists, topics: ["config"], render: () => toHtml(<CoinLists symbols={this.symbols} config={this.status().config} />) });
    // The per-coin toggles: on /trader/coins only (a row per coin; not on every /trader load).
    c.define({ id: COIN_LISTS_TABLE_ID, topics: ["config"], render: () => toHtml(<CoinListsTable symbols={this.symbols} config={this.status().config} />) });
    // "notify": a channel's state changed (src/notify/); apart from the form, so a message sent never resets a choice being made.
    c.define({ id: ids.notifyChannels, topics: ["notify"], render: () => toHtml(<NotifyChannels status={deps.notifications?.status() ?? null} />) });
    c.define({ id: ids.notifySettings, topics: ["config"], render: () => toHtml(<NotifySettings settings={this.status().config.notifications} />) });
    for (const tab of LOG_TABS) {
      c.define({
        id: logPanelId(tab.kind),
        // Controller actions log and then notify "status"/"config" (not always "logs").
        topics: ["logs", "status", "config"],
        render: () => toHtml(<LogPanel kind={tab.kind} entries={deps.record.logs({ kind: tab.kind, limit: LOG_LIMIT })} />),
      });
    }
    c.define({ id: "json", topics: ["market", "coins", "account", "status", "logs", "config"], render: () => JSON.stringify(buildJsonPayload(deps)), plain: true });

    this.coinsIdList = [ids.banner, COIN_LISTS_TABLE_ID];
    this.traderIdList = [ids.banner, ids.state, ids.account, ids.positions, ids.history, ids.config, ids.coinLists, ids.notifyChannels, ids.notifySettings, ...LOG_TABS.map((t) => logPanelId(t.kind))];
  }

  /**
   * controller.status() once per burst of renders, not once per fragment: it
   * reads the lockfile, and a config change re-renders all 29 cards. Forgotten
   * on every controller notification and after a short while regardless.
   */
  private statusMemo: { at: number; value: TraderStatus } | null = null;

  status(): TraderStatus {
    const now = Date.now();
    if (this.statusMemo && now - this.statusMemo.at < STATUS_MEMO_MS) return this.statusMemo.value;
    const value = this.deps.controller.status();
    this.statusMemo = { at: now, value };
    return value;
  }

  forgetStatus(): void {
    this.statusMemo = null;
  }

  /** The fragments of page `page` of the plain scanner list: the banner and that page's cards. */
  scannerIds(page = 1): readonly string[] {
    const paging = scannerPaging(this.symbols, page);
    let ids = this.scannerIdLists.get(paging.page);
    if (!ids) this.scannerIdLists.set(paging.page, (ids = [TRADER_FRAGMENT_IDS.banner, ...paging.symbols.map(coinCardId)]));
    return ids;
  }

  /** The ids of a live group "scanner?p=N" (page N of the plain list), or null for a name that is not one. */
  scannerPageGroupIds(name: string): (() => readonly string[]) | null {
    const { group, page } = unpagedGroup(name);
    if (group !== "scanner" || page < 2 || page > scannerPaging(this.symbols, page).pages) return null;
    return () => this.scannerIds(page);
  }

  traderIds(): readonly string[] {
    return this.traderIdList;
  }

  coinsIds(): readonly string[] {
    return this.coinsIdList;
  }

  /** "boot.version": what a page rendered now already contains. */
  since(): string {
    return `${this.cache.boot}.${this.cache.version()}`;
  }

  /** Page `page` of the plain list (the last page for a number past the end), rebuilt only when one of its fragments changed. */
  scannerPage(page = 1): string {
    const paging = scannerPaging(this.symbols, page);
    const fragments = this.cache.getAll(this.scannerIds(paging.page));
    const version = newest(fragments);
    const cached = this.scannerPageCaches.get(paging.page);
    if (cached?.version === version) return cached.html;
    const [banner, ...cards] = fragments.map((f) => f.html);
    const wsUrl = `/ws?page=scanner${paging.page > 1 ? `&${PAGE_PARAM}=${paging.page}` : ""}&since=${this.since()}`;
    const pager = toHtml(<Pager paging={paging} query="" />);
    const html = "<!doctype html>" + toHtml(
      <ScannerPage shell={this.shell} wsUrl={wsUrl} banner={banner ?? ""} cards={cards} count={this.symbols.length} scoring={this.deps.market.scorerLabel?.() ?? "built-in base score"} pager={pager} />,
    );
    this.scannerPageCaches.set(paging.page, { version, html });
    return html;
  }

  /** The trader page; `overrides` (fragment id → html) and `flash` make a one-off, uncached page (a refused form without JS). */
  traderPage(overrides: PageOverrides = {}, flash?: string): string {
    const ids = TRADER_FRAGMENT_IDS;
    const get = (id: string) => this.cache.get(id).html;
    const version = newest(this.cache.getAll(this.traderIdList));
    const oneOff = flash !== undefined || Object.keys(overrides).length > 0;
    if (!oneOff && this.traderPageCache.version === version) return this.traderPageCache.html;
    const fragments: TraderFragments = {
      banner: get(ids.banner),
      state: overrides.state ? this.pinVersion(ids.state, overrides.state) : get(ids.state),
      account: get(ids.account),
      positions: get(ids.positions),
      history: get(ids.history),
      config: overrides.config ? this.pinVersion(ids.config, overrides.config) : get(ids.config),
      coinLists: get(ids.coinLists),
      notifyChannels: get(ids.notifyChannels),
      notifySettings: overrides.notifySettings ? this.pinVersion(ids.notifySettings, overrides.notifySettings) : get(ids.notifySettings),
      logs: LOG_TABS.map((t) => get(logPanelId(t.kind))),
    };
    const html = "<!doctype html>" + toHtml(<TraderPage shell={this.shell} wsUrl={`/ws?page=trader&since=${this.since()}`} fragments={fragments} flash={flash} />);
    if (!oneOff) this.traderPageCache = { version, html };
    return html;
  }

  /** /trader/coins; `flash` (a refused toggle without JS) shows the result above the table. */
  coinsPage(flash?: string): string {
    // Rendered first: `since` must cover what the page holds.
    const [banner, table] = this.cache.getAll(this.coinsIdList).map((f) => f.html) as [string, string];
    return "<!doctype html>" + toHtml(<CoinsPage shell={this.shell} wsUrl={`/ws?page=coins&since=${this.since()}`} banner={banner} table={table} flash={flash} />);
  }

  /** What changed on /trader/coins after `version` (the answer to a toggle posted from it). */
  coinsChangesSince(version: number): string[] {
    return this.cache.changes(this.coinsIdList, version, { oob: true });
  }

  /** A one-off rendering of fragment `id`, marked with its current version (see FragmentCache.pin). */
  pinVersion(id: string, html: string): string {
    return this.cache.pin(id, html);
  }

  /** What changed in the trader fragments after `version`: whole fragments or their parts (the answer to a page form, as out-of-band swaps). */
  traderChangesSince(version: number): string[] {
    return this.cache.changes(this.traderIdList, version, { oob: true });
  }

  logKinds(): LogKind[] {
    return LOG_TABS.map((t) => t.kind);
  }
}

/**
 * The newest version among a page's fragments: versions come from one counter,
 * so it changes exactly when one of them does (a coin card's tick does not
 * rebuild the trader page).
 */
function newest(fragments: readonly Fragment[]): number {
  let version = 0;
  for (const fragment of fragments) if (fragment.version > version) version = fragment.version;
  return version;
}
