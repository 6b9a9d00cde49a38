/**
 * The coin page in a real browser, on the real server (simulated market,
 * paper exchange): after a dry-run trade the chart is drawn with the trade's
 * markers and the position's price lines, the score breakdown lists its
 * components, the timeframe switch works, and live candles move the last bar.
 * Screenshots at desktop and phone width go to test-artifacts/.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { formatPrice } from "../../views/format.ts";
import { waitFor } from "../helpers/wait.ts";
import { api, ARTIFACTS, launchBrowser, startTestServer, type TestBrowser, type TestServer } from "./harness.ts";

let server: TestServer;
let browser: TestBrowser;
/** The coin with the open position, and the one whose trade was closed. */
let open: string;
let closed: string;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await startTestServer();
  browser = await launchBrowser();
  // Thresholds that make any market signal long; two positions, one closed again. Stops far enough
  // (2× leverage: 25 % and 50 % price moves) that the fast simulated market does not close the other one.
  expect((await api(server, "/config", { long_threshold: 0, short_threshold: 130, max_positions: 2, max_leverage: 2, sl_pct: 50, tp_pct: 100 })).status).toBe(200);
  expect((await api(server, "/mode", { mode: "dry-run" })).status).toBe(200);
  expect((await api(server, "/control", { action: "run-cycle" })).status).toBe(200);
  await waitFor("both positions in the trader's status", () => server.controller.status().positions.length === 2, 10_000);
  [open, closed] = server.controller.status().positions.map((p) => p.symbol).sort() as [string, string];
  expect((await api(server, "/close-position", { symbol: closed })).status).toBe(200);
  await waitFor("one position left", () => server.controller.status().positions.length === 1, 10_000);
  expect(server.controller.status().positions.map((p) => p.symbol)).toEqual([open]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
}, 30_000);

async function openPage(path: string, viewport = { width: 1280, height: 800 }): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(20_000);
  await page.setViewportSize(viewport);
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(server.url + path);
  await page.locator('#coin-chart[data-ready="true"]').waitFor();
  return { page, errors };
}

/** Distinct colours on the chart's largest canvas: a blank or background-only canvas has one or two. */
async function canvasColours(page: Page): Promise<number> {
  return page.evaluate(() => {
    const canvases = Array.from(document.querySelectorAll<HTMLCanvasElement>("#coin-chart canvas"));
    const canvas = canvases.sort((a, b) => b.width * b.height - a.width * a.height)[0];
    if (!canvas || canvas.width === 0) return 0;
    const pixels = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
    const seen = new Set<number>();
    for (let i = 0; i < pixels.length; i += 4 * 7) seen.add((pixels[i]! << 16) | (pixels[i + 1]! << 8) | pixels[i + 2]!);
    return seen.size;
  });
}

