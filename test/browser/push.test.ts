/**
 * Pushes that carry only what changed, in a real Chromium against the real
 * server watching 300 coins (issue 17; issue 12 defect 6): the scanner shows
 * one page of cards with links to the others and its figures move in place;
 * the positions table keeps its rows, its Close buttons and a text selection
 * while the P&L moves; a tab in the background is sent nothing until it is
 * shown again.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { api, ARTIFACTS, launchBrowser, openTrackedPage, type TestBrowser } from "./harness.ts";

/** The 29 default coins and 271 made up ones (the simulated market draws any USDT pair). */
const SYMBOLS = [...(await import("../../src/market/symbols.ts")).DEFAULT_SYMBOLS];
for (let i = SYMBOLS.length; i < 300; i++) SYMBOLS.push(`Z${String(i).padStart(3, "0")}USDT`);

let server: TestServer;
let browser: TestBrowser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  // Ticks once a second, as the simulated market does by default.
  server = await startTestServer({ symbols: SYMBOLS, simTickMs: 1000 });
  browser = await launchBrowser();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
}, 30_000);

/** Counts the pushes that carried fragments (not the heartbeat comments) and the heartbeats, from the page's own socket. */
async function countMessages(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { fragments: number; heartbeats: number };
    w.fragments = 0;
    w.heartbeats = 0;
    document.addEventListener("htmx:wsBeforeMessage", (event) => {
      const message = String((event as CustomEvent).detail.message);
      if (message.startsWith("<!--")) w.heartbeats++;
      else w.fragments++;
    });
  });
}

function counts(page: Page): Promise<{ fragments: number; heartbeats: number }> {
  return page.evaluate(() => {
    const w = window as unknown as { fragments: number; heartbeats: number };
    return { fragments: w.fragments, heartbeats: w.heartbeats };
  });
}

