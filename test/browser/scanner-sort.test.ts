/**
 * The scanner's sort and filter in a real browser, on the real server
 * (simulated market): choosing in the form re-sorts without a reload and
 * writes the choice into the URL; that URL opens the same view; Back goes
 * to the previous one; the live list keeps its filter (coins leave and enter
 * as the trader's thresholds change) and its cards keep updating.
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { api, ARTIFACTS, openTrackedPage, serverAndBrowserForFile } from "./harness.ts";

const started = serverAndBrowserForFile();

/**
 * The test market ticks every 200 ms and moves every coin: the scanner takes
 * a push of all 29 cards several times a second, which keeps a renderer busy
 * on a loaded 2-core machine, so steps here may wait up to 30 s.
 */
async function openPage(path: string, options: { javaScript?: boolean } = {}): Promise<{ page: Page; errors: string[] }> {
  const opened = await openTrackedPage(started.browser(), started.server().url + path, options);
  opened.page.setDefaultTimeout(30_000);
  return opened;
}

interface Shown {
  symbol: string;
  /** The card's 24h change; null without 24h of data yet. */
  change: number | null;
}

/**
 * Notes the cards as the server rendered them, at the moment htmx swaps the
 * view in (before any push can move a price: pushes update cards in place and
 * the list is re-sorted only every few seconds, so a later look sees drift).
 */
async function watchSwaps(page: Page): Promise<void> {
  await page.evaluate(() => {
    document.body.addEventListener("htmx:afterSwap", () => {
      const cards = Array.from(document.querySelectorAll("#scanner-view article[data-symbol]"));
      (window as unknown as { rendered: Shown[] }).rendered = cards.map((card) => {
        const value = Number.parseFloat((card.querySelector('[data-field="change"]')?.textContent ?? "").replace("−", "-").replace("%", ""));
        return { symbol: card.getAttribute("data-symbol") ?? "", change: Number.isFinite(value) ? value : null };
      });
    });
  });
}

async function rendered(page: Page): Promise<Shown[]> {
  return page.evaluate(() => (window as unknown as { rendered: Shown[] }).rendered);
}

function path(page: Page): string {
  const url = new URL(page.url());
  return url.pathname + url.search;
}

