import { describe, expect, test } from "bun:test";
import { createApp } from "../../src/web/app.ts";
import { TOOLTIP_EMA_RIBBON, TOOLTIP_STOCH_RSI_DIVERGENCE, TOOLTIP_TTM_SQUEEZE } from "../../views/scanner/tooltips.ts";
import { fakeTa, makeWorld, SYMBOLS } from "./fakes.ts";
import { count, elementById } from "./helpers.ts";

async function scanner(world = makeWorld()) {
  const { app, hub } = createApp(world.deps);
  const res = await app.request("/");
  const html = await res.text();
  hub.close();
  return { res, html, world };
}

describe("scanner page", () => {
  test("one card per tracked coin, each with the three tooltips word for word", async () => {
    const { res, html } = await scanner();
    expect(res.status).toBe(200);
    expect(SYMBOLS.length).toBe(29);
    expect(count(html, "data-symbol=")).toBe(29);
    for (const symbol of SYMBOLS) expect(html).toContain(`data-symbol="${symbol}"`);
    // The exact texts from the issue, typed out here rather than imported, so a reworded constant fails.
    const ema = "EMA Ribbon (8/13/21/34/55/89). Green = all EMAs stacked bullish. Red = bearish. Yellow = mixed.";
    const ttm = "TTM Squeeze. Red dot = volatility compression (coiled spring). Green dot = squeeze just fired. Direction shown by momentum.";
    const srsi = "Stochastic RSI Divergence. Bullish divergence = price falling but momentum rising (reversal signal).";
    expect([TOOLTIP_EMA_RIBBON, TOOLTIP_TTM_SQUEEZE, TOOLTIP_STOCH_RSI_DIVERGENCE]).toEqual([ema, ttm, srsi]);
    expect(count(html, `title="${ema}"`)).toBe(29);
    expect(count(html, `title="${ttm}"`)).toBe(29);
    expect(count(html, `title="${srsi}"`)).toBe(29);
  });

  test("TA bonus display-only (use_ta_signals off): the bonus is shown beside the score, never summed into it", async () => {
    // The defect: "45 + 25 = 70" while the trader compared 45, i.e. arithmetic that does not add up to what counts.
    const world = makeWorld();
    world.market.update("BTCUSDT", { score: { long: 45, short: 30, components: [] }, ta: fakeTa("BTCUSDT", { longBonus: 25, shortBonus: 0 }) });
    const { html } = await scanner(world);
    const card = elementById(html, "coin-BTCUSDT");
    expect(card).toContain("45 (+25 TA, not used)");
    expect(card).not.toContain("= 70");
    expect(card).toMatch(/<b [^>]*id="score-long-BTCUSDT" class="hit" data-total="45">45 \(\+25 TA, not used\)<\/b>/);
    expect(card).toMatch(/<b [^>]*id="score-short-BTCUSDT" data-total="30">30<\/b>/); // below the short threshold: no "hit"
  });

  test("TA bonus counted (use_ta_signals on): base + bonus = total", async () => {
    const world = makeWorld();
    expect((await world.controller.updateConfig({ use_ta_signals: true }, "api")).ok).toBe(true);
    world.market.update("BTCUSDT", { score: { long: 45, short: 30, components: [] }, ta: fakeTa("BTCUSDT", { longBonus: 25, shortBonus: 0 }) });
    const { html } = await scanner(world);
    const card = elementById(html, "coin-BTCUSDT");
    expect(card).toContain("45 + 25 = 70");
    expect(card).toContain('data-total="70"');
  });

  test("a bonus above the +30 cap is shown capped", async () => {
    const world = makeWorld();
    world.market.update("ETHUSDT", { score: { long: 50, short: 10, components: [] }, ta: fakeTa("ETHUSDT", { longBonus: 45 }) });
    let { html } = await scanner(world);
    expect(elementById(html, "coin-ETHUSDT")).toContain("50 (+30 TA, not used)");
    expect((await world.controller.updateConfig({ use_ta_signals: true }, "api")).ok).toBe(true);
    ({ html } = await scanner(world));
    expect(elementById(html, "coin-ETHUSDT")).toContain("50 + 30 = 80");
  });

  test("indicator colours follow the TA states; the divergence badge appears only when detected", async () => {
    const world = makeWorld();
    world.market.update("BTCUSDT", { ta: fakeTa("BTCUSDT", { ribbon: "bullish", spread: 42.5, squeeze: "on", direction: "bullish", divergence: "bullish" }) });
    world.market.update("ETHUSDT", { ta: fakeTa("ETHUSDT", { ribbon: "bearish", squeeze: "fired", direction: "bearish", divergence: "none" }) });
    world.market.update("SOLUSDT", { ta: fakeTa("SOLUSDT", { ribbon: "mixed", squeeze: "none", divergence: "bearish" }) });
    const { html } = await scanner(world);
    const btc = elementById(html, "coin-BTCUSDT");
    const eth = elementById(html, "coin-ETHUSDT");
    const sol = elementById(html, "coin-SOLUSDT");
    expect(btc).toContain('class="ind ribbon bullish"');
    expect(btc).toContain("42.5%");
    expect(btc).toContain('class="dot on"');
    expect(btc).toContain("▲ bullish");
    expect(btc).toContain('data-alert="divergence"');
    expect(eth).toContain('class="ind ribbon bearish"');
    expect(eth).toContain('class="dot fired"');
    expect(eth).toContain("▼ bearish");
    expect(eth).not.toContain('data-alert="divergence"');
    expect(sol).toContain('class="ind ribbon mixed"');
    expect(sol).toContain('class="dot none"');
    expect(sol).toContain('class="badge bearish"');
  });

  test("each card has a sparkline of its closes and shows price and 24h change", async () => {
    const world = makeWorld();
    world.market.update("BTCUSDT", { price: 64250.5, change_24h_pct: -2.5, closes: [1, 3, 2] });
    const { html } = await scanner(world);
    const card = elementById(html, "coin-BTCUSDT");
    expect(card).toContain("64,250.50");
    expect(card).toContain("−2.50%");
    // Three closes 1,3,2 in a 120×28 box with 1px padding: x = 1, 60, 119; y = 27, 1, 14.
    // The newest step (the forming candle) is drawn on its own over the rest, in the same scale.
    expect(card).toContain('points="1,27 60,1"');
    expect(card).toContain('points="60,1 119,14"');
    expect(count(html, 'class="spark-box"')).toBe(29);
  });

  test("banner while simulated or erroring, none on a healthy real feed", async () => {
    const world = makeWorld();
    let { html } = await scanner(world);
    expect(elementById(html, "market-banner")).toContain("Simulated market: prices are not real");
    world.market.setStatus({ source: "binance", simulated: false, banner: null, lastError: null });
    ({ html } = await scanner(world));
    expect(elementById(html, "market-banner")).toContain('class="banner hidden"');
    world.market.setStatus({ lastError: "Binance US klines BTCUSDT 5m: cannot reach http://127.0.0.1:9 (ECONNREFUSED: Unable to connect. Is the computer able to access the url?)" });
    ({ html } = await scanner(world));
    const banner = elementById(html, "market-banner");
    expect(banner).toContain("Market data: Binance US cannot be reached (the connection to 127.0.0.1:9 was refused)");
    expect(html.toLowerCase()).not.toContain("coinex.com");
  });

  test("an unreachable Binance US reads as a trader's sentence first, the technical detail after (issue 12, item 5b)", async () => {
    const world = makeWorld();
    const raw = "cannot reach https://api.binance.us (getaddrinfo ENOTFOUND api.binance.us)";
    world.market.setStatus({ banner: `Binance US unreachable at start (${raw}): simulated market — prices are not real` });
    let { html } = await scanner(world);
    let banner = elementById(html, "market-banner");
    // The defect: "cannot reach [url] (getaddrinfo ENOTFOUND [host])" as the first thing a trader reads.
    expect(banner).not.toContain("[url]");
    expect(banner).not.toContain("[host]");
    // The banner as the market source now writes it:
    const { startBanner } = await import("../../src/market/market-problem.ts");
    world.market.setStatus({ banner: startBanner(raw) });
    ({ html } = await scanner(world));
    banner = elementById(html, "market-banner");
    const lead = /<p[^>]*>([^<]*)/.exec(banner)?.[1] ?? "";
    expect(lead).toBe("Binance US cannot be reached (DNS lookup failed for api.binance.us); using the simulated market — prices are not real.");
    // The detail is there for whoever needs it, folded away.
    expect(banner).toMatch(/<details[^>]*><summary>Technical detail<\/summary>[^<]*getaddrinfo ENOTFOUND api\.binance\.us/);
  });

  test("a coin without a snapshot yet still has its card, saying it is warming up", async () => {
    const world = makeWorld();
    world.market.coinsBySymbol.delete("DOGEUSDT");
    const { html } = await scanner(world);
    expect(elementById(html, "coin-DOGEUSDT")).toContain("Warming up");
    expect(count(html, "data-symbol=")).toBe(29);
  });

  test("the nav links the trader page; scripts are served by this server only", async () => {
    const { html } = await scanner();
    expect(html).toContain('<a href="/trader"');
    const scripts = [...html.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1] ?? "");
    // htmx, its ws extension, live.js and connection.js (the header's connection indicator).
    expect(scripts.map((src) => src.replace(/\?.*$/, ""))).toEqual(["/static/htmx.min.js", "/static/htmx-ext-ws.min.js", "/static/live.js", "/static/connection.js"]);
    for (const src of scripts) expect(src.startsWith("/static/")).toBe(true);
    expect(html).not.toMatch(/<script(?![^>]*src=)[^>]*>/); // no inline script
  });
});
