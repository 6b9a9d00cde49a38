/**
 * /performance and /history in a real browser against the real server:
 * two dry-run trades opened by the real cycle on the paper exchange and
 * closed with Close all, plus fixture trades (dry-run and live) written
 * through the real store. The page's figures must equal what this test works
 * out from the trade table itself; hovering the equity chart shows a value;
 * the history filters by coin and mode, pages, and downloads the filtered
 * CSV. No console error (the page's CSP refuses inline script and style).
 * Screenshots at 1280×800 and 390×844 go to test-artifacts/.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { openStore } from "../../src/store/trader-store.ts";
import { formatPct, formatSignedUsd } from "../../views/format.ts";
import { sampleTrades, writeEquity, writeTrades } from "../helpers/trade-fixtures.ts";
import { waitFor } from "../helpers/wait.ts";
import { api, ARTIFACTS, launchBrowser, startTestServer, type TestBrowser, type TestServer } from "./harness.ts";

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

let server: TestServer;
let browser: TestBrowser;

interface Row {
  id: number;
  symbol: string;
  mode: string;
  pnl: number;
}

/** The closed trades as the table holds them, read with plain SQL (not through the code under test). */
function closedTrades(): Row[] {
  const db = new Database(join(server.dataDir, "trader.db"), { readonly: true });
  try {
    return db.query<Row, []>("SELECT id, symbol, mode, pnl FROM trades WHERE closed_at IS NOT NULL").all();
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await startTestServer();
  browser = await launchBrowser();
  // Two real dry-run trades: thresholds that make any coin a long, one cycle, then Close all.
  expect((await api(server, "/config", { long_threshold: 0, short_threshold: 130, max_positions: 2 })).status).toBe(200);
  expect((await api(server, "/mode", { mode: "dry-run" })).status).toBe(200);
  expect((await api(server, "/control", { action: "run-cycle" })).status).toBe(200);
  expect((await api(server, "/close-all", {})).status).toBe(200);
  await waitFor("the two closes in the record", () => closedTrades().length === 2, 10_000);
  // And the fixture trades of the last weeks, both modes, written as the journal writes them.
  const store = openStore(server.dataDir);
  try {
    const fixtures = sampleTrades(Date.now() - 20 * 86_400_000);
    writeTrades(store, fixtures);
    writeEquity(store, fixtures, "dry-run");
  } finally {
    store.close();
  }
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
}, 30_000);

async function openPage(path: string, viewport = DESKTOP): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(10_000);
  await page.setViewportSize(viewport);
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(server.url + path);
  return { page, errors };
}

async function noSidewaysScroll(page: Page): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(page.viewportSize()!.width);
}

const metric = (page: Page, name: string) => page.locator(`[data-metric="${name}"] dd`).first().textContent();