describe("scanner sort and filter in chromium", () => {
  test("the form re-sorts and filters without a reload, the URL says so, and that URL opens the same view; Back returns", async () => {
    const { page, errors } = await openPage("/");
    await page.locator("#scanner-view article[data-symbol]").first().waitFor();
    await page.evaluate(() => ((window as unknown as { marker: string }).marker = "same page"));
    await watchSwaps(page);

    await page.selectOption("#scanner-sort", "change");
    await page.waitForURL((url) => url.search === "?sort=change");
    await page.locator(".scanner-list").waitFor();
    const sorted = await rendered(page);
    expect(sorted.length).toBe(29);
    // Highest first, coins without a 24h figure last.
    const known = sorted.filter((c) => c.change !== null).map((c) => c.change as number);
    expect(known.length).toBeGreaterThan(0);
    expect(known).toEqual([...known].sort((a, b) => b - a));
    expect(sorted.slice(known.length).every((c) => c.change === null)).toBe(true);
    // The view's socket joined this list's group.
    expect(await page.getAttribute("#scanner-view", "ws-connect")).toContain("sort=change");

    await page.selectOption("#scanner-dir", "asc");
    await page.waitForURL((url) => url.search === "?sort=change&dir=asc");
    await page.fill("#scanner-q", "btc eth");
    await page.waitForURL((url) => url.search === "?sort=change&dir=asc&q=BTC+ETH");
    await page.waitForFunction(() => document.querySelectorAll("#scanner-view article[data-symbol]").length === 2);
    const two = await rendered(page);
    expect(two.map((c) => c.symbol).sort()).toEqual(["BTCUSDT", "ETHUSDT"]);
    if (two[0]!.change !== null && two[1]!.change !== null) expect(two[0]!.change).toBeLessThanOrEqual(two[1]!.change);
    expect(await page.textContent(".list-summary")).toContain("2 of 29 coins · sorted by 24h change, lowest first · coins: BTC, ETH");
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe("same page");

    // The URL alone opens the same view, the form showing the choice.
    const { page: copy } = await openPage(path(page));
    expect(await copy.inputValue("#scanner-sort")).toBe("change");
    expect(await copy.inputValue("#scanner-dir")).toBe("asc");
    expect(await copy.inputValue("#scanner-q")).toBe("BTC ETH");
    expect((await copy.$$eval("#scanner-view article[data-symbol]", (cards) => cards.map((c) => c.getAttribute("data-symbol")))).sort()).toEqual(["BTCUSDT", "ETHUSDT"]);
    await copy.close();

    await page.goBack();
    await page.waitForURL((url) => url.search === "?sort=change&dir=asc");
    await page.waitForFunction(() => document.querySelectorAll("#scanner-view article[data-symbol]").length === 29);
    expect(await page.inputValue("#scanner-q")).toBe("");
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  test("a filtered list stays filtered live: coins enter and leave with the trader's thresholds, shown cards keep updating", async () => {
    const { page, errors } = await openPage("/");
    await page.locator("#scanner-view article[data-symbol]").first().waitFor();
    // Nothing can reach 130 + 130: the list starts empty.
    expect((await api(started.server(), "/config", { long_threshold: 130, short_threshold: 130 })).status).toBe(200);
    await page.check('#scanner-controls input[value="above-threshold"]');
    await page.waitForURL((url) => url.search === "?state=above-threshold");
    await page.locator(".scanner-list .no-match").waitFor();
    await page.waitForFunction(() => (window as unknown as { htmx?: unknown }).htmx !== undefined && document.querySelector('#conn[data-state="live"]') !== null);

    // Every coin with a score reaches a threshold of 0: they enter, pushed, without a reload.
    expect((await api(started.server(), "/config", { long_threshold: 0 })).status).toBe(200);
    await page.waitForFunction(() => document.querySelectorAll("#scanner-view article[data-symbol]").length > 20);
    expect(await page.locator("#scanner-view article[data-symbol]:not([data-above])").count()).toBe(0);
    // Their cards keep updating (the simulated market ticks every 200 ms).
    const first = page.locator("#scanner-view article[data-symbol]").first();
    const price = await first.locator('[data-field="price"]').textContent();
    const symbol = await first.getAttribute("data-symbol");
    await page.waitForFunction(
      ([s, p]) => document.querySelector(`#scanner-view article[data-symbol="${s}"] [data-field="price"]`)?.textContent !== p,
      [symbol, price] as const,
    );
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "scanner-filtered.png"), caret: "initial" });

    // Back to unreachable thresholds: they leave.
    expect((await api(started.server(), "/config", { long_threshold: 130 })).status).toBe(200);
    await page.locator(".scanner-list .no-match").waitFor();
    expect(await page.locator("#scanner-view article[data-symbol]").count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  test("without JavaScript the form is a plain GET: Apply loads the sorted, filtered page", async () => {
    const { page, errors } = await openPage("/", { javaScript: false });
    await page.selectOption("#scanner-sort", "volume");
    await page.fill("#scanner-q", "btc, eth sol");
    await Promise.all([page.waitForURL((url) => url.searchParams.get("sort") === "volume"), page.click('#scanner-controls button[type="submit"]')]);
    expect(new URL(page.url()).searchParams.get("q")).toBe("btc, eth sol");
    const shown = await page.$$eval("#scanner-view article[data-symbol]", (cards) => cards.map((c) => c.getAttribute("data-symbol")));
    expect([...shown].sort()).toEqual(["BTCUSDT", "ETHUSDT", "SOLUSDT"]);
    expect(await page.textContent(".list-summary")).toContain("3 of 29 coins · sorted by 24h volume, highest first · coins: BTC, ETH, SOL");
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);

  test("a bad value in the URL is a 400 page naming the parameter", async () => {
    const { page } = await openPage("/?sort=price");
    expect(await page.textContent(".query-issues")).toContain('sort must be one of long, short, change, volume (or empty for the list order), not "price"');
    expect(await page.locator("article[data-symbol]").count()).toBe(0);
    await page.close();
  }, 30_000);
});
