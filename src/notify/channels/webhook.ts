/**
 * A generic webhook: POST JSON, one object per message —
 * `{event, mode, text, silent, priority, symbol?, at}` (`at` ISO 8601 UTC) —
 * signed when WEBHOOK_SECRET is set: `X-Signature: sha256=<hex>`, the
 * HMAC-SHA256 of the raw body bytes with the secret, so a receiver recomputes
 * it over what it received and compares.
 *
 * @example
 *   const webhook = webhookChannel({ url: process.env.WEBHOOK_URL, secret: process.env.WEBHOOK_SECRET ?? null });
 */
import { createHmac } from "node:crypto";
import { plainText } from "../messages.ts";
import { outcomeOfStatus, postOnce, type Channel } from "./channel.ts";

export function webhookChannel(options: { url: string; secret: string | null }): Channel {
  const secrets = [options.url, options.secret];
  return {
    name: "webhook",
    async send(message, signal) {
      const { notice } = message;
      const body = JSON.stringify({
        event: notice.event,
        mode: notice.mode,
        text: plainText(notice),
        silent: message.silent,
        priority: notice.priority,
        ...(notice.symbol ? { symbol: notice.symbol } : {}),
        at: new Date(notice.at).toISOString(),
      });
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (options.secret) headers["x-signature"] = `sha256=${createHmac("sha256", options.secret).update(body).digest("hex")}`;
      const answer = await postOnce(options.url, { headers, body }, signal, secrets);
      if ("failed" in answer) return { ok: false, error: answer.failed };
      return outcomeOfStatus(answer.status, answer.headers, "check WEBHOOK_URL");
    },
  };
}