describe("pushes with 300 coins, in chromium", () => {
  test("the scanner holds one page of cards and links the next; a page's figures move in place", async () => {
    const { page, errors } = await openTrackedPage(browser, `${server.url}/`, { live: true });
    expect(await page.locator("[data-symbol]").count()).toBe(50);
    await page.locator("nav.pager", { hasText: "coins 1–50 of 300 · page 1 of 6" }).waitFor();
    await page.click('nav.pager a[rel="next"]');
    await page.waitForURL(/\?p=2$/);
    await page.waitForFunction(() => (window as unknown as { wsOpen?: boolean }).wsOpen === true);
    expect(await page.locator("[data-symbol]").count()).toBe(50);
    expect(await page.locator('[data-symbol="Z050USDT"]').count()).toBe(1);
    expect(await page.locator('[data-symbol="BTCUSDT"]').count()).toBe(0);
    // Count what applying the pushes costs in htmx events: htmx-ext-ws alone announces every element
    // swapped so far again after each swap (n² events for n parts); static/live.js applies them one by one.
    await page.evaluate(() => {
      const w = window as unknown as { elements: number; announced: number };
      w.elements = 0;
      w.announced = 0;
      window.addEventListener("htmx:wsBeforeMessage", (event) => {
        const template = document.createElement("template");
        template.innerHTML = String((event as CustomEvent).detail.message);
        w.elements += template.content.children.length;
      }, true);
      document.addEventListener("htmx:oobAfterSwap", () => w.announced++);
    });
    // The market ticks every second: the price on a page-2 card changes in place.
    const price = page.locator("#price-Z050USDT");
    const before = await price.textContent();
    await page.waitForFunction((text) => document.getElementById("price-Z050USDT")?.textContent !== text, before);
    const applied = await page.evaluate(() => {
      const w = window as unknown as { elements: number; announced: number };
      return { elements: w.elements, announced: w.announced };
    });
    expect(applied.elements).toBeGreaterThan(10);
    expect(applied.announced).toBeLessThanOrEqual(applied.elements);
    // The newest step of the sparkline is drawn over the rest.
    expect(await page.locator("#coin-Z050USDT .spark-box .spark-tip polyline").count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, "scanner-300-page-2.png"), fullPage: false, caret: "initial" });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  test("a P&L push replaces the figures only: the rows, the Close buttons and a text selection stay (defect 6)", async () => {
    // Any coin signals long; stops far away, so the positions stay open while prices move.
    expect((await api(server, "/config", { long_threshold: 0, short_threshold: 130, max_positions: 2, tp_pct: 1000, sl_pct: 90 })).status).toBe(200);
    expect((await api(server, "/mode", { mode: "dry-run" })).status).toBe(200);
    expect((await api(server, "/control", { action: "run-cycle" })).status).toBe(200);
    const { page, errors } = await openTrackedPage(browser, `${server.url}/trader`, { live: true });
    const row = page.locator("tr[data-position]").first();
    await row.waitFor();
    const symbol = (await row.getAttribute("data-position")) as string;
    await page.evaluate((s) => {
      const w = window as unknown as { section: Element | null; close: Element | null };
      w.section = document.getElementById("positions");
      w.close = document.querySelector(`tr[data-position="${s}"] button[value="${s}"]`);
      // The owner selects the symbol's text, to copy it.
      const cell = document.querySelector(`tr[data-position="${s}"] td[data-label="Symbol"]`) as Element;
      const range = document.createRange();
      range.selectNodeContents(cell);
      getSelection()?.removeAllRanges();
      getSelection()?.addRange(range);
    }, symbol);
    // The account refresh (every 5 s) moves the position's P&L (to the cent) with the market.
    const pnlId = `pos-${symbol}-pnl`;
    const shown = await page.locator(`#${pnlId}`).textContent();
    await page.waitForFunction(([id, text]) => document.getElementById(id as string)?.textContent !== text, [pnlId, shown] as const, { timeout: 40_000 });
    const kept = await page.evaluate((s) => {
      const w = window as unknown as { section: Element | null; close: Element | null };
      return {
        section: document.getElementById("positions") === w.section,
        close: document.querySelector(`tr[data-position="${s}"] button[value="${s}"]`) === w.close,
        selection: getSelection()?.toString().trim(),
      };
    }, symbol);
    expect(kept).toEqual({ section: true, close: true, selection: symbol });
    expect(errors).toEqual([]);
    expect((await api(server, "/control", { action: "emergency-stop" })).status).toBe(200);
    expect((await api(server, "/control", { action: "clear-lockfile" })).status).toBe(200);
    await page.close();
  }, 60_000);

  test("a tab in the background is sent nothing but heartbeats; shown again, it is caught up at once", async () => {
    const { page, errors } = await openTrackedPage(browser, `${server.url}/`, { live: true });
    await countMessages(page);
    const hide = (hidden: boolean) =>
      page.evaluate((h) => {
        Object.defineProperty(document, "hidden", { value: h, configurable: true });
        Object.defineProperty(document, "visibilityState", { value: h ? "hidden" : "visible", configurable: true });
        document.dispatchEvent(new Event("visibilitychange"));
      }, hidden);
    await hide(true);
    // A heartbeat comes only after 2 s without a push, which a ticking market never leaves a visible tab:
    // the first proves the server heard "hidden", and from it to the second nothing else arrives.
    await page.waitForFunction(() => (window as unknown as { heartbeats: number }).heartbeats >= 1, undefined, { timeout: 20_000 });
    const atFirst = await counts(page);
    await page.waitForFunction(() => (window as unknown as { heartbeats: number }).heartbeats >= 2, undefined, { timeout: 20_000 });
    expect((await counts(page)).fragments).toBe(atFirst.fragments);
    await hide(false);
    // Prices moved meanwhile: back in front, the catch-up is the very next message.
    await page.waitForFunction((f) => (window as unknown as { fragments: number }).fragments > f, atFirst.fragments);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
