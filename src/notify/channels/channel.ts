/**
 * One contract for every channel (as freqtrade's RPC handlers share one
 * `send_msg`): `send` tries a message once and says what happened — sent, worth
 * retrying (after `retryAfterMs` when the receiver said so), or `permanent`
 * (a bad token or chat id: retrying cannot help). The delivery queue
 * (../delivery-queue.ts) owns retries, back-off and the timeout signal.
 *
 * Error texts go to the log and the page, so they never carry a credential:
 * each channel scrubs its own secrets (the Telegram token sits in the URL path).
 */
import type { Notice } from "../messages.ts";

export type ChannelName = "telegram" | "webhook" | "ntfy";

export interface OutgoingMessage {
  notice: Notice;
  /** Delivered without sound (the event's setting is "silent"). */
  silent: boolean;
}

export type SendOutcome = { ok: true } | { ok: false; error: string; retryAfterMs?: number; permanent?: true };

export interface Channel {
  readonly name: ChannelName;
  send(message: OutgoingMessage, signal: AbortSignal): Promise<SendOutcome>;
}

/** Every channel the product knows, with what the owner sets to turn it on (README "Notifications"). */
export const CHANNELS: readonly { name: ChannelName; label: string; needs: string }[] = [
  { name: "telegram", label: "Telegram", needs: "TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID" },
  { name: "webhook", label: "Webhook", needs: "WEBHOOK_URL (and WEBHOOK_SECRET to sign)" },
  { name: "ntfy", label: "ntfy", needs: "NTFY_URL" },
];

export function channelLabel(name: ChannelName): string {
  return CHANNELS.find((c) => c.name === name)?.label ?? name;
}

/** The answer to one POST, or why there was none (network error, timeout), secrets scrubbed. */
export type PostResult = { status: number; headers: Headers; text: string } | { failed: string };

export async function postOnce(url: string, init: { headers: Record<string, string>; body: string }, signal: AbortSignal, secrets: readonly (string | null)[]): Promise<PostResult> {
  try {
    const response = await fetch(url, { method: "POST", headers: init.headers, body: init.body, signal, redirect: "error" });
    return { status: response.status, headers: response.headers, text: await response.text() };
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    if (name === "TimeoutError" || name === "AbortError" || signal.aborted) return { failed: "no answer in time" };
    return { failed: scrub(`connection failed: ${error instanceof Error ? error.message : String(error)}`, secrets) };
  }
}

/** `text` with every secret (and each part of a `id:secret` token) replaced by ***. */
export function scrub(text: string, secrets: readonly (string | null)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const part of [secret, ...secret.split(":").filter((p) => p.length >= 6)]) out = out.split(part).join("***");
  }
  return out.slice(0, 300);
}

/** Retry-After as seconds or an HTTP date, in ms; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - now) : null;
}

/** How a plain HTTP receiver's status is taken: 2xx sent; 408, 429 and 5xx retried; other 4xx given up (with `hint`). */
export function outcomeOfStatus(status: number, headers: Headers, hint: string): SendOutcome {
  if (status >= 200 && status < 300) return { ok: true };
  if (status === 429 || status === 408 || status >= 500) {
    const after = retryAfterMs(headers.get("retry-after"));
    return { ok: false, error: `HTTP ${status}`, ...(after !== null ? { retryAfterMs: after } : {}) };
  }
  return { ok: false, error: `HTTP ${status} (${hint})`, permanent: true };
}
