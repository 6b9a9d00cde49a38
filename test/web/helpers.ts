/** Request helpers for dashboard route tests (app.request, no network). */
import type { Hono } from "hono";

export const SAME_ORIGIN = { origin: "http://localhost", "sec-fetch-site": "same-origin" };

/** A browser-like form post from the page itself; `htmx` adds the HX-Request header htmx sends. */
export function postForm(app: Hono, path: string, fields: Record<string, string | string[]>, options: { htmx?: boolean; headers?: Record<string, string> } = {}): Promise<Response> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
  return Promise.resolve(app.request(path, {
    method: "POST",
    body: body.toString(),
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...SAME_ORIGIN,
      ...(options.htmx ? { "hx-request": "true" } : {}),
      ...options.headers,
    },
  }));
}

export function postJson(app: Hono, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(app.request(path, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json", ...headers } }));
}

/** Number of non-overlapping occurrences of `needle` in `haystack`. */
export function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

/** The HTML of the element with this id (up to its matching close tag is not needed: up to the next fragment root). */
export function elementById(html: string, id: string): string {
  const start = html.indexOf(`id="${id}"`);
  if (start < 0) return "";
  const open = html.lastIndexOf("<", start);
  const tag = /^<([a-z0-9]+)/.exec(html.slice(open))?.[1] ?? "div";
  // Walk nested tags of the same name to find the matching close.
  let depth = 0;
  const re = new RegExp(`<(/?)${tag}\\b[^>]*>`, "g");
  re.lastIndex = open;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    if (m[0].endsWith("/>")) continue;
    depth += m[1] === "/" ? -1 : 1;
    if (depth === 0) return html.slice(open, m.index + m[0].length);
  }
  return html.slice(open);
}

/** Removes the data-v="boot.version" attributes fragments carry, to compare HTML by content. */
export function stripVersions(html: string): string {
  return html.replace(/ data-v="[0-9a-f]+\.\d+(\.\d+)?"/g, "");
}

/** A WebSocket client that keeps every message it receives; `opened` settles when it connects (or fails to). Close `ws` after the test. */
export function recordingSocket(url: string, headers: Record<string, string> = {}): { ws: WebSocket; messages: string[]; opened: Promise<void> } {
  const messages: string[] = [];
  const ws = new WebSocket(url, { headers } as unknown as string[]);
  ws.addEventListener("message", (e) => messages.push(String(e.data)));
  const opened = new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve());
    ws.addEventListener("error", () => reject(new Error(`could not connect to ${url}`)));
  });
  return { ws, messages, opened };
}
