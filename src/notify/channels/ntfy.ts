/**
 * ntfy-style plain HTTP push: POST the message text to a topic URL (NTFY_URL,
 * e.g. https://ntfy.sh/<your-secret-topic>). A silent event goes with
 * `Priority: low` (no sound on ntfy's apps), a safety event with `high`.
 *
 * @example
 *   const ntfy = ntfyChannel({ url: process.env.NTFY_URL });
 */
import { NTFY_MAX_BYTES, plainText } from "../messages.ts";
import { outcomeOfStatus, postOnce, type Channel } from "./channel.ts";

export function ntfyChannel(options: { url: string }): Channel {
  const secrets = [options.url];
  return {
    name: "ntfy",
    async send(message, signal) {
      const priority = message.silent ? "low" : message.notice.priority === "high" ? "high" : "default";
      const headers = { "content-type": "text/plain; charset=utf-8", title: "CoinEx trader", priority };
      const answer = await postOnce(options.url, { headers, body: plainText(message.notice, NTFY_MAX_BYTES) }, signal, secrets);
      if ("failed" in answer) return { ok: false, error: answer.failed };
      return outcomeOfStatus(answer.status, answer.headers, "check NTFY_URL");
    },
  };
}
