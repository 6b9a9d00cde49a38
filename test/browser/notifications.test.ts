/**
 * Notifications on /trader in chromium, on the real server with Telegram
 * pointed at the loopback stand-in: "Send test message" answers in the flash
 * and the channel row; the settings form saves a choice; a failing channel
 * shows up on an open page without a reload ("last failure …, N retries
 * pending") and clears when it recovers; the token is nowhere in the page.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { startTestServer as startRealServer } from "../helpers/server.ts";
import { startNotifyStandIn, type NotifyStandIn } from "../helpers/notify-stand-in.ts";
import { api, ARTIFACTS, launchBrowser, type TestBrowser, type TestServer } from "./harness.ts";

let server: TestServer;
let browser: TestBrowser;
let standIn: NotifyStandIn;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  standIn = startNotifyStandIn();
  // Credentials are read from the environment once, at start: set them for the start only.
  const saved = { token: process.env.TELEGRAM_BOT_TOKEN, chat: process.env.TELEGRAM_CHAT_ID };
  process.env.TELEGRAM_BOT_TOKEN = standIn.token;
  process.env.TELEGRAM_CHAT_ID = standIn.chatId;
  try {
    server = await startRealServer({ telegramBaseUrl: standIn.url });
  } finally {
    for (const [name, value] of [["TELEGRAM_BOT_TOKEN", saved.token], ["TELEGRAM_CHAT_ID", saved.chat]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  standIn?.stop();
}, 30_000);

async function openTrader(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(10_000);
  await page.addInitScript(() => {
    document.addEventListener("htmx:wsOpen", () => ((window as unknown as { wsOpen: boolean }).wsOpen = true));
  });
  await page.setViewportSize({ width: 1280, height: 900 });
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(`${server.url}/trader`);
  await page.waitForFunction(() => (window as unknown as { wsOpen?: boolean }).wsOpen === true);
  return { page, errors };
}

describe("notifications in chromium", () => {
  test("send a test message: the flash says so and the channel row shows it was sent", async () => {
    const { page } = await openTrader();
    const telegram = page.locator("#channel-telegram");
    await expect(telegram.textContent()).resolves.toContain("configured · nothing sent yet");
    await expect(page.locator("#channel-webhook").textContent()).resolves.toContain("not configured: set WEBHOOK_URL");
    await telegram.getByRole("button", { name: "Send test message" }).click();
    await page.locator("#flash .flash.ok").filter({ hasText: "Test message sent to Telegram" }).waitFor();
    await telegram.filter({ hasText: "last sent" }).waitFor();
    expect(standIn.texts("telegram").at(-1)).toBe("<b>[PAUSED]</b> Test message from the CoinEx trader to Telegram: notifications work.");
    await page.close();
  }, 20_000);

  test("a choice saved in the form is in trader_config.json and on the page after a reload", async () => {
    const { page, errors } = await openTrader();
    await page.locator("#notify-settings summary").click();
    await page.locator("#notify-select-redis").selectOption("off");
    await page.locator("#notify-select-dry_run_trades").selectOption("silent");
    await page.locator("#notify-form button[type=submit]").click();
    await page.locator("#flash .flash.ok").filter({ hasText: "Notifications saved: redis = off, dry_run_trades = silent" }).waitFor();
    const saved = JSON.parse(readFileSync(server.configPath, "utf8")).notifications;
    expect([saved.redis, saved.dry_run_trades, saved.kill_switch]).toEqual(["off", "silent", "on"]);
    await page.reload();
    expect(await page.locator("#notify-select-redis").inputValue()).toBe("off");
    expect(errors).toEqual([]);
    await page.close();
  }, 20_000);

  test("a failing channel shows on the open page without a reload, then its recovery; no token anywhere", async () => {
    const { page, errors } = await openTrader();
    const telegram = page.locator("#channel-telegram");
    // Two failures, then the stand-in answers again (the queue retries with back-off: 2 s, 4 s).
    standIn.script("telegram", { status: 500 }, { status: 500 });
    expect((await api(server, "/control", { action: "start" })).status).toBe(200);
    expect((await api(server, "/control", { action: "stop" })).status).toBe(200);
    await telegram.filter({ hasText: /last failure \d\d:\d\d:\d\dZ \(HTTP 500: Internal Server Error\), 2 retries pending/ }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "notifications-failing.png"), fullPage: true });
    await telegram.filter({ hasText: /last sent \d\d:\d\d:\d\dZ/ }).waitFor({ timeout: 15_000 });
    expect(await telegram.textContent()).not.toContain("retries pending");
    // The error log says it once.
    const errorLog = await page.locator("#log-error").textContent();
    expect(errorLog?.match(/Telegram notifications failing/g)?.length).toBe(1);
    const html = await page.content();
    for (const secret of [standIn.token, standIn.chatId, standIn.url]) expect(html).not.toContain(secret);
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);
});
