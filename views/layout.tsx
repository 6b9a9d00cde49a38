/**
 * The page shell: dark monospace layout, main nav, the flash slot, and the one
 * WebSocket (htmx ws extension) that applies pushed fragments by id. Scripts
 * come only from /static (CSP script-src 'self'); htmx is configured by the
 * meta tag below, never by inline script. The header's connection indicator
 * (#conn) and the banner under it (#conn-banner) are rendered hidden and
 * driven by static/connection.js: without JavaScript nothing is live, so
 * there is nothing to report.
 */
import type { Child } from "hono/jsx";
import { STALE_AFTER_MS } from "../src/web/live/heartbeat.ts";

export interface LayoutAssets {
  css: string;
  htmx: string;
  ws: string;
  live: string;
  /** static/connection.js: the connection indicator and failed-request messages. */
  connection: string;
  favicon: string;
}

/**
 * How long htmx waits for an answer before saying so in #flash: well past the
 * server's control deadline (8 s, CONTROL_DEADLINE_MS), after which a control
 * still running answers 202 "still running" itself.
 */
export const REQUEST_TIMEOUT_MS = 20_000;

/**
 * htmx settings: no inline indicator <style> (CSP), no eval (hx-on/js: off), no
 * script tags from responses, requests only to this server, and swap error
 * responses too (they carry the refusal message as out-of-band fragments).
 * No history cache: going back to a URL htmx pushed (a backtest started from
 * /backtest) loads that page afresh. Out-of-band swaps only for an answer's
 * top-level elements: a fragment nested in swapped content (a card in the
 * scanner view an htmx request fetched) carries hx-swap-oob because the same
 * string is also a push, and is content there, not a swap of its own.
 */
const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  selfRequestsOnly: true,
  historyCacheSize: 0,
  refreshOnHistoryMiss: true,
  timeout: REQUEST_TIMEOUT_MS,
  allowNestedOobSwaps: false,
  responseHandling: [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "[45]..", swap: true, error: true },
  ],
});

export function Layout(props: {
  title: string;
  active: "scanner" | "trader" | "performance" | "history" | "backtest" | null;
  assets: LayoutAssets;
  /**
   * ws-connect URL on <body>; null on pages without live updates (login) and
   * on pages whose <main> holds its own (the backtest pages: an htmx answer
   * swaps the main, and its socket with it).
   */
  wsUrl: string | null;
  authEnabled: boolean;
  children?: Child;
}) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content={HTMX_CONFIG} />
        <meta name="color-scheme" content="dark" />
        <title>{props.title}</title>
        <link rel="icon" href={props.assets.favicon} type="image/svg+xml" />
        <link rel="stylesheet" href={props.assets.css} />
        <script src={props.assets.htmx} defer />
        <script src={props.assets.ws} defer />
        <script src={props.assets.live} defer />
        <script src={props.assets.connection} defer />
      </head>
      <body hx-ext={props.wsUrl ? "ws" : undefined} ws-connect={props.wsUrl ?? undefined}>
        <header class="top">
          <nav class="main-nav">
            <a href="/" aria-current={props.active === "scanner" ? "page" : undefined}>Scanner</a>
            <a href="/trader" aria-current={props.active === "trader" ? "page" : undefined}>Trader</a>
            <a href="/performance" aria-current={props.active === "performance" ? "page" : undefined}>Performance</a>
            <a href="/history" aria-current={props.active === "history" ? "page" : undefined}>History</a>
            <a href="/backtest" aria-current={props.active === "backtest" ? "page" : undefined}>Backtest</a>
            {/* In the nav's flow so that on a phone it wraps beside the links instead of taking a row of its own. */}
            <span id="conn" class="conn" data-stale-after-ms={String(STALE_AFTER_MS)} hidden>
              <span class="conn-dot" aria-hidden="true" />
              <span class="conn-text" />
            </span>
          </nav>
          {props.authEnabled && props.active ? (
            <form method="post" action="/logout" class="logout">
              <button type="submit">Log out</button>
            </form>
          ) : null}
        </header>
        <p id="conn-banner" class="conn-banner" role="alert" hidden />
        {props.children}
      </body>
    </html>
  );
}
