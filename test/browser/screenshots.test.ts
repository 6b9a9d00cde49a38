/**
 * Every page of the dashboard at desktop (1280 × 800) and phone (390 × 844)
 * width, made the same way each time: one real server (simulated market,
 * paper exchange) with a dry-run position open on BTCUSDT, one dry-run trade
 * closed, a few weeks of fixture trades and a finished backtest on the
 * fixtures data set. Each page is taken once it shows what it is for (cards,
 * the position, the chart drawn, the figures, the results) and with no
 * console error.
 *
 * Into test-artifacts/pages/: `<page>-desktop.png` and `<page>-phone.png`
 * (the first screen of each), and `overview.jpg`, all twelve on one sheet.
 * With UPDATE_README_SCREENSHOTS=1 the images the README shows are refreshed
 * from the same run: static/screenshot-<page>.png (desktop, for the pages
 * README.md shows in their own sections) and static/screenshot-pages.jpg (the
 * sheet, in its dashboard section).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { openStore } from "../../src/store/trader-store.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { sampleTrades, writeEquity, writeTrades } from "../helpers/trade-fixtures.ts";
import { waitFor } from "../helpers/wait.ts";
import { api, ARTIFACTS, launchBrowser, type TestBrowser } from "./harness.ts";

const OUT = join(ARTIFACTS, "pages");
const STATIC = join(import.meta.dir, "../../static");
const UPDATE_README = process.env.UPDATE_README_SCREENSHOTS === "1";
const WIDTHS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
type PageName = "scanner" | "trader" | "coin" | "performance" | "history" | "backtest";
/** The pages README.md shows in their own sections (static/screenshot-<page>.png), refreshed from the desktop shots. */
const README_PAGES: readonly PageName[] = ["trader", "coin", "performance", "history"];

let server: TestServer;
let browser: TestBrowser;
let sets: string;
let runId = 0;

interface Shot {
  name: PageName;
  title: string;
  path: () => string;
  /** Waits until the page shows what it is for. */
  ready: (page: Page) => Promise<void>;
}

const SHOTS: Shot[] = [
  { name: "scanner", title: "Scanner", path: () => "/", ready: (page) => page.locator("#scanner-view article.coin:not(.warming)").first().waitFor() },
  { name: "trader", title: "Trader", path: () => "/trader", ready: (page) => page.locator('tr[data-position="BTCUSDT"]').waitFor() },
  { name: "coin", title: "Coin page", path: () => "/coin/BTCUSDT", ready: (page) => page.locator('#coin-chart[data-ready="true"]').waitFor() },
  { name: "performance", title: "Performance", path: () => "/performance?mode=dry-run", ready: (page) => page.locator('figure.lc-ready[data-lc-chart="equity"]').waitFor() },
  { name: "history", title: "Trade history", path: () => "/history?mode=dry-run", ready: (page) => page.locator("#history-results tr[data-trade-id]").first().waitFor() },
  { name: "backtest", title: "Backtest", path: () => `/backtest/${runId}`, ready: (page) => page.locator(`#backtest-run-${runId}[data-status="done"] svg[data-chart="equity"]`).waitFor() },
];

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  sets = mkdtempSync(join(tmpdir(), "shots-sets-"));
  symlinkSync(join(import.meta.dir, "../fixtures/backtest"), join(sets, "fixtures"));
  server = await startTestServer({ backtestData: [join(sets, "fixtures")] });
  browser = await launchBrowser();
  // BTC and ETH opened in dry-run (stops far enough that the fast simulated market keeps BTC open), ETH closed again.
  const config = { long_threshold: 0, short_threshold: 130, max_positions: 2, max_leverage: 2, sl_pct: 50, tp_pct: 100, coin_whitelist: ["BTCUSDT", "ETHUSDT"] };
  expect((await api(server, "/config", config)).status).toBe(200);
  expect((await api(server, "/mode", { mode: "dry-run" })).status).toBe(200);
  expect((await api(server, "/control", { action: "run-cycle" })).status).toBe(200);
  await waitFor("both positions", () => server.controller.status().positions.length === 2, 10_000);
  expect((await api(server, "/close-position", { symbol: "ETHUSDT" })).status).toBe(200);
  await waitFor("BTC alone open", () => server.controller.status().positions.map((p) => p.symbol).join() === "BTCUSDT", 10_000);
  // Three weeks of closed trades, both modes, as the journal writes them.
  const store = openStore(server.dataDir);
  try {
    const fixtures = sampleTrades(Date.now() - 21 * 86_400_000);
    writeTrades(store, fixtures);
    writeEquity(store, fixtures, "dry-run");
  } finally {
    store.close();
  }
  // A finished backtest, both ways (TA bonus off and on).
  const started = await server.post("/api/backtests", { data_set: "fixtures", compare: true, config: { long_threshold: 40, short_threshold: 40 } });
  expect(started.status).toBe(202);
  runId = started.body.id;
  await waitFor("the backtest", async () => (await server.get(`/api/backtests/${runId}`)).body.summary.status === "done", 30_000);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (sets) rmSync(sets, { recursive: true, force: true });
}, 30_000);

