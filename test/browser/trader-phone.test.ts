/**
 * /trader on a phone (390 × 844) in a real browser: what a trader checks
 * first comes first, top to bottom: the state (ON/OFF, mode, lock), the open
 * positions, the account's P&L, then the controls (Emergency stop, the
 * config, …) and the activity log last. On a desktop the two columns stay:
 * the state beside the positions.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { waitFor } from "../helpers/wait.ts";
import { api, ARTIFACTS, openTrackedPage, serverAndBrowserForFile } from "./harness.ts";

const started = serverAndBrowserForFile();

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const server = started.server();
  // One open dry-run position, so the positions table has a row. Stops far away: the fast simulated market must not close it.
  expect((await api(server, "/config", { long_threshold: 0, short_threshold: 130, max_positions: 1, max_leverage: 2, sl_pct: 50, tp_pct: 100 })).status).toBe(200);
  expect((await api(server, "/mode", { mode: "dry-run" })).status).toBe(200);
  expect((await api(server, "/control", { action: "run-cycle" })).status).toBe(200);
  await waitFor("the position", () => server.controller.status().positions.length === 1, 10_000);
}, 60_000);

/** /trader at this size, once the open position is shown. */
async function traderAt(viewport: { width: number; height: number }): Promise<Page> {
  const { page } = await openTrackedPage(started.browser(), `${started.server().url}/trader`);
  await page.setViewportSize(viewport);
  await page.locator("tr[data-position]").first().waitFor();
  return page;
}

/** The top and left edge of each element, in page coordinates. */
async function boxes(page: Page, selectors: string[]): Promise<{ selector: string; top: number; left: number }[]> {
  return page.evaluate((list) =>
    list.map((selector) => {
      const box = document.querySelector(selector)!.getBoundingClientRect();
      return { selector, top: box.top + window.scrollY, left: box.left };
    }), selectors);
}

const ORDER = ["#trader-state", "#positions", "#account", ".emergency-panel", "#history", "#config-panel", "#coin-lists", "#activity"];

describe("/trader at phone width", () => {
  test("state, open positions, P&L, then the controls; the activity log last", async () => {
    const page = await traderAt({ width: 390, height: 844 });
    const placed = await boxes(page, ORDER);
    const tops = placed.map((p) => p.top);
    expect(placed.map((p) => p.selector)).toEqual(ORDER);
    expect(tops).toEqual([...tops].sort((a, b) => a - b));
    expect(new Set(tops).size).toBe(tops.length);
    // The state is at the top of the first screen, and no sideways scrolling.
    expect(tops[0]!).toBeLessThan(300);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(ARTIFACTS, "trader-phone-order.png"), fullPage: true, caret: "initial" });
    await page.close();
  }, 30_000);

  test("on a desktop the state and the positions stand side by side", async () => {
    const page = await traderAt({ width: 1280, height: 800 });
    const [state, positions] = await boxes(page, ["#trader-state", "#positions"]);
    expect(positions!.left).toBeGreaterThan(state!.left + 200);
    expect(Math.abs(positions!.top - state!.top)).toBeLessThan(5);
    await page.close();
  }, 30_000);
});
