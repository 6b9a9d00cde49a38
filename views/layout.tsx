/**
 * The page shell: dark monospace layout, main nav, the flash slot, and the one
 * WebSocket (htmx ws extension) that applies pushed fragments by id. Scripts
 * come only from /static (CSP script-src 'self'); htmx is configured by the
 * meta tag below, never by inline script.
 */
import type { Child } from "hono/jsx";

export interface LayoutAssets {
  css: string;
  htmx: string;
  ws: string;
  live: string;
  favicon: string;
}

/**
 * htmx settings: no inline indicator <style> (CSP), no eval (hx-on/js: off), no
 * script tags from responses, requests only to this server, and swap error
 * responses too (they carry the refusal message as out-of-band fragments).
 */
const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  selfRequestsOnly: true,
  historyCacheSize: 0,
  responseHandling: [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "[45]..", swap: true, error: true },
  ],
});

export function Layout(props: {
  title: string;
  active: "scanner" | "trader" | null;
  assets: LayoutAssets;
  /** ws-connect URL; null on pages without live updates (login). */
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
      </head>
      <body hx-ext={props.wsUrl ? "ws" : undefined} ws-connect={props.wsUrl ?? undefined}>
        <header class="top">
          <nav class="main-nav">
            <a href="/" aria-current={props.active === "scanner" ? "page" : undefined}>Scanner</a>
            <a href="/trader" aria-current={props.active === "trader" ? "page" : undefined}>Trader</a>
          </nav>
          {props.authEnabled && props.active ? (
            <form method="post" action="/logout" class="logout">
              <button type="submit">Log out</button>
            </form>
          ) : null}
        </header>
        {props.children}
      </body>
    </html>
  );
}
