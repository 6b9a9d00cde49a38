/**
 * The channels' credentials, from the environment only (as CoinEx's are):
 * TELEGRAM_BOT_TOKEN + TELEGRAM_CHAT_ID, WEBHOOK_URL (+ WEBHOOK_SECRET),
 * NTFY_URL. Each is registered with the log's redaction at once, and none is
 * ever rendered, published on Redis or sent to the browser: the rest of the
 * program sees channels, not credentials. A webhook or ntfy URL counts as a
 * credential too (a topic name or a URL token is all it takes to post there).
 *
 * Half a pair (a token without a chat id) or a URL that is not http(s) stops
 * the start with a message naming the variable, never its value.
 */
import { registerSecret } from "../log.ts";
import type { Channel } from "./channels/channel.ts";
import { ntfyChannel } from "./channels/ntfy.ts";
import { telegramChannel } from "./channels/telegram.ts";
import { webhookChannel } from "./channels/webhook.ts";

export interface NotifyCredentials {
  telegram: { token: string; chatId: string } | null;
  webhook: { url: string; secret: string | null } | null;
  ntfy: { url: string } | null;
}

export function loadNotifyCredentials(env: Record<string, string | undefined> = process.env): NotifyCredentials {
  const read = (name: string) => env[name]?.trim() || null;
  const token = read("TELEGRAM_BOT_TOKEN");
  const chatId = read("TELEGRAM_CHAT_ID");
  const webhookUrl = read("WEBHOOK_URL");
  const webhookSecret = read("WEBHOOK_SECRET");
  const ntfyUrl = read("NTFY_URL");
  for (const secret of [token, chatId, webhookUrl, webhookSecret, ntfyUrl]) registerSecret(secret ?? undefined);
  if (token && !chatId) throw new Error("TELEGRAM_BOT_TOKEN is set but TELEGRAM_CHAT_ID is missing or empty: set both or neither");
  if (chatId && !token) throw new Error("TELEGRAM_CHAT_ID is set but TELEGRAM_BOT_TOKEN is missing or empty: set both or neither");
  if (webhookSecret && !webhookUrl) throw new Error("WEBHOOK_SECRET is set but WEBHOOK_URL is missing or empty");
  for (const [name, url] of [["WEBHOOK_URL", webhookUrl], ["NTFY_URL", ntfyUrl]] as const) {
    if (url && !isHttpUrl(url)) throw new Error(`${name} must be an http:// or https:// URL`);
  }
  return {
    telegram: token && chatId ? { token, chatId } : null,
    webhook: webhookUrl ? { url: webhookUrl, secret: webhookSecret } : null,
    ntfy: ntfyUrl ? { url: ntfyUrl } : null,
  };
}

/** The configured channels; Telegram's API at `telegramBaseUrl` (TELEGRAM_BASE_URL). */
export function channelsFrom(credentials: NotifyCredentials, telegramBaseUrl: string): Channel[] {
  const channels: Channel[] = [];
  if (credentials.telegram) channels.push(telegramChannel({ baseUrl: telegramBaseUrl, ...credentials.telegram }));
  if (credentials.webhook) channels.push(webhookChannel(credentials.webhook));
  if (credentials.ntfy) channels.push(ntfyChannel(credentials.ntfy));
  return channels;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}
