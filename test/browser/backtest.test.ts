/**
 * /backtest in a real browser against the real server, on the fixtures data
 * set (test/fixtures/backtest, offered to the server as --backtest-data under
 * the name "fixtures"): start a run from the page, see it running and then
 * its results (SVG equity curve, metric table) arrive without a reload,
 * reopen it from the list, download trades.csv; no console error; the pages
 * at desktop and phone width. Screenshots go to test-artifacts/.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { ARTIFACTS, launchBrowser, type TestBrowser } from "./harness.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/backtest");

let server: TestServer;
let browser: TestBrowser;
let sets: string;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  // The data set is named after its folder: a link named "fixtures" to the fixtures.
  sets = mkdtempSync(join(tmpdir(), "backtest-sets-"));
  symlinkSync(FIXTURES, join(sets, "fixtures"));
  server = await startTestServer({ backtestData: [join(sets, "fixtures")] });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (sets) rmSync(sets, { recursive: true, force: true });
}, 30_000);

interface Watch {
  /** Every "status progress" a run panel showed, in order. */
  states: string[];
  marker?: string;
}

/** A fresh tab recording console errors and every state a backtest run panel goes through. */
async function openPage(path: string, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(10_000);
  await page.addInitScript(() => {
    const watch: Watch = { states: [] };
    (window as unknown as { watch: Watch }).watch = watch;
    const note = () => {
      for (const panel of Array.from(document.querySelectorAll("section.backtest-run"))) {
        const progress = panel.querySelector("[data-progress]")?.getAttribute("data-progress") ?? "";
        const state = `${panel.getAttribute("data-status")} ${progress}`.trim();
        if (watch.states[watch.states.length - 1] !== state) watch.states.push(state);
      }
    };
    new MutationObserver(note).observe(document, { subtree: true, childList: true, attributes: true });
  });
  await page.setViewportSize(viewport);
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(server.url + path);
  return { page, errors };
}

/** The page is no wider than the screen; a failure names what sticks out (outside scrolling tables). */
async function noSidewaysScroll(page: Page, width: number): Promise<void> {
  const { scrollWidth, wide } = await page.evaluate((w) => ({
    scrollWidth: document.documentElement.scrollWidth,
    wide: Array.from(document.querySelectorAll("body *"))
      .filter((e) => e.getBoundingClientRect().right > w + 0.5 && !e.closest(".table-scroll"))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right)} px)`),
  }), width);
  expect({ scrollWidth: Math.min(scrollWidth, width), wide }).toEqual({ scrollWidth: width, wide: [] });
}

describe("/backtest in chromium", () => {
  let runId = 0;

  test("a run started from the page shows its progress, then its results, without a reload", async () => {
    const { page, errors } = await openPage("/backtest");
    await page.locator("form#backtest-form").waitFor();
    // Nav: the page is reachable from the header and marked as the current one.
    expect(await page.getAttribute('header nav a[href="/backtest"]', "aria-current")).toBe("page");
    await page.evaluate(() => ((window as unknown as { watch: Watch }).watch.marker = "same page"));
    await page.selectOption('select[name="data_set"]', "fixtures");
    await page.check('input[name="compare"]');
    await page.fill('input[name="holdout_pct"]', "30");
    await page.fill('input[name="config.long_threshold"]', "40");
    await page.fill('input[name="config.short_threshold"]', "40");
    await page.fill('input[name="config.tp_pct"]', "12");
    await page.fill('input[name="config.sl_pct"]', "8");
    await page.screenshot({ path: join(ARTIFACTS, "backtest-form-desktop.png"), fullPage: true, caret: "initial" });
    await page.click("#start-backtest");

    await page.waitForURL(/\/backtest\/\d+$/);
    runId = Number(new URL(page.url()).pathname.split("/").pop());
    expect(runId).toBeGreaterThan(0);
    const panel = page.locator(`#backtest-run-${runId}`);
    await panel.and(page.locator('[data-status="done"]')).waitFor();
    await page.locator(`#backtest-run-${runId} svg[data-chart="equity"] polyline.series.s1`).waitFor();
    expect(await page.locator(`#backtest-run-${runId} svg[data-chart="equity"] text.xtick`).count()).toBeGreaterThan(0);
    expect(await page.locator(`#backtest-run-${runId} svg[data-chart="equity"] text.ytick`).count()).toBeGreaterThan(1);
    expect(await page.locator(`#backtest-run-${runId} svg[data-chart="drawdown"]`).count()).toBe(1);
    const header = await page.locator(`#backtest-run-${runId} [data-section="metrics"] thead`).textContent();
    expect(header).toContain("TA bonus off");
    expect(header).toContain("TA bonus on");
    expect(await page.locator(`#backtest-run-${runId} [data-section="metrics"] tr[data-metric="total_return_pct"] td`).count()).toBe(2);
    expect(await page.locator(`#backtest-run-${runId} [data-section="comparison"]`).textContent()).toContain("p-value");

    const watch = await page.evaluate(() => (window as unknown as { watch: Watch }).watch);
    // The same document all along: the page answered the post in place and the socket brought the rest.
    expect(watch.marker).toBe("same page");
    expect(watch.states[0]).toMatch(/^running \d+$/);
    expect(watch.states.at(-1)).toBe("done");
    expect(await page.title()).toBe(`Backtest #${runId}`);
    expect(await page.locator("#flash").textContent()).toContain(`Backtest #${runId} started`);
    await page.screenshot({ path: join(ARTIFACTS, "backtest-results-desktop.png"), fullPage: true, caret: "initial" });

    // Back to the list: a fresh load of /backtest (htmx keeps no history cache).
    await page.goBack();
    await page.locator("form#backtest-form").waitFor();
    await page.locator(`#backtest-runs tr[data-run="${runId}"][data-status="done"]`).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  test("the run reopens from the list and trades.csv downloads", async () => {
    expect(runId).toBeGreaterThan(0);
    const { page, errors } = await openPage("/backtest");
    await page.click(`#backtest-runs tr[data-run="${runId}"] a[href="/backtest/${runId}"]`);
    await page.waitForURL(new RegExp(`/backtest/${runId}$`));
    await page.locator(`#backtest-run-${runId}[data-status="done"] svg[data-chart="equity"]`).waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), page.click(`[data-section="downloads"] a[href="/backtest/${runId}/trades.csv"]`)]);
    expect(download.suggestedFilename()).toBe(`backtest-${runId}-trades.csv`);
    const path = await download.path();
    const csv = readFileSync(path, "utf8");
    expect(csv.split("\n")[0]).toBe("run,symbol,side,entry_time,entry_price,exit_time,exit_price,size,leverage,fees,funding,pnl,exit_reason,ta_changed_decision");
    expect(csv.split("\n").length).toBeGreaterThan(2);
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);

  test("at phone width (390 px) neither backtest page scrolls sideways", async () => {
    expect(runId).toBeGreaterThan(0);
    for (const [path, name] of [["/backtest", "backtest-form-phone"], [`/backtest/${runId}`, "backtest-results-phone"]] as const) {
      const { page, errors } = await openPage(path, { width: 390, height: 844 });
      await page.locator("main#backtest-page").waitFor();
      // The trade lists too (collapsed by default when long).
      await page.evaluate(() => document.querySelectorAll("details").forEach((d) => d.setAttribute("open", "")));
      await noSidewaysScroll(page, 390);
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true, caret: "initial" });
      expect(errors).toEqual([]);
      await page.close();
    }
  }, 30_000);
});
