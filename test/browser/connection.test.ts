/**
 * A lost connection in a real browser: the header's indicator and banner,
 * the trader's ON/OFF marked as last known, a control that cannot be sent
 * saying so, and the page coming back by itself with the current state.
 *
 * The server is its own process (bench/soak-server.ts: `bun src/main.ts
 * serve`, simulated market, paper exchange, loopback only), stopped with
 * SIGTERM and started again on the same port and data dir while the page
 * stays open. A silent socket (open but nothing arriving, e.g. a half-open
 * connection) is made with Playwright's WebSocket routing against an
 * in-process server. Every wait is for a state the page shows, bounded.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { startTraderProcess, type TraderProcess } from "../../bench/soak-server.ts";
import { ARTIFACTS, launchBrowser, openTrackedPage, startTestServer, type TestBrowser, type TestServer } from "./harness.ts";

let browser: TestBrowser;
let dir: string;
let proc: TraderProcess | null = null;
let inProcess: TestServer | null = null;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), "conn-browser-"));
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await proc?.stop();
  await inProcess?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 30_000);

/**
 * What the browser and htmx log, as errors, about requests to a server that
 * is down: the refused connections themselves, htmx's "Event" for each failed
 * socket (htmx:wsError) and its note of the failed request.
 */
const EXPECTED_WHILE_DOWN = [/WebSocket connection to .* failed/, /Failed to load resource: net::ERR_CONNECTION_REFUSED/, /^Event$/, /^htmx:sendError$/, /^htmx:afterRequest$/];

/** A tab on `url` (harness.ts) whose `unexpected()` lists the console errors other than those expected while the server is down. */
async function openPage(url: string): Promise<{ page: Page; unexpected: () => string[] }> {
  const { page, errors } = await openTrackedPage(browser, url);
  return { page, unexpected: () => errors.filter((text) => !EXPECTED_WHILE_DOWN.some((expected) => expected.test(text))) };
}

async function connState(page: Page): Promise<string | null> {
  return page.getAttribute("#conn", "data-state");
}

async function waitForConn(page: Page, state: string, timeout = 10_000): Promise<void> {
  await page.locator(`#conn[data-state="${state}"]`).waitFor({ state: "visible", timeout });
}

