/**
 * What a trader reads on the pages (issue 12): scores that add up (item 2), a
 * market banner in words (5b), every reason live is refused, said once (5c),
 * one signal line for the coins max_positions turned away (8) — in Chromium
 * against the real server.
 */
import { describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { startTestServer as startServerWith } from "../helpers/server.ts";
import { api, openTrackedPage, serverAndBrowserForFile } from "./harness.ts";

const started = serverAndBrowserForFile();

function open(url: string): Promise<{ page: Page; errors: string[] }> {
  return openTrackedPage(started.browser(), url);
}

describe("texts a trader reads", () => {
  test("scanner scores add up: with the TA bonus display-only no card shows a sum (item 2)", async () => {
    expect(started.server().controller.status().config.use_ta_signals).toBe(false);
    const { page, errors } = await open(started.server().url + "/");
    await page.locator("[data-score]").first().waitFor();
    const scores = await page.locator("[data-score] b").allTextContents();
    expect(scores.length).toBe(58);
    for (const text of scores) expect(text).toMatch(/^\d+(\.\d)?( \(\+\d+ TA, not used\))?$/);
    // The sim market gives some coins a TA bonus: the display-only form is really exercised.
    expect(scores.some((text) => text.includes("TA, not used"))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);

  test("live refused: every reason listed under the mode, and said once after a refused switch (item 5c)", async () => {
    const { page, errors } = await open(started.server().url + "/trader");
    const reasons = page.locator("#live-reason li");
    expect(await reasons.count()).toBe(2);
    expect((await reasons.allTextContents()).join(" ")).toContain("COINEX_ACCESS_ID");
    await page.fill('#mode-form input[name="confirm"]', "LIVE");
    await page.click('#mode-form button[value="live"]');
    await page.locator("#flash", { hasText: "Mode not changed" }).waitFor();
    const visible = await page.evaluate(() => {
      const clone = document.body.cloneNode(true) as HTMLElement;
      clone.querySelector("#activity")?.remove();
      return clone.textContent ?? "";
    });
    expect(visible.split("COINEX_ACCESS_ID").length - 1).toBe(1);
    expect(visible.split("the market source is sim").length - 1).toBe(1);
    expect(started.server().controller.status().mode).toBe("paused");
    expect(errors.filter((e) => !e.includes("422"))).toEqual([]);
    await page.close();
  }, 30_000);

  test("the signals max_positions turns away are one line per cycle, naming the coins (item 8)", async () => {
    expect((await api(started.server(), "/config", { long_threshold: 0, short_threshold: 130, max_positions: 1 })).status).toBe(200);
    expect((await api(started.server(), "/mode", { mode: "dry-run" })).status).toBe(200);
    expect((await api(started.server(), "/control", { action: "run-cycle" })).status).toBe(200);
    const { page, errors } = await open(started.server().url + "/trader");
    await page.click('label[for="tab-signal"]');
    const lines = page.locator("#log-signal li", { hasText: "max positions reached" });
    expect(await lines.count()).toBe(1);
    const text = (await lines.first().textContent()) ?? "";
    expect(text).toMatch(/\d+ signals not acted — max positions reached \(1\): long [A-Z0-9]+USDT \d+/);
    expect(text.match(/USDT/g)?.length).toBeGreaterThan(20);
    expect(errors).toEqual([]);
    await page.close();
    expect((await api(started.server(), "/control", { action: "emergency-stop" })).status).toBe(200);
    expect((await api(started.server(), "/control", { action: "clear-lockfile" })).status).toBe(200);
  }, 30_000);
});

describe("the market banner (item 5b)", () => {
  test("an unreachable Binance US reads as a trader's sentence, the technical detail folded under it", async () => {
    // Binance US at a closed loopback port: the start-up probe fails and the simulated market runs.
    // Two coins: the banner is the point, not the warm-up of 29.
    const unreachable = await startServerWith({ market: "auto", binanceBaseUrl: "http://127.0.0.1:9", symbols: ["BTCUSDT", "ETHUSDT"] });
    try {
      const { page, errors } = await open(unreachable.url + "/");
      const lead = (await page.locator("#market-banner p").first().textContent()) ?? "";
      expect(lead).toBe("Binance US cannot be reached (the connection to 127.0.0.1:9 was refused); using the simulated market — prices are not real.");
      const detail = page.locator("#market-banner details.tech");
      expect(await detail.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
      await detail.locator("summary").click();
      expect(await detail.textContent()).toContain("cannot reach http://127.0.0.1:9");
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await unreachable.close();
    }
  }, 60_000);
});
