/**
 * Whole pages, assembled from fragment strings the fragment cache already
 * rendered (so a page costs a concatenation, not a re-render).
 */
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { DEFAULT_SCANNER_QUERY, type ScannerQuery } from "../src/web/render/scanner-query.ts";
import { Layout, type LayoutAssets } from "./layout.tsx";
import { ScannerControls } from "./scanner/controls.tsx";
import { ActivityLogTabs } from "./trader/activity-log.tsx";
import { PageForm } from "./trader/forms.tsx";

export interface PageShell {
  assets: LayoutAssets;
  authEnabled: boolean;
}

/**
 * The scanner: its sort and filter form, then `#scanner-view` with the cards
 * and the page's socket (on the view, not on <body>: applying another sort or
 * filter swaps the view, and with it the socket that joins that list's group).
 * `list` is a sorted or filtered list's fragment (views/scanner/card-list.tsx),
 * else `cards` are the plain list; `issues` (a bad query, 400) replace both.
 * `pager` (views/scanner/pager.tsx) links the other pages of a long list.
 */
export function ScannerPage(props: {
  shell: PageShell;
  wsUrl: string | null;
  banner: string;
  cards: string[];
  count: number;
  scoring: string;
  query?: ScannerQuery;
  list?: string;
  issues?: string[];
  pager?: string;
}) {
  return (
    <Layout title="Scanner" active="scanner" assets={props.shell.assets} wsUrl={null} authEnabled={props.shell.authEnabled}>
      <FlashSlot />
      {raw(props.banner)}
      <main class="scanner">
        <h1>Scanner <small class="muted">{props.count} coins · 5m · <span id="scoring">scoring: {props.scoring}</span></small></h1>
        <ScannerControls query={props.query ?? DEFAULT_SCANNER_QUERY} />
        <section id="scanner-view" hx-ext={props.wsUrl ? "ws" : undefined} ws-connect={props.wsUrl ?? undefined}>
          {props.issues ? (
            <div class="panel query-issues" role="alert">
              <p>This sort or filter cannot be shown:</p>
              <ul>{props.issues.map((issue) => <li>{issue}</li>)}</ul>
              <p><a href="/">All coins, in list order</a></p>
            </div>
          ) : props.list !== undefined ? raw(props.list) : (
            <div class="cards" id="cards">{raw(props.cards.join(""))}</div>
          )}
          {props.pager ? raw(props.pager) : null}
        </section>
      </main>
    </Layout>
  );
}

export interface TraderFragments {
  banner: string;
  state: string;
  account: string;
  positions: string;
  history: string;
  config: string;
  coinLists: string;
  notifyChannels: string;
  notifySettings: string;
  logs: string[];
}

export function TraderPage(props: { shell: PageShell; wsUrl: string; fragments: TraderFragments; flash?: string }) {
  const f = props.fragments;
  return (
    <Layout title="Trader" active="trader" assets={props.shell.assets} wsUrl={props.wsUrl} authEnabled={props.shell.authEnabled}>
      <FlashSlot>{props.flash ? raw(props.flash) : null}</FlashSlot>
      {raw(f.banner)}
      <main class="trader">
        <div class="col side">
          {raw(f.state)}
          <section class="panel emergency-panel">
            <PageForm
              action="/trader/emergency-stop"
              confirm="EMERGENCY STOP: turn the trader OFF, set paused, write the lockfile and market-close EVERY position now?"
              class="emergency"
            >
              <button type="submit" id="emergency-stop" class="danger">EMERGENCY STOP</button>
              <small class="muted">Stops the loop, pauses, locks, and closes every position (asks to confirm).</small>
            </PageForm>
          </section>
          {raw(f.account)}
        </div>
        <div class="col main-col">
          {raw(f.positions)}
          {raw(f.history)}
          {raw(f.config)}
          {raw(f.coinLists)}
          {raw(f.notifyChannels)}
          {raw(f.notifySettings)}
        </div>
        <ActivityLogTabs>{raw(f.logs.join(""))}</ActivityLogTabs>
      </main>
    </Layout>
  );
}

/** /trader/coins: the whitelist and blacklist toggles per coin (views/trader/coin-lists.tsx), live like /trader. */
export function CoinsPage(props: { shell: PageShell; wsUrl: string; banner: string; table: string; flash?: string }) {
  return (
    <Layout title="Coins" active="trader" assets={props.shell.assets} wsUrl={props.wsUrl} authEnabled={props.shell.authEnabled}>
      <FlashSlot>{props.flash ? raw(props.flash) : null}</FlashSlot>
      {raw(props.banner)}
      <main class="narrow">
        <p><a href="/trader">← Trader</a></p>
        {raw(props.table)}
      </main>
    </Layout>
  );
}

/** Without JavaScript, a dangerous action asks once more on a page of its own (`fields` carry its single-use confirm_token). */
export function ConfirmPage(props: { shell: PageShell; title: string; question: string; action: string; fields: Record<string, string> }) {
  return (
    <Layout title={props.title} active="trader" assets={props.shell.assets} wsUrl={null} authEnabled={props.shell.authEnabled}>
      <main class="narrow">
        <section class="panel">
          <h1>{props.title}</h1>
          <p>{props.question}</p>
          <form method="post" action={props.action}>
            {Object.entries(props.fields).map(([name, value]) => <input type="hidden" name={name} value={value} />)}
            <button type="submit" class="danger" id="confirm-action">Yes, do it</button>
            {" "}<a href="/trader">Cancel</a>
          </form>
        </section>
      </main>
    </Layout>
  );
}

export function LoginPage(props: { shell: PageShell; next: string; error: string | null }) {
  return (
    <Layout title="Log in" active={null} assets={props.shell.assets} wsUrl={null} authEnabled={props.shell.authEnabled}>
      <main class="narrow">
        <section class="panel">
          <h1>Log in</h1>
          <form method="post" action="/login" class="login">
            <input type="hidden" name="next" value={props.next} />
            <label for="token">Dashboard token</label>
            <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
            {props.error ? <p class="field-error" role="alert">{props.error}</p> : null}
            <button type="submit" class="primary">Log in</button>
          </form>
        </section>
      </main>
    </Layout>
  );
}

/** The result of a page action, shown inside `#flash` (the slot itself is never replaced). */
export function FlashMessage(props: { ok: boolean; message: string }) {
  return <p class={`flash ${props.ok ? "ok" : "error"}`}>{props.message}</p>;
}

/** The slot page actions answer into (`#flash`); pushes never replace it. */
export function FlashSlot(props: { children?: Child }) {
  return <div id="flash" role="status" aria-live="polite">{props.children}</div>;
}
