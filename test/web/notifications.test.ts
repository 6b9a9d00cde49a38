/**
 * Notifications on /trader and in the JSON API: the channel list (configured
 * or which variables to set, last success / failure, retries pending), a test
 * message per channel, the per-event settings form (on / silent / off, per-trade
 * messages in dry-run, the summary hour) — and never a credential on a page or
 * in an answer.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { setQuiet } from "../../src/log.ts";
import { channelsFrom } from "../../src/notify/credentials.ts";
import { Notifier } from "../../src/notify/notifier.ts";
import { createApp, type DashboardApp } from "../../src/web/app.ts";
import { startNotifyStandIn, type NotifyStandIn } from "../helpers/notify-stand-in.ts";
import { waitFor } from "../helpers/wait.ts";
import { makeWorld, type FakeWorld } from "./fakes.ts";
import { elementById, postForm, postJson } from "./helpers.ts";

setQuiet(true);

interface Opened {
  app: DashboardApp;
  world: FakeWorld;
  notifier: Notifier | null;
  standIn: NotifyStandIn;
}

let opened: Opened[] = [];
afterEach(async () => {
  for (const { app, world, notifier, standIn } of opened) {
    app.hub.close();
    await notifier?.stop(0);
    await world.controller.shutdown();
    standIn.stop();
  }
  opened = [];
});

/** Telegram configured against the stand-in; webhook and ntfy not configured. */
async function setup(options: { readOnly?: boolean; delivery?: ConstructorParameters<typeof Notifier>[0]["delivery"] } = {}) {
  const world = makeWorld(options.readOnly ? { readOnly: "This is a read-only web instance" } : {});
  const standIn = startNotifyStandIn();
  const notifier = options.readOnly
    ? null
    : new Notifier({
        channels: channelsFrom({ telegram: { token: standIn.token, chatId: standIn.chatId }, webhook: null, ntfy: null }, standIn.url),
        trader: world.controller,
        record: world.record,
        tickMs: 0,
        delivery: options.delivery ?? { timeoutMs: 500, firstRetryMs: 5, maxRetryMs: 20 },
      });
  notifier?.start();
  if (notifier) world.deps.notifications = notifier;
  await world.controller.boot();
  const app = createApp(world.deps);
  opened.push({ app, world, notifier, standIn });
  return { app: app.app, world, notifier, standIn };
}

const page = async (app: DashboardApp["app"]) => (await app.request("/trader")).text();

describe("the channel list", () => {
  test("shows each channel: configured with a test button, or which variables to set", async () => {
    const { app } = await setup();
    const html = elementById(await page(app), "notify-channels");
    const telegram = elementById(html, "channel-telegram");
    expect(telegram).toContain("Telegram");
    expect(telegram).toContain("configured");
    expect(telegram).toContain("nothing sent yet");
    expect(telegram).toContain('<form method="post" action="/trader/notifications/test"');
    expect(telegram).toContain('name="channel" value="telegram"');
    const webhook = elementById(html, "channel-webhook");
    expect(webhook).toContain("not configured: set WEBHOOK_URL (and WEBHOOK_SECRET to sign)");
    expect(webhook).not.toContain("/trader/notifications/test");
    expect(elementById(html, "channel-ntfy")).toContain("not configured: set NTFY_URL");
  });

  test("a failing channel says when it last failed and how many retries are pending; then when it last sent", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { app, world, notifier, standIn } = await setup({ delivery: { timeoutMs: 500, sleep: () => gate } });
    standIn.script("telegram", { status: 500 });
    await world.controller.start("page");
    await world.controller.setMode("dry-run", undefined, "page");
    await world.controller.stop("page");
    await waitFor("the failure", () => notifier!.status().channels[0]?.failing);
    const telegram = elementById(elementById(await page(app), "notify-channels"), "channel-telegram");
    expect(telegram).toMatch(/Telegram<\/b>: last failure \d\d:\d\d:\d\dZ \(HTTP 500: Internal Server Error\), 3 retries pending/);
    release();
    await standIn.waitForDelivered("telegram", 3);
    await notifier!.idle();
    const after = elementById(elementById(await page(app), "notify-channels"), "channel-telegram");
    expect(after).toMatch(/last sent \d\d:\d\d:\d\dZ · 3 sent/);
    expect(after).not.toContain("retries pending");
  });

  test("send test message: the flash says it arrived, the channel shows it", async () => {
    const { app, standIn } = await setup();
    const res = await postForm(app, "/trader/notifications/test", { channel: "telegram" }, { htmx: true });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('<p class="flash ok">Test message sent to Telegram</p>');
    expect(body).toContain('id="notify-channels"');
    expect(standIn.texts("telegram")).toEqual(["<b>[PAUSED]</b> Test message from the CoinEx trader to Telegram: notifications work."]);
    // A failure says why; an unconfigured channel says what to set.
    standIn.script("telegram", { status: 400 });
    const failed = await postForm(app, "/trader/notifications/test", { channel: "telegram" }, { htmx: true });
    expect(failed.status).toBe(502);
    expect(await failed.text()).toContain("Test message to Telegram failed: HTTP 400: Bad Request: chat not found (check TELEGRAM_CHAT_ID)");
    const missing = await postForm(app, "/trader/notifications/test", { channel: "ntfy" }, { htmx: true });
    expect(missing.status).toBe(422);
    expect(await missing.text()).toContain("ntfy is not configured: set NTFY_URL in the server&#39;s environment");
    const bogus = await postForm(app, "/trader/notifications/test", { channel: "pigeon" }, { htmx: true });
    expect(bogus.status).toBe(422);
    // Without JavaScript: back to /trader.
    const plain = await postForm(app, "/trader/notifications/test", { channel: "telegram" });
    expect(plain.status).toBe(303);
  });
});

