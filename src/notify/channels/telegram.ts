/**
 * Telegram Bot API `sendMessage` to one chat, in HTML parse mode; a silent
 * event is sent with `disable_notification`. The base URL is a setting
 * (TELEGRAM_BASE_URL) so tests point it at a loopback stand-in.
 *
 * Telegram answers `{ok, error_code, description, parameters: {retry_after}}`:
 * a 429's retry_after (seconds) is when to try again; 400/401/403/404 mean the
 * token or chat id is wrong (or the bot was blocked), which no retry fixes.
 *
 * @example
 *   const telegram = telegramChannel({ baseUrl: "https://api.telegram.org", token, chatId });
 *   await telegram.send({ notice, silent: false }, AbortSignal.timeout(10_000));
 */
import { telegramHtml } from "../messages.ts";
import { postOnce, scrub, type Channel, type SendOutcome } from "./channel.ts";

export function telegramChannel(options: { baseUrl: string; token: string; chatId: string }): Channel {
  const url = `${options.baseUrl.replace(/\/+$/, "")}/bot${options.token}/sendMessage`;
  const secrets = [options.token];
  return {
    name: "telegram",
    async send(message, signal): Promise<SendOutcome> {
      const body = JSON.stringify({
        chat_id: options.chatId,
        text: telegramHtml(message.notice),
        parse_mode: "HTML",
        disable_notification: message.silent,
        link_preview_options: { is_disabled: true },
      });
      const answer = await postOnce(url, { headers: { "content-type": "application/json" }, body }, signal, secrets);
      if ("failed" in answer) return { ok: false, error: answer.failed };
      let parsed: { ok?: boolean; description?: string; parameters?: { retry_after?: number } } = {};
      try {
        parsed = JSON.parse(answer.text);
      } catch {}
      if (answer.status >= 200 && answer.status < 300 && parsed.ok !== false) return { ok: true };
      const error = scrub(`HTTP ${answer.status}${parsed.description ? `: ${parsed.description}` : ""}`, secrets);
      const retryAfter = parsed.parameters?.retry_after;
      if (answer.status === 429) return { ok: false, error, ...(typeof retryAfter === "number" ? { retryAfterMs: retryAfter * 1000 } : {}) };
      if (answer.status >= 500 || answer.status === 408) return { ok: false, error };
      const hint = answer.status === 401 || answer.status === 404 ? "check TELEGRAM_BOT_TOKEN" : "check TELEGRAM_CHAT_ID";
      return { ok: false, error: `${error} (${hint})`, permanent: true };
    },
  };
}