/** Width and height from a PNG's IHDR. */
function pngSize(file: string): { width: number; height: number } {
  const bytes = readFileSync(file);
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

async function take(shot: Shot, width: keyof typeof WIDTHS): Promise<string> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(20_000);
  await page.setViewportSize(WIDTHS[width]);
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(server.url + shot.path());
  await shot.ready(page);
  // Live pages once their socket is up (the header says "live"); the others say how old they are.
  await page.locator('#conn[data-state="live"], #conn[data-state="snapshot"]').waitFor();
  const file = join(OUT, `${shot.name}-${width}.png`);
  await page.screenshot({ path: file, caret: "initial" });
  expect(errors).toEqual([]);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(WIDTHS[width].width);
  await page.close();
  return file;
}

describe("screenshots of every page", () => {
  for (const shot of SHOTS) {
    test(`${shot.title} at desktop and phone width`, async () => {
      for (const width of ["desktop", "phone"] as const) {
        const file = await take(shot, width);
        expect(pngSize(file)).toEqual(WIDTHS[width]);
      }
      if (UPDATE_README && README_PAGES.includes(shot.name)) copyFileSync(join(OUT, `${shot.name}-desktop.png`), join(STATIC, `screenshot-${shot.name}.png`));
    }, 60_000);
  }

  test("one sheet with all twelve", async () => {
    const cell = (name: string, width: string, title: string) => {
      const data = readFileSync(join(OUT, `${name}-${width}.png`)).toString("base64");
      return `<figure class="${width}"><img src="data:image/png;base64,${data}" alt=""><figcaption>${title}</figcaption></figure>`;
    };
    const html = `<!doctype html><meta charset="utf-8"><style>
      body { margin: 0; padding: 12px; background: #010409; color: #8b949e; font: 13px ui-monospace, monospace; width: 1256px; }
      .row { display: grid; gap: 10px; margin-bottom: 12px; }
      .desktop-row { grid-template-columns: repeat(3, 1fr); }
      .phone-row { grid-template-columns: repeat(6, 1fr); }
      figure { margin: 0; } img { width: 100%; display: block; border: 1px solid #30363d; border-radius: 4px; }
      figcaption { padding: 3px 0 0; }
    </style>
    <div class="row desktop-row">${SHOTS.map((s) => cell(s.name, "desktop", `${s.title} · desktop`)).join("")}</div>
    <div class="row phone-row">${SHOTS.map((s) => cell(s.name, "phone", `${s.title} · phone`)).join("")}</div>`;
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.setContent(html);
    await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete && img.naturalWidth > 0));
    const sheet = join(OUT, "overview.jpg");
    await page.screenshot({ path: sheet, fullPage: true, type: "jpeg", quality: 80 });
    await page.close();
    expect(readFileSync(sheet).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    if (UPDATE_README) copyFileSync(sheet, join(STATIC, "screenshot-pages.jpg"));
  }, 60_000);
});
