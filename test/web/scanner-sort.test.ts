/**
 * The scanner sorted and filtered through its URL (GET /?sort=…&state=…):
 * the page in that order with the form showing the choice, a 400 naming a
 * bad parameter, the canonical URL for htmx, and the live list: its socket
 * joins that list's group, a coin entering or leaving the filter pushes the
 * whole list (its cards inside, not again beside it), a card change pushes the
 * card alone.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { createApp } from "../../src/web/app.ts";
import type { FakeWorld } from "./fakes.ts";
import { SYMBOLS } from "./fakes.ts";
import { waitFor } from "../helpers/wait.ts";
import { count, elementById, stripVersions } from "./helpers.ts";
import { serveDashboard, type ServedDashboard } from "./served-dashboard.ts";

let served: ServedDashboard | null = null;

afterEach(async () => {
  await served?.stop();
  served = null;
});

async function start(prepare: (world: FakeWorld) => void = () => {}) {
  served = await serveDashboard({ live: { minIntervalMs: 20, settleMs: 2 }, scannerReorderMs: 20 }, prepare);
  return served;
}

/** The coins of the page's cards, in page order. */
function cardOrder(html: string): string[] {
  return [...html.matchAll(/<article [^>]*data-symbol="([A-Z0-9]+)"/g)].map((m) => m[1]!);
}

const until = (check: () => boolean, what: string, ms = 5000) => waitFor(what, check, ms, 5);

