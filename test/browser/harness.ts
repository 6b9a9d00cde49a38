/**
 * The server and the browser for browser tests.
 *
 * Server: the real product (src/app/start-server.ts through the shared test
 * helper): simulated market, paper exchange, a fresh temp data dir, loopback.
 *
 * Browser: Debian's chromium through playwright-core, launched exactly as the
 * team's guide says, in a fresh profile directory.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "bun:test";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { startTestServer as startRealServer, type TestServer } from "../helpers/server.ts";

export type { TestServer };

export async function startTestServer(): Promise<TestServer> {
  return startRealServer();
}

export const ARTIFACTS = join(import.meta.dir, "../../test-artifacts");

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const executablePath = Bun.which("chromium");
  if (!executablePath) throw new Error("chromium is not on PATH: apt-get install -y chromium");
  const profile = mkdtempSync(join(tmpdir(), "dash-browser-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  return {
    context,
    close: async () => {
      await context.close();
      if (existsSync(profile)) rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** POST JSON to the trader API as a script would (no browser headers). */
export async function api(server: TestServer, path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}/api/trader${path}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
}

/**
 * A fresh tab on `url` that records console errors and page errors (a CSP
 * violation shows up there) and accepts confirm dialogs (hx-confirm); with
 * `javaScript: false` scripts are disabled (the page as a browser without
 * JavaScript gets it); with `live` it resolves once the page's WebSocket is open.
 */
export async function openTrackedPage(browser: TestBrowser, url: string, options: { javaScript?: boolean; live?: boolean } = {}): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(10_000);
  if (options.javaScript === false) {
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send("Emulation.setScriptExecutionDisabled", { value: true });
  }
  await page.addInitScript(() => {
    document.addEventListener("htmx:wsOpen", () => ((window as unknown as { wsOpen: boolean }).wsOpen = true));
  });
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("dialog", (dialog) => void dialog.accept());
  await page.goto(url);
  if (options.live) await page.waitForFunction(() => (window as unknown as { wsOpen?: boolean }).wsOpen === true);
  return { page, errors };
}

/** The real server and Chromium for one test file: started before its tests, stopped after. */
export function serverAndBrowserForFile(): { server: () => TestServer; browser: () => TestBrowser } {
  let server: TestServer | null = null;
  let browser: TestBrowser | null = null;
  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  }, 30_000);
  const started = <T>(value: T | null, what: string): T => {
    if (value === null) throw new Error(`${what} is not started: call serverAndBrowserForFile() at the top of the test file`);
    return value;
  };
  return { server: () => started(server, "the test server"), browser: () => started(browser, "the browser") };
}