describe("the settings form", () => {
  test("one on / silent / off choice per event, per-trade messages in dry-run, the summary hour — as in force", async () => {
    const { app, world } = await setup();
    world.config.config = { ...world.config.config, notifications: { ...world.config.config.notifications, redis: "silent" } };
    const form = elementById(await page(app), "notify-settings");
    expect(form).toContain('<form method="post" action="/trader/notifications"');
    for (const event of ["trade_opened", "trade_closed", "tp_sl_hit", "kill_switch", "circuit_breaker", "emergency_stop", "close_failing", "lockfile_cleared", "mode_changed", "bot_on_off", "exchange_error", "market_feed", "redis", "daily_summary", "dry_run_trades"]) {
      expect(form).toContain(`name="${event}"`);
    }
    expect(elementById(form, "notify-redis")).toContain('<option value="silent" selected="">silent</option>');
    expect(elementById(form, "notify-dry_run_trades")).toContain('<option value="off" selected="">off</option>');
    expect(form).toContain('name="daily_summary_hour_utc" type="text" inputmode="numeric" autocomplete="off" value="0"');
  });

  test("saving changes only what changed, says so, and pushes the new form", async () => {
    const { app, world } = await setup();
    const res = await postForm(app, "/trader/notifications", { redis: "off", trade_opened: "silent", kill_switch: "on", daily_summary_hour_utc: "7" }, { htmx: true });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('<p class="flash ok">Notifications saved: trade_opened = silent, redis = off, daily_summary_hour_utc = 7</p>');
    expect(elementById(body, "notify-redis")).toContain('<option value="off" selected="">off</option>');
    expect(world.config.config.notifications).toMatchObject({ redis: "off", trade_opened: "silent", kill_switch: "on", daily_summary_hour_utc: 7, trade_closed: "on" });
    const again = await postForm(app, "/trader/notifications", { redis: "off" }, { htmx: true });
    expect(await again.text()).toContain("Notifications unchanged: nothing to save");
  });

  test("a bad value is refused beside its field and nothing is saved", async () => {
    const { app, world } = await setup();
    const before = world.config.saves;
    const res = await postForm(app, "/trader/notifications", { redis: "loud", daily_summary_hour_utc: "25", bogus: "on" }, { htmx: true });
    expect(res.status).toBe(422);
    const body = await res.text();
    expect(body).toContain("Notifications not saved");
    const form = elementById(body, "notify-settings");
    expect(elementById(form, "notify-redis")).toContain('role="alert"');
    expect(form).toContain("0 – 23, whole hour (UTC)");
    expect(form).toContain("bogus: unknown setting");
    expect(world.config.saves).toBe(before);
  });
});

describe("JSON API", () => {
  test("GET /api/trader/notifications: channels and settings, no credential", async () => {
    const { app, standIn } = await setup();
    const res = await app.request("/api/trader/notifications");
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.channels.map((c: any) => [c.name, c.configured])).toEqual([["telegram", true], ["webhook", false], ["ntfy", false]]);
    expect(body.settings.dry_run_trades).toBe("off");
    expect(body.speaks).toBe(true);
    const text = JSON.stringify(body);
    for (const secret of [standIn.token, standIn.chatId, standIn.url]) expect(text).not.toContain(secret);
  });

  test("POST /api/trader/notifications/test per channel: 200 sent, 502 failed, 404 not configured, 400 unknown", async () => {
    const { app, standIn } = await setup();
    const ok = await postJson(app, "/api/trader/notifications/test", { channel: "telegram" });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ channel: "telegram", ok: true, message: "Test message sent to Telegram" });
    standIn.script("telegram", { status: 500 });
    const failed = await postJson(app, "/api/trader/notifications/test", { channel: "telegram" });
    expect(failed.status).toBe(502);
    expect((await failed.json()).message).toBe("Test message to Telegram failed: HTTP 500: Internal Server Error");
    expect((await postJson(app, "/api/trader/notifications/test", { channel: "webhook" })).status).toBe(404);
    const unknown = await postJson(app, "/api/trader/notifications/test", { channel: "pigeon" });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).issues[0].path).toBe("channel");
  });

  test("POST /api/trader/config takes some of the notification settings and keeps the others", async () => {
    const { app, world } = await setup();
    world.config.config = { ...world.config.config, notifications: { ...world.config.config.notifications, redis: "silent" } };
    const res = await postJson(app, "/api/trader/config", { notifications: { trade_opened: "off" } });
    expect(res.status).toBe(200);
    expect((await res.json()).notifications).toMatchObject({ trade_opened: "off", redis: "silent", kill_switch: "on" });
    const bad = await postJson(app, "/api/trader/config", { notifications: { redis: "loud" } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).issues[0].path).toBe("notifications.redis");
  });
});

describe("a read-only web instance", () => {
  test("says the trader process sends notifications; the API answers 503", async () => {
    const { app } = await setup({ readOnly: true });
    const html = elementById(await page(app), "notify-channels");
    expect(html).toContain("Notifications are sent by the trader process");
    expect((await app.request("/api/trader/notifications")).status).toBe(503);
    expect((await postJson(app, "/api/trader/notifications/test", { channel: "telegram" })).status).toBe(503);
  });
});
