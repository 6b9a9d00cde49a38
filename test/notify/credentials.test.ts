/**
 * Where the channels come from: TELEGRAM_BASE_URL is a setting (tests point it
 * at the stand-in), the credentials come from the environment only, a half-set
 * pair stops the start naming the variable (never the value), and every
 * credential is masked in the log from the moment it is read.
 */
import { describe, expect, test } from "bun:test";
import { logger } from "../../src/log.ts";
import { channelsFrom, loadNotifyCredentials } from "../../src/notify/credentials.ts";
import { parseSettings } from "../../src/settings.ts";
import { captureLogs } from "../helpers/capture-logs.ts";

describe("TELEGRAM_BASE_URL", () => {
  test("defaults to Telegram's API and can be pointed elsewhere", () => {
    expect(parseSettings([], {}).telegramBaseUrl).toBe("https://api.telegram.org");
    expect(parseSettings([], { TELEGRAM_BASE_URL: "http://127.0.0.1:4040" }).telegramBaseUrl).toBe("http://127.0.0.1:4040");
    expect(() => parseSettings([], { TELEGRAM_BASE_URL: "not a url" })).toThrow("telegramBaseUrl");
  });
});

describe("credentials from the environment", () => {
  test("none set: no channel", () => {
    expect(loadNotifyCredentials({})).toEqual({ telegram: null, webhook: null, ntfy: null });
    expect(channelsFrom(loadNotifyCredentials({}), "https://api.telegram.org")).toEqual([]);
  });

  test("each channel from its variables", () => {
    const credentials = loadNotifyCredentials({
      TELEGRAM_BOT_TOKEN: " 111111:cred-test-token-aaaa ",
      TELEGRAM_CHAT_ID: "-100222",
      WEBHOOK_URL: "https://hooks.example.test/in/cred-test-path",
      NTFY_URL: "https://ntfy.example.test/cred-test-topic",
    });
    expect(credentials).toEqual({
      telegram: { token: "111111:cred-test-token-aaaa", chatId: "-100222" },
      webhook: { url: "https://hooks.example.test/in/cred-test-path", secret: null },
      ntfy: { url: "https://ntfy.example.test/cred-test-topic" },
    });
    expect(channelsFrom(credentials, "https://api.telegram.org").map((c) => c.name)).toEqual(["telegram", "webhook", "ntfy"]);
  });

  test("half a pair, or a URL that is not http(s), is refused by variable name, never by value", () => {
    expect(() => loadNotifyCredentials({ TELEGRAM_BOT_TOKEN: "333333:half-pair-token" })).toThrow("TELEGRAM_BOT_TOKEN is set but TELEGRAM_CHAT_ID is missing or empty: set both or neither");
    expect(() => loadNotifyCredentials({ TELEGRAM_CHAT_ID: "42424242" })).toThrow("TELEGRAM_CHAT_ID is set but TELEGRAM_BOT_TOKEN is missing or empty");
    expect(() => loadNotifyCredentials({ WEBHOOK_SECRET: "lonely-secret" })).toThrow("WEBHOOK_SECRET is set but WEBHOOK_URL is missing or empty");
    let message = "";
    try {
      loadNotifyCredentials({ NTFY_URL: "ftp://secret-topic-name.example" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe("NTFY_URL must be an http:// or https:// URL");
  });

  test("every credential is masked in the log once read", async () => {
    const token = "444444:masked-token-bbbb";
    loadNotifyCredentials({ TELEGRAM_BOT_TOKEN: token, TELEGRAM_CHAT_ID: "-100555666", WEBHOOK_URL: "https://hooks.example.test/masked-path-cccc", WEBHOOK_SECRET: "masked-secret-dddd", NTFY_URL: "https://ntfy.example.test/masked-topic-eeee" });
    const { lines } = await captureLogs(async () => {
      logger("test").error(`oops ${token} https://hooks.example.test/masked-path-cccc masked-secret-dddd https://ntfy.example.test/masked-topic-eeee -100555666`);
    });
    expect(lines.join("\n")).not.toMatch(/masked-|444444|100555666/);
  });
});