describe("coin page in chromium", () => {
  test("after a dry-run trade: chart, entry marker, score breakdown and position levels; live candles move the last bar", async () => {
    const { page, errors } = await openPage(`/coin/${open}`);
    expect(await page.locator("#coin-chart canvas").count()).toBeGreaterThan(0);
    expect(await canvasColours(page)).toBeGreaterThan(20);
    expect(Number(await page.getAttribute("#coin-chart", "data-bars"))).toBeGreaterThan(100);

    // The trade record has this coin's entry; the chart drew it as a marker.
    const markers = JSON.parse((await page.getAttribute(`#coin-trades-${open}`, "data-markers")) ?? "[]") as { kind: string }[];
    expect(markers.map((m) => m.kind)).toEqual(["entry"]);
    expect(await page.getAttribute("#coin-chart", "data-markers")).toBe("1");
    expect(await page.locator(`#coin-trades-${open} tr[data-coin-trade="open"]`).count()).toBe(1);

    // Every base-score component with its points, and the score with the bonus not used (TA signals off).
    const components = page.locator(`#coin-score-${open} tr[data-component]`);
    expect(await components.count()).toBe(6);
    for (const points of await page.locator(`#coin-score-${open} tr[data-component] td[data-points]`).allTextContents()) expect(points).toMatch(/^\d+$/);
    // TA signals are off: a bonus, if any, is shown beside the score, never summed into it.
    expect(await page.locator(`#coin-score-${open} td[data-score="long"]`).textContent()).toMatch(/^\d+( \(\+\d+ TA, not used\))?$/);

    // The position's levels, in words and as price lines on the chart.
    const position = server.controller.status().positions[0]!;
    expect(await page.locator(`#coin-position-${open} [data-level="entry"]`).textContent()).toBe(formatPrice(position.entry_price));
    expect(await page.locator(`#coin-position-${open} [data-level="sl"]`).textContent()).toBe(formatPrice(position.stop_loss_price!));
    expect(await page.locator(`#coin-position-${open} [data-level="tp"]`).textContent()).toBe(formatPrice(position.take_profit_price!));
    const levels = JSON.parse((await page.getAttribute(`#coin-position-${open}`, "data-levels")) ?? "[]") as unknown[];
    expect(levels.length).toBeGreaterThanOrEqual(3);
    expect(await page.getAttribute("#coin-chart", "data-price-lines")).toBe(String(levels.length));

    // The simulated market ticks: the pushed bar reaches the chart and the price shown.
    const closeShown = `#coin-live-${open}-5m [data-field="close"]`;
    const shownBefore = await page.locator(closeShown).textContent();
    const before = { time: await page.getAttribute("#coin-chart", "data-last-time"), close: await page.getAttribute("#coin-chart", "data-last-close") };
    await page.waitForFunction(([selector, old]) => document.querySelector(selector!)?.textContent !== old, [closeShown, shownBefore]);
    await page.waitForFunction(
      (old) => {
        const box = document.getElementById("coin-chart")!;
        return box.getAttribute("data-last-close") !== old.close || box.getAttribute("data-last-time") !== old.time;
      },
      before,
    );
    // The last close drawn is the one written beside the chart, at the coin's precision (one push updates both).
    const shown = await page.evaluate((symbol) => ({
      drawn: Number(document.getElementById("coin-chart")!.getAttribute("data-last-close")),
      text: document.querySelector(`#coin-live-${symbol}-5m [data-field="close"]`)?.textContent ?? "",
    }), open);
    expect(shown.text).toBe(formatPrice(shown.drawn));
    await page.screenshot({ path: join(ARTIFACTS, "coin-page-desktop.png"), fullPage: true, caret: "initial" });
    // The stops lie far outside the candles (25 % and 50 % away): "Show the position's levels" brings every line into view.
    await page.waitForFunction(() => document.getElementById("coin-chart")!.getAttribute("data-levels-in-view") !== null);
    expect(Number(await page.getAttribute("#coin-chart", "data-levels-in-view"))).toBeLessThan(levels.length);
    await page.click("#fit-levels");
    await page.waitForFunction((count) => document.getElementById("coin-chart")!.getAttribute("data-levels-in-view") === String(count), levels.length);
    expect(await page.getAttribute("#fit-levels", "aria-pressed")).toBe("true");
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  test("a closed trade shows its entry and its exit; the timeframe switch redraws at 1h and 4h and stays in the URL", async () => {
    const { page, errors } = await openPage(`/coin/${closed}`);
    expect(await page.getAttribute("#coin-chart", "data-markers")).toBe("2");
    expect(await page.locator(`#coin-position-${closed} [data-no-position]`).count()).toBe(1);
    expect(await page.getAttribute("#coin-chart", "data-price-lines")).toBe("0");

    for (const tf of ["1h", "4h"]) {
      await page.click(`.tf-switch a[data-tf="${tf}"]`);
      await page.waitForURL(`**/coin/${closed}?tf=${tf}`);
      await page.locator(`#coin-chart[data-tf="${tf}"][data-ready="true"]`).waitFor();
      expect(await page.getAttribute(`.tf-switch a[data-tf="${tf}"]`, "aria-current")).toBe("page");
      expect(await page.locator(`#coin-live-${closed}-${tf}`).count()).toBe(1);
      const times = await page.evaluate(() => JSON.parse(document.getElementById("coin-chart-data")!.textContent!).series.t as number[]);
      expect(times.length).toBeGreaterThan(100);
      expect(times[1]! - times[0]!).toBe(tf === "1h" ? 3_600_000 : 14_400_000);
      // Both trades happened inside the newest bar of these timeframes: both markers are still drawn.
      expect(await page.getAttribute("#coin-chart", "data-markers")).toBe("2");
      expect(await canvasColours(page)).toBeGreaterThan(20);
    }
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  test("at phone width (390 px) the page does not scroll sideways", async () => {
    const { page, errors } = await openPage(`/coin/${open}`, { width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await canvasColours(page)).toBeGreaterThan(20);
    await page.screenshot({ path: join(ARTIFACTS, "coin-page-phone.png"), fullPage: true, caret: "initial" });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  test("an unknown coin is a 404 page, and every scanner card links to its coin", async () => {
    const page = await browser.context.newPage();
    page.setDefaultTimeout(20_000);
    const response = await page.goto(`${server.url}/coin/NOPEUSDT`);
    expect(response?.status()).toBe(404);
    expect(await page.locator("#coin-problem").textContent()).toContain("NOPEUSDT is not on this dashboard");
    await page.goto(`${server.url}/`);
    // The card is replaced by a push every few hundred ms (the simulated market ticks): click the link it has now.
    await page.locator(`[data-symbol="${open}"] a.coin-link`).evaluate((link) => (link as HTMLAnchorElement).click());
    await page.waitForURL(`**/coin/${open}`);
    await page.locator('#coin-chart[data-ready="true"]').waitFor();
    await page.close();
  }, 60_000);
});
