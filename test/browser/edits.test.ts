/**
 * What the owner is in the middle of survives live pushes (issue 12, items 1
 * and 5a), and the dangerous buttons confirm without JavaScript (item 5d), in
 * a real Chromium against the real server.
 */
import { describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { api, openTrackedPage, serverAndBrowserForFile } from "./harness.ts";

const started = serverAndBrowserForFile();

function openTrader(options: { javaScript?: boolean } = {}): Promise<{ page: Page; errors: string[] }> {
  return openTrackedPage(started.browser(), `${started.server().url}/trader`, { javaScript: options.javaScript, live: options.javaScript !== false });
}

/** Resolves once the element's data-v (its fragment version) differs from `version`: a push replaced it. */
async function replacedAfter(page: Page, selector: string, version: string | null): Promise<void> {
  await page.waitForFunction(([sel, v]) => document.querySelector(sel as string)?.getAttribute("data-v") !== v, [selector, version] as const);
}

describe("unsaved typing (item 1)", () => {
  test("a config change from elsewhere keeps what is typed, updates the rest, and offers to reload the saved config", async () => {
    const { page, errors } = await openTrader();
    const config = started.server().controller.status().config;
    const typed = config.max_leverage === 7 ? "8" : "7";
    const sizeElsewhere = config.position_size_pct === 6 ? 4 : 6;
    const leverage = page.locator("#cfg-max_leverage");
    await leverage.fill(typed);
    const version = await page.getAttribute("#config-panel", "data-v");

    // Another tab or a script saves a different field.
    expect((await api(started.server(), "/config", { position_size_pct: sizeElsewhere })).status).toBe(200);
    await replacedAfter(page, "#config-panel", version);

    expect(await leverage.inputValue()).toBe(typed);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("cfg-max_leverage");
    expect(await page.locator("#cfg-position_size_pct").inputValue()).toBe(String(sizeElsewhere));
    const notice = page.locator("#config-changed");
    await notice.waitFor({ state: "visible" });
    expect(await notice.textContent()).toContain("The saved config changed");

    // Reload: the saved values, the notice gone.
    await page.click("#config-changed button");
    expect(await leverage.inputValue()).toBe(String(started.server().controller.status().config.max_leverage));
    await notice.waitFor({ state: "hidden" });
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);

  test("typed, a change elsewhere, then Save: what was typed is saved and the other change is not undone", async () => {
    const { page, errors } = await openTrader();
    const config = started.server().controller.status().config;
    const typed = config.max_leverage === 5 ? 6 : 5;
    const sizeElsewhere = config.position_size_pct === 3 ? 2 : 3;
    await page.locator("#cfg-max_leverage").fill(String(typed));
    const version = await page.getAttribute("#config-panel", "data-v");
    expect((await api(started.server(), "/config", { position_size_pct: sizeElsewhere })).status).toBe(200);
    await replacedAfter(page, "#config-panel", version);
    await page.click('form#config button[type="submit"]');
    await page.locator("#flash", { hasText: "Config saved" }).waitFor();
    const saved = started.server().controller.status().config;
    expect(saved.max_leverage).toBe(typed);
    expect(saved.position_size_pct).toBe(sizeElsewhere);
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);
});

describe("Edit per coin (item 5a), on a page of its own", () => {
  test("/trader links to it; a toggle there shows at once, and a change made elsewhere arrives live", async () => {
    const { page, errors } = await openTrader();
    expect(await page.locator("#coin-lists tr[data-coin]").count()).toBe(0); // no per-coin rows on /trader
    await Promise.all([page.waitForURL(/\/trader\/coins$/), page.click("#coin-lists-edit")]);
    await page.locator("#coin-lists-table[data-v]").waitFor();
    await page.waitForFunction(() => (window as unknown as { wsOpen?: boolean }).wsOpen === true); // the coins page's own socket
    const before = started.server().controller.status().config.coin_blacklist.includes("DOGEUSDT");
    await page.click(`#coin-lists-table tr[data-coin="DOGEUSDT"] button[value^="blacklist:"]`);
    await page.locator("#flash", { hasText: "DOGEUSDT" }).waitFor();
    expect(started.server().controller.status().config.coin_blacklist.includes("DOGEUSDT")).toBe(!before);
    await page.waitForFunction((on) => document.querySelector('#coin-lists-table tr[data-coin="DOGEUSDT"] button[value^="blacklist:"]')?.getAttribute("aria-pressed") === String(on), !before);
    expect(page.url()).toMatch(/\/trader\/coins$/); // htmx: no navigation

    const version = await page.getAttribute("#coin-lists-table", "data-v");
    const white = started.server().controller.status().config.coin_whitelist;
    const adaOn = !white.includes("ADAUSDT");
    expect((await api(started.server(), "/config", { coin_whitelist: adaOn ? [...white, "ADAUSDT"] : white.filter((s) => s !== "ADAUSDT") })).status).toBe(200);
    await replacedAfter(page, "#coin-lists-table", version);
    expect(await page.locator('#coin-lists-table tr[data-coin="ADAUSDT"] button[value^="whitelist:"]').getAttribute("aria-pressed")).toBe(String(adaOn));
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);

  test("without JavaScript a toggle posts and comes back to the coins page, changed", async () => {
    const { page } = await openTrackedPage(started.browser(), `${started.server().url}/trader/coins`, { javaScript: false, live: false });
    const before = started.server().controller.status().config.coin_blacklist.includes("XRPUSDT");
    await Promise.all([page.waitForURL(/\/trader\/coins$/), page.click(`#coin-lists-table tr[data-coin="XRPUSDT"] button[value^="blacklist:"]`)]);
    expect(started.server().controller.status().config.coin_blacklist.includes("XRPUSDT")).toBe(!before);
    expect(await page.locator('#coin-lists-table tr[data-coin="XRPUSDT"] button[value^="blacklist:"]').getAttribute("aria-pressed")).toBe(String(!before));
    await page.close();
  }, 30_000);
});

describe("Emergency stop and Close all without JavaScript (item 5d)", () => {
  async function openPositions(count: number): Promise<void> {
    expect((await api(started.server(), "/control", { action: "clear-lockfile" })).status).toBe(200);
    expect((await api(started.server(), "/config", { long_threshold: 0, short_threshold: 130, max_positions: count, coin_blacklist: [], coin_whitelist: [] })).status).toBe(200);
    expect((await api(started.server(), "/mode", { mode: "dry-run" })).status).toBe(200);
    expect((await api(started.server(), "/control", { action: "run-cycle" })).status).toBe(200);
    expect(started.server().controller.status().positions.length).toBeGreaterThan(0);
  }

  for (const [button, title] of [["#emergency-stop", "Emergency stop"], ["#close-all", "Close all positions"]] as const) {
    test(`${button}: the click asks on a page of its own; nothing happens until "Yes, do it"`, async () => {
      await openPositions(2);
      const { page } = await openTrader({ javaScript: false });
      const open = started.server().controller.status().positions.length;
      await Promise.all([page.waitForURL(/\/trader\/(emergency-stop|close-all)$/), page.click(button)]);
      expect(await page.locator("h1").textContent()).toBe(title);
      expect(started.server().controller.status().positions.length).toBe(open);
      await Promise.all([page.waitForURL(/\/trader$/), page.click("#confirm-action")]);
      expect(started.server().controller.status().positions.length).toBe(0);
      expect(await page.locator("#no-positions").count()).toBe(1);
      await page.close();
      expect((await api(started.server(), "/control", { action: "clear-lockfile" })).status).toBe(200);
    }, 30_000);
  }
});
