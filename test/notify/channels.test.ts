/**
 * The three channels against the loopback stand-ins: what each request looks
 * like (Telegram's sendMessage in HTML parse mode to one chat; the webhook's
 * JSON with a verifiable X-Signature; ntfy's plain text), silent delivery, and
 * how each answer is classified for the queue (retry after N, retry, give up) —
 * with no credential in any error text.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { ntfyChannel } from "../../src/notify/channels/ntfy.ts";
import { telegramChannel } from "../../src/notify/channels/telegram.ts";
import { webhookChannel } from "../../src/notify/channels/webhook.ts";
import type { Notice } from "../../src/notify/messages.ts";
import { startNotifyStandIn, type NotifyStandIn } from "../helpers/notify-stand-in.ts";

let standIn: NotifyStandIn;
beforeAll(() => {
  standIn = startNotifyStandIn();
});
afterAll(() => standIn.stop());

const AT = Date.UTC(2026, 11, 1, 12, 3, 0);
const notice: Notice = { event: "kill_switch", mode: "live", text: "Kill switch tripped: equity < baseline & more", priority: "high", at: AT };
const signal = () => AbortSignal.timeout(2000);

describe("Telegram", () => {
  test("sendMessage to the chat, HTML parse mode, sound unless silent", async () => {
    const telegram = telegramChannel({ baseUrl: standIn.url, token: standIn.token, chatId: standIn.chatId });
    expect(await telegram.send({ notice, silent: false }, signal())).toEqual({ ok: true });
    expect(await telegram.send({ notice, silent: true }, signal())).toEqual({ ok: true });
    const [loud, quiet] = standIn.delivered("telegram").slice(-2);
    expect(loud?.path).toBe(`/bot${standIn.token}/sendMessage`);
    expect(loud?.json).toEqual({
      chat_id: standIn.chatId,
      text: "<b>[LIVE]</b> Kill switch tripped: equity &lt; baseline &amp; more",
      parse_mode: "HTML",
      disable_notification: false,
      link_preview_options: { is_disabled: true },
    });
    expect(quiet?.json.disable_notification).toBe(true);
  });

  test("a text over Telegram's 4096 characters is cut, escaped after the cut, and says so; Telegram takes it", async () => {
    const telegram = telegramChannel({ baseUrl: standIn.url, token: standIn.token, chatId: standIn.chatId });
    // 26 closes of an emergency stop, each naming its coin: ~6,000 characters with "<" and "&" all the way.
    const closes = Array.from({ length: 60 }, (_, i) => `closed long C${i}USDT @ 1.2345, P&L <−12.34> USDT after 3 attempts of the closing duty`);
    const long: Notice = { ...notice, text: `Emergency stop: ${closes.join("; ")}` };
    expect(long.text.length).toBeGreaterThan(4096);
    expect(await telegram.send({ notice: long, silent: false }, signal())).toEqual({ ok: true });
    const text = String(standIn.delivered("telegram").at(-1)?.json.text);
    const shown = text.replace(/<[^>]*>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
    expect(shown.length).toBeLessThanOrEqual(4096);
    expect(shown.length).toBeGreaterThan(4000); // cut, not emptied
    expect(shown.startsWith("[LIVE] Emergency stop: closed long C0USDT @ 1.2345, P&L <−12.34> USDT")).toBe(true);
    expect(shown.endsWith(" … (cut to fit; the whole message is on the dashboard)")).toBe(true);
    expect(text).not.toMatch(/&(?!lt;|gt;|amp;)/); // no entity split by the cut
  });

  test("the stand-in refuses what Telegram refuses: an uncut text over 4096 characters", async () => {
    const response = await fetch(`${standIn.url}/bot${standIn.token}/sendMessage`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ chat_id: standIn.chatId, text: "x".repeat(4097), parse_mode: "HTML" }),
    });
    expect(response.status).toBe(400);
    expect((await response.json()).description).toBe("Bad Request: message is too long");
  });

  test("429 says when to retry (retry_after, in seconds); 5xx retries; 4xx gives up; none of them names the token", async () => {
    const telegram = telegramChannel({ baseUrl: standIn.url, token: standIn.token, chatId: standIn.chatId });
    standIn.script("telegram", { status: 429, retryAfter: 3 }, { status: 500 });
    expect(await telegram.send({ notice, silent: false }, signal())).toEqual({ ok: false, error: "HTTP 429: Too Many Requests: retry after 3", retryAfterMs: 3000 });
    expect(await telegram.send({ notice, silent: false }, signal())).toEqual({ ok: false, error: "HTTP 500: Internal Server Error" });
    const wrongChat = telegramChannel({ baseUrl: standIn.url, token: standIn.token, chatId: "12345" });
    expect(await wrongChat.send({ notice, silent: false }, signal())).toEqual({ ok: false, error: "HTTP 400: Bad Request: chat not found (check TELEGRAM_CHAT_ID)", permanent: true });
    const wrongToken = telegramChannel({ baseUrl: standIn.url, token: "1:not-the-token", chatId: standIn.chatId });
    expect(await wrongToken.send({ notice, silent: false }, signal())).toEqual({ ok: false, error: "HTTP 401: Unauthorized (check TELEGRAM_BOT_TOKEN)", permanent: true });
  });

  test("no answer in time, or nobody listening: retried, and the error text names no credential", async () => {
    standIn.script("telegram", "hang");
    const telegram = telegramChannel({ baseUrl: standIn.url, token: standIn.token, chatId: standIn.chatId });
    const timedOut = await telegram.send({ notice, silent: false }, AbortSignal.timeout(100));
    expect(timedOut).toEqual({ ok: false, error: "no answer in time" });
    standIn.release();
    const closed = telegramChannel({ baseUrl: "http://127.0.0.1:9", token: standIn.token, chatId: standIn.chatId });
    const refused = await closed.send({ notice, silent: false }, signal());
    expect(refused.ok).toBe(false);
    expect(JSON.stringify(refused)).not.toContain(standIn.token);
    expect(JSON.stringify(refused)).not.toContain(standIn.token.split(":")[1]);
    expect("permanent" in refused).toBe(false);
  });
});

describe("webhook", () => {
  test("JSON with the event, mode, text and time; X-Signature verifies over the raw body with the shared secret", async () => {
    const webhook = webhookChannel({ url: standIn.webhookUrl, secret: standIn.webhookSecret });
    expect(await webhook.send({ notice: { ...notice, symbol: "BTCUSDT" }, silent: true }, signal())).toEqual({ ok: true });
    const arrival = standIn.delivered("webhook").at(-1)!;
    expect(arrival.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(arrival.body)).toEqual({
      event: "kill_switch",
      mode: "live",
      text: "[LIVE] Kill switch tripped: equity < baseline & more",
      silent: true,
      priority: "high",
      symbol: "BTCUSDT",
      at: "2026-12-01T12:03:00.000Z",
    });
    expect(arrival.signatureValid).toBe(true);
    // What a receiver does: recompute over the bytes received.
    expect(arrival.headers["x-signature"]).toBe(`sha256=${createHmac("sha256", standIn.webhookSecret).update(arrival.body).digest("hex")}`);
  });

  test("without a secret there is no signature header; Retry-After is honoured; 404 gives up", async () => {
    const webhook = webhookChannel({ url: standIn.webhookUrl, secret: null });
    await webhook.send({ notice, silent: false }, signal());
    expect(standIn.delivered("webhook").at(-1)!.headers["x-signature"]).toBeUndefined();
    standIn.script("webhook", { status: 429, retryAfter: 2 }, { status: 503 }, { status: 404 });
    expect(await webhook.send({ notice, silent: false }, signal())).toEqual({ ok: false, error: "HTTP 429", retryAfterMs: 2000 });
    expect(await webhook.send({ notice, silent: false }, signal())).toEqual({ ok: false, error: "HTTP 503" });
    expect(await webhook.send({ notice, silent: false }, signal())).toEqual({ ok: false, error: "HTTP 404 (check WEBHOOK_URL)", permanent: true });
  });
});

describe("ntfy", () => {
  test("a message over 4096 bytes is cut to fit (ntfy would make it an attachment), never half a character", async () => {
    const ntfy = ntfyChannel({ url: standIn.ntfyUrl });
    const long: Notice = { ...notice, text: "Kill switch tripped: " + "équité 📉 ".repeat(600) };
    expect(await ntfy.send({ notice: long, silent: false }, signal())).toEqual({ ok: true });
    const body = String(standIn.delivered("ntfy").at(-1)?.body);
    expect(Buffer.byteLength(body, "utf8")).toBeLessThanOrEqual(4096);
    expect(Buffer.byteLength(body, "utf8")).toBeGreaterThan(4000);
    expect(body).not.toContain("\uFFFD");
    expect(body.endsWith(" … (cut to fit; the whole message is on the dashboard)")).toBe(true);
  });

  test("the plain text to the topic URL; silent is low priority", async () => {
    const ntfy = ntfyChannel({ url: standIn.ntfyUrl });
    expect(await ntfy.send({ notice, silent: false }, signal())).toEqual({ ok: true });
    expect(await ntfy.send({ notice, silent: true }, signal())).toEqual({ ok: true });
    const [loud, quiet] = standIn.delivered("ntfy").slice(-2);
    expect(loud?.path).toBe("/ntfy/trader-alerts");
    expect(loud?.body).toBe("[LIVE] Kill switch tripped: equity < baseline & more");
    expect(loud?.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(loud?.headers.title).toBe("CoinEx trader");
    expect(loud?.headers.priority).toBe("high");
    expect(quiet?.headers.priority).toBe("low");
  });
});
