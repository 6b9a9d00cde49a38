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
import { chromium, type BrowserContext } from "playwright-core";
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