describe("the scanner's sort and filter in the URL", () => {
  test("sorted by long score, the form showing the choice, every coin counted", async () => {
    const { dash } = await start((w) => {
      w.market.update("SOLUSDT", { score: { long: 80, short: 0, components: [] } });
      w.market.update("ETHUSDT", { score: { long: 70, short: 0, components: [] } });
      w.market.update("BTCUSDT", { score: { long: 5, short: 0, components: [] } });
    });
    const res = await dash.app.request("/?sort=long");
    expect(res.status).toBe(200);
    const html = await res.text();
    const order = cardOrder(html);
    expect(order.slice(0, 2)).toEqual(["SOLUSDT", "ETHUSDT"]);
    expect(order.at(-1)).toBe("BTCUSDT");
    expect(order.length).toBe(29);
    expect(html).toContain("29 of 29 coins · sorted by long score, highest first");
    expect(html).toMatch(/<option value="long" selected="">long score<\/option>/);
    expect(html).toMatch(/ws-connect="\/ws\?sort=long&amp;page=scanner&amp;since=[0-9a-f]+\.\d+"/);
    // The plain scanner keeps the list order and its own group.
    const plain = await (await dash.app.request("/")).text();
    expect(cardOrder(plain)).toEqual(SYMBOLS);
    expect(plain).toMatch(/ws-connect="\/ws\?page=scanner&amp;since=/);
  });

  test("filtered by state and text; nothing matching says so", async () => {
    const { dash } = await start();
    // The fake coins: every third one (0, 3, …) has its squeeze on and a bullish divergence.
    const squeezed = SYMBOLS.filter((_, i) => i % 3 === 0);
    const page = await (await dash.app.request("/?state=squeeze")).text();
    expect(cardOrder(page)).toEqual(squeezed);
    expect(page).toContain(`${squeezed.length} of 29 coins · squeeze on`);
    expect(page).toMatch(/<input type="checkbox" name="state" value="squeeze" checked=""/);
    const text = await (await dash.app.request("/?q=eth,btc")).text();
    expect(cardOrder(text)).toEqual(["BTCUSDT", "ETHUSDT"]);
    expect(text).toContain('value="ETH BTC"');
    const none = await (await dash.app.request("/?q=nosuchcoin")).text();
    expect(cardOrder(none)).toEqual([]);
    expect(none).toContain("No coin matches right now");
  });

  test("a bad value is a 400 naming the parameter, with no cards", async () => {
    const { dash } = await start();
    for (const [query, text] of [
      ["sort=price", 'sort must be one of long, short, change, volume (or empty for the list order), not &quot;price&quot;'],
      ["state=hot&dir=up", 'dir must be desc or asc, not &quot;up&quot;'],
      ["q=%3Cscript%3E", "q may hold coin names only"],
    ] as const) {
      const res = await dash.app.request(`/?${query}`);
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(elementById(html, "scanner-view")).toContain(text);
      expect(html).not.toContain("<script>");
      expect(cardOrder(html)).toEqual([]);
    }
    const both = await (await dash.app.request("/?state=hot&dir=up")).text();
    expect(both).toContain("state must be squeeze, divergence or above-threshold, not &quot;hot&quot;");
  });

  test("to htmx, the canonical URL for the address bar", async () => {
    const { dash } = await start();
    const res = await dash.app.request("/?q=&sort=change&dir=desc&state=divergence&state=squeeze", { headers: { "hx-request": "true" } });
    expect(res.headers.get("hx-push-url")).toBe("/?sort=change&state=squeeze&state=divergence");
    const plain = await dash.app.request("/?q=&sort=&dir=desc", { headers: { "hx-request": "true" } });
    expect(plain.headers.get("hx-push-url")).toBe("/");
  });

  test("a bad sort or filter on the socket is a 400 naming it", async () => {
    const { base } = await start();
    const res = await fetch(`http://${base}/ws?page=scanner&sort=price`);
    expect(res.status).toBe(400);
    expect((await res.json()).error).toContain("sort must be one of");
    expect((await fetch(`http://${base}/ws?page=trader&heartbeat=yes`)).status).toBe(400);
  });
});

describe("a filtered list, live", () => {
  test("a coin entering the filter pushes the list with its card in place (once); a change to a shown card pushes the card alone; leaving takes it out", async () => {
    const { world, base } = await start();
    // Nothing is above the thresholds (45 / 50): every fake coin scores 20.
    const page = await (await fetch(`http://${base}/?state=above-threshold`)).text();
    expect(cardOrder(page)).toEqual([]);
    const listId = /id="(scanner-list-[0-9a-f]+)"/.exec(page)?.[1] ?? "";
    expect(listId).not.toBe("");
    const wsUrl = /ws-connect="([^"]+)"/.exec(page)?.[1]?.replaceAll("&amp;", "&") ?? "";
    const client = served!.socket(wsUrl);
    await client.opened;

    world.market.update("BTCUSDT", { score: { long: 90, short: 0, components: [] } });
    await until(() => client.messages.some((m) => m.includes(`id="${listId}"`)), "the list push");
    const listPush = client.messages.find((m) => m.includes(`id="${listId}"`))!;
    expect(cardOrder(listPush)).toEqual(["BTCUSDT"]);
    expect(listPush).toContain("1 of 29 coins · above threshold");
    // The card rides inside the list only: never on its own ahead of the place the list makes for it.
    expect(count(listPush, 'id="coin-BTCUSDT"')).toBe(1);
    expect(elementById(listPush, listId)).toContain('id="coin-BTCUSDT"');

    // A shown card's price moves: that card's price alone (the card's parts, issue 17).
    const before = client.messages.length;
    world.market.update("BTCUSDT", { price: 71234.5 });
    await until(() => client.messages.slice(before).some((m) => m.includes("71,234.50")), "the card push");
    const cardPush = client.messages.slice(before).find((m) => m.includes("71,234.50"))!;
    expect(stripVersions(cardPush)).toBe('<span class="price" id="price-BTCUSDT" data-field="price">71,234.50</span>');
    expect(cardPush).not.toContain(listId);
    // A coin the list does not show changes: nothing is sent for it.
    world.market.update("ETHUSDT", { price: 3333.25 });
    world.market.update("BTCUSDT", { price: 71000 });
    await until(() => client.messages.some((m) => m.includes("71,000.00")), "the next BTC push");
    expect(client.messages.some((m) => m.includes("3,333.25"))).toBe(false);

    // It falls back below: the list is pushed without it.
    const beforeLeave = client.messages.length;
    world.market.update("BTCUSDT", { score: { long: 10, short: 0, components: [] } });
    await until(() => client.messages.slice(beforeLeave).some((m) => m.includes(`id="${listId}"`)), "the list push without BTC");
    const emptied = client.messages.slice(beforeLeave).find((m) => m.includes(`id="${listId}"`))!;
    expect(cardOrder(emptied)).toEqual([]);
    expect(emptied).toContain("No coin matches right now");
  });

  test("an owner's threshold change re-sorts at once; the page asked afterwards shows the new selection", async () => {
    const { world, base, dash } = await start();
    const page = await (await fetch(`http://${base}/?state=above-threshold&sort=short`)).text();
    const listId = /id="(scanner-list-[0-9a-f]+)"/.exec(page)?.[1] ?? "";
    const wsUrl = /ws-connect="([^"]+)"/.exec(page)?.[1]?.replaceAll("&amp;", "&") ?? "";
    const client = served!.socket(wsUrl);
    await client.opened;
    expect((await world.controller.updateConfig({ long_threshold: 15 }, "api")).ok).toBe(true);
    await until(() => client.messages.some((m) => m.includes(`id="${listId}"`)), "the list push");
    const pushed = client.messages.find((m) => m.includes(`id="${listId}"`))!;
    expect(cardOrder(pushed).length).toBe(29);
    const again = await (await dash.app.request("/?sort=short&state=above-threshold")).text();
    expect(cardOrder(again)).toEqual(cardOrder(pushed));
  });

  test("the same list from another process after a restart has the same element id (a page open across it is re-synced in place)", async () => {
    const first = await start();
    const a = /id="(scanner-list-[0-9a-f]+)"/.exec(await (await first.dash.app.request("/?sort=volume&q=btc")).text())?.[1];
    const other = createApp(first.world.deps);
    const b = /id="(scanner-list-[0-9a-f]+)"/.exec(await (await other.app.request("/?q=BTC&sort=volume&dir=desc")).text())?.[1];
    other.hub.close();
    expect(a).toBeDefined();
    expect(b).toBe(a!);
  });
});