describe("/performance in chromium", () => {
  test("after closed trades it shows their figures, and the equity chart says its value on hover", async () => {
    const dry = closedTrades().filter((t) => t.mode === "dry-run");
    expect(dry.length).toBe(32);
    const net = dry.reduce((sum, t) => sum + t.pnl, 0);
    const winRate = (dry.filter((t) => t.pnl > 0).length / dry.length) * 100;

    // From another page of the header (the history: light, no live pushes) to Performance.
    const { page, errors } = await openPage("/history");
    await page.click('nav.main-nav a[href="/performance"]');
    await page.waitForURL("**/performance");
    expect(await page.locator("main.performance").getAttribute("data-mode")).toBe("dry-run");
    expect(await page.locator("#mode-note").textContent()).toContain("Showing dry-run (paper account) trades only, the trader's current mode");
    expect(await metric(page, "net_pnl")).toBe(formatSignedUsd(net));
    expect(await metric(page, "win_rate_pct")).toBe(formatPct(winRate));
    expect(await metric(page, "trades")).toBe("32");

    // The interactive charts replace the SVG ones once the library has drawn them.
    const equity = page.locator('figure[data-lc-chart="equity"]');
    await page.locator('figure.lc-ready[data-lc-chart="equity"]').waitFor();
    expect(await equity.locator("svg.chart").isVisible()).toBe(false);
    const readout = equity.locator(".chart-readout");
    expect(await readout.textContent()).toMatch(/^Latest: .* · equity [\d,]+\.\d\d USDT$/);
    const box = (await equity.locator(".lc-holder").boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.45, box.y + box.height / 2);
    await page.locator('figure[data-lc-chart="equity"] .chart-readout[data-hovered]').waitFor();
    expect(await readout.textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ · equity [\d,]+\.\d\d USDT$/);
    await page.screenshot({ path: join(ARTIFACTS, "performance-desktop.png"), fullPage: true, caret: "initial" });

    // The other mode: live figures alone.
    await page.click('nav.mode-switch a[data-mode="live"]');
    await page.waitForURL("**/performance?mode=live**");
    const live = closedTrades().filter((t) => t.mode === "live");
    expect(await metric(page, "net_pnl")).toBe(formatSignedUsd(live.reduce((sum, t) => sum + t.pnl, 0)));
    expect(await metric(page, "trades")).toBe(String(live.length));
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);

  test("on a phone: one column, no sideways scroll", async () => {
    const { page, errors } = await openPage("/performance?period=week", PHONE);
    await page.locator('figure.lc-ready[data-lc-chart="bars"]').waitFor();
    await noSidewaysScroll(page);
    await page.screenshot({ path: join(ARTIFACTS, "performance-phone.png"), fullPage: true, caret: "initial" });
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);
});

describe("/history in chromium", () => {
  const shownIds = (page: Page) => page.locator("#history-results tr[data-trade-id]").evaluateAll((rows) => rows.map((r) => Number(r.getAttribute("data-trade-id"))));

  test("filters by coin and mode, pages, and downloads the filtered CSV", async () => {
    const all = closedTrades();
    const { page, errors } = await openPage("/history");
    expect(await page.locator("#history-results tr[data-trade-id]").count()).toBe(all.filter((t) => t.mode === "dry-run").length);
    await page.screenshot({ path: join(ARTIFACTS, "history-desktop.png"), fullPage: false, caret: "initial" });

    // Coin: htmx swaps the results and puts the filter in the URL.
    await page.selectOption("#filter-symbol", "BTCUSDT");
    await page.waitForURL(/symbol=BTCUSDT/);
    const btcDry = all.filter((t) => t.symbol === "BTCUSDT" && t.mode === "dry-run");
    await waitFor("the BTCUSDT rows", async () => (await shownIds(page)).length === btcDry.length);
    expect((await shownIds(page)).sort()).toEqual(btcDry.map((t) => t.id).sort());

    // Mode: live only.
    await page.selectOption("#filter-mode", "live");
    await page.waitForURL(/mode=live/);
    const btcLive = all.filter((t) => t.symbol === "BTCUSDT" && t.mode === "live");
    await waitFor("the live BTCUSDT rows", async () => (await page.locator('#history-results tr[data-trade-id][data-mode="live"]').count()) === btcLive.length);
    expect(await page.locator('#history-results tr[data-trade-id][data-mode="dry-run"]').count()).toBe(0);

    // Pages: every dry-run coin, 25 a page; Next shows the rest.
    await page.goto(`${server.url}/history?mode=dry-run&per_page=25`);
    const dry = all.filter((t) => t.mode === "dry-run");
    const first = await shownIds(page);
    expect(first.length).toBe(25);
    await page.click('nav.pager a[rel="next"]');
    await page.waitForURL(/page=2/);
    await waitFor("page 2", async () => (await page.locator("[data-pager=where]").textContent()) === "Page 2 of 2");
    const second = await shownIds(page);
    expect(second.length).toBe(dry.length - 25);
    expect([...first, ...second].sort()).toEqual(dry.map((t) => t.id).sort());

    // CSV of the filtered set (not just the page): a header row and one row per trade.
    const download = page.waitForEvent("download");
    await page.click("#history-csv");
    const file = await (await download).path();
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    expect(lines[0]).toStartWith("id,symbol,side,mode,exchange,quantity,");
    expect(lines.slice(1).map((line) => Number(line.split(",")[0])).sort()).toEqual(dry.map((t) => t.id).sort());
    expect(lines.slice(1).every((line) => line.split(",")[3] === "dry-run")).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);

  test("on a phone each trade is a card, and a bad filter says which parameter", async () => {
    const { page, errors } = await openPage("/history?symbol=SOLUSDT&mode=all", PHONE);
    await page.locator("#history-results tr[data-trade-id]").first().waitFor();
    await noSidewaysScroll(page);
    await page.screenshot({ path: join(ARTIFACTS, "history-phone.png"), fullPage: true, caret: "initial" });
    const bad = await page.goto(`${server.url}/history?from=yesterday`);
    expect(bad?.status()).toBe(400);
    expect(await page.locator('#history-error li[data-param="from"]').textContent()).toContain("from must be a UTC date such as 2026-03-01");
    // The 400 page is expected to log its status; anything else is an error.
    expect(errors.filter((e) => !e.includes("400"))).toEqual([]);
    await page.close();
  }, 30_000);
});