describe("a lost connection in chromium", () => {
  test("server stopped: reconnecting within seconds, ON/OFF marked last known, a control says it failed; server back on the same port: live again with the current state, without a reload", async () => {
    proc = await startTraderProcess({ dir, lifetimeS: 180 });
    const port = proc.port;
    const { page, unexpected } = await openPage(`${proc.url}/trader`);
    await waitForConn(page, "live");
    expect(await page.isHidden("#conn-banner")).toBe(true);
    expect(await page.textContent("#running-state")).toBe("OFF");
    const leverage = Number(await page.inputValue('form#config input[name="max_leverage"]'));
    await page.evaluate(() => ((window as unknown as { marker: string }).marker = "same page"));

    await proc.stop();
    await waitForConn(page, "reconnecting");
    expect(await page.getAttribute("body", "data-conn")).toBe("reconnecting");
    expect(await page.textContent("#conn .conn-text")).toMatch(/^reconnecting · \d+ s$/);
    expect(await page.textContent("#conn-banner")).toContain("Connection to the server lost: reconnecting");
    // ON/OFF no longer claimed as current.
    expect(await page.evaluate(() => getComputedStyle(document.getElementById("running-state")!, "::after").content)).toBe('" · last known"');
    expect(Number(await page.evaluate(() => getComputedStyle(document.getElementById("trader-state")!).opacity))).toBeLessThan(1);
    await page.screenshot({ path: join(ARTIFACTS, "connection-lost.png"), caret: "initial" });

    // A control while the server is down: the page says it failed.
    await page.click("#toggle-running");
    const flash = page.locator("#flash [data-request-error]");
    await flash.waitFor();
    expect(await flash.textContent()).toBe("Turn ON failed: the server could not be reached (no connection). Check the state once the header shows live again, before trying again.");

    // Meanwhile the config changes on disk; the restarted server reads it.
    const configPath = join(dir, "trader_config.json");
    const config = JSON.parse(readFileSync(configPath, "utf8"));
    const changed = leverage === 7 ? 9 : 7;
    writeFileSync(configPath, JSON.stringify({ ...config, max_leverage: changed }, null, 2));
    proc = await startTraderProcess({ dir, lifetimeS: 180, port });
    expect(proc.port).toBe(port);

    // Back by itself (back-off at most a few seconds here), with the state of the new process pushed in.
    await waitForConn(page, "live", 30_000);
    await page.waitForFunction(
      (value) => (document.querySelector('form#config input[name="max_leverage"]') as HTMLInputElement | null)?.value === value,
      String(changed),
      { timeout: 10_000 },
    );
    expect(await page.isHidden("#conn-banner")).toBe(true);
    expect(await page.getAttribute("body", "data-conn")).toBe("live");
    expect(await page.evaluate(() => getComputedStyle(document.getElementById("running-state")!, "::after").content)).toBe("none");
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe("same page");
    expect(unexpected()).toEqual([]);
    await page.close();
  }, 90_000);

  test("an open socket that goes silent turns stale after a few seconds, and live again when messages come back", async () => {
    inProcess = await startTestServer();
    const page = await browser.context.newPage();
    page.setDefaultTimeout(10_000);
    let silent = false;
    await page.routeWebSocket(/\/ws\?/, (ws) => {
      const server = ws.connectToServer();
      server.onMessage((message) => {
        if (!silent) ws.send(message);
      });
      ws.onMessage((message) => server.send(message));
    });
    await page.goto(`${inProcess.url}/trader`);
    await waitForConn(page, "live");
    silent = true;
    await waitForConn(page, "stale", 15_000);
    expect(await page.textContent("#conn .conn-text")).toMatch(/^stale \d+ s$/);
    expect(await page.textContent("#conn-banner")).toContain("No update from the server for a while");
    silent = false;
    // The next heartbeat (at most 2 s of quiet) brings it back.
    await waitForConn(page, "live", 10_000);
    expect(await page.isHidden("#conn-banner")).toBe(true);
    await page.close();
  }, 60_000);

  test("a page without live updates shows its age, not a connection", async () => {
    const server = inProcess ?? (inProcess = await startTestServer());
    const { page, unexpected } = await openPage(`${server.url}/history`);
    await waitForConn(page, "snapshot");
    expect(await page.textContent("#conn .conn-text")).toMatch(/^snapshot · \d+ s old$/);
    expect(await page.isHidden("#conn-banner")).toBe(true);
    expect(await connState(page)).toBe("snapshot");
    expect(unexpected()).toEqual([]);
    await page.close();
  }, 30_000);
});

describe("failed control requests in chromium", () => {
  test("an error answer that is not the dashboard's own (a proxy's 502 page), no connection and no answer in time each say what failed", async () => {
    const server = inProcess ?? (inProcess = await startTestServer());
    const { page } = await openPage(`${server.url}/trader`);
    await waitForConn(page, "live");
    await page.route("**/trader/control", (route) =>
      route.fulfill({ status: 502, contentType: "text/html", body: "<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>" }),
    );
    await page.click('form[hx-post="/trader/control"] button[value="run-cycle"]');
    const flash = page.locator("#flash [data-request-error]");
    await flash.waitFor();
    expect(await flash.textContent()).toBe("Run cycle now failed: the server answered 502 Bad Gateway.");
    expect(await page.locator("#flash h1").count()).toBe(0);
    await page.unroute("**/trader/control");

    await page.evaluate(() => (document.getElementById("flash")!.textContent = ""));
    await page.route("**/trader/control", (route) => route.abort("connectionreset"));
    await page.click("#toggle-running");
    await flash.waitFor();
    expect(await flash.textContent()).toContain("Turn ON failed: the server could not be reached");
    await page.unroute("**/trader/control");

    // No answer in time: the page's timeout is 20 s; a second here, so the test does not wait 20.
    await page.evaluate(() => ((window as unknown as { htmx: { config: { timeout: number } } }).htmx.config.timeout = 1000));
    await page.evaluate(() => (document.getElementById("flash")!.textContent = ""));
    await page.route("**/trader/control", () => {
      // never answered
    });
    await page.click('form[hx-post="/trader/control"] button[value="run-cycle"]');
    await flash.waitFor();
    expect(await flash.textContent()).toBe("Run cycle now: no answer within 1 s. It may still be carried out: check the state before trying again.");
    await page.unrouteAll({ behavior: "ignoreErrors" });
    // Nothing was done: the trader is still OFF.
    expect(server.controller.status().running).toBe(false);
    await page.close();
  }, 30_000);
});
