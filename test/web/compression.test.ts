/**
 * Pages, JSON and CSV are gzipped for a client that accepts it (app.ts,
 * hono's compress): what a phone pays to load the scanner. Static assets are
 * not (the browser caches them by their hashed URL).
 */
import { afterEach, expect, test } from "bun:test";
import { serveDashboard, type ServedDashboard } from "./served-dashboard.ts";

let served: ServedDashboard | null = null;
afterEach(async () => {
  await served?.stop();
  served = null;
});

/** The app's chain on a loopback port (the hot-reads lane has its own test: hot-reads.test.ts). */
async function start(): Promise<string> {
  served = await serveDashboard();
  return `http://${served.base}`;
}

/** The answer as sent, not decompressed by fetch. */
function raw(url: string, encoding: string | null): Promise<Response> {
  return fetch(url, { headers: encoding === null ? {} : { "accept-encoding": encoding }, decompress: false } as RequestInit);
}

test("the scanner page, the trader page and the status JSON go gzipped to a client that accepts it, the same bytes inside", async () => {
  const base = await start();
  for (const path of ["/", "/trader", "/trader/coins", "/api/trader/status"]) {
    const plain = await raw(base + path, null);
    const plainText = await plain.text();
    expect(plain.headers.get("content-encoding")).toBeNull();
    const zipped = await raw(base + path, "gzip, deflate, br");
    expect(zipped.status).toBe(200);
    expect(zipped.headers.get("content-encoding")).toBe("gzip");
    expect(zipped.headers.get("vary")).toBe("Accept-Encoding");
    // The security headers are on the compressed answer too.
    expect(zipped.headers.get("content-security-policy")).toContain("default-src 'self'");
    const bytes = new Uint8Array(await zipped.arrayBuffer());
    expect(new TextDecoder().decode(Bun.gunzipSync(bytes)).replace(/data-v="[^"]+"|since=[\w.]+/g, "")).toBe(plainText.replace(/data-v="[^"]+"|since=[\w.]+/g, ""));
    if (path === "/") expect(bytes.length).toBeLessThan(plainText.length / 4);
  }
});

test("static assets are sent as they are (the browser caches them by their hashed URL)", async () => {
  const base = await start();
  const page = await (await fetch(base + "/")).text();
  const script = /src="(\/static\/htmx\.min\.js\?v=[^"]+)"/.exec(page)?.[1];
  expect(script).toBeDefined();
  const asset = await raw(base + script!, "gzip");
  expect(asset.status).toBe(200);
  expect(asset.headers.get("content-encoding")).toBeNull();
});
