/**
 * What the owner reads: one short, plain message per event, the mode in front
 * (`[LIVE] Opened long BTCUSDT 0.0812 @ 61,626.50 ×5 — score 58 (+20 TA, not used)`, or `score 38 + 20 = 58` when the bonus counts),
 * money as src/util/number-format.ts writes it everywhere else.
 *
 * One message per thing that happened: a close by take-profit, stop-loss or
 * liquidation is one "TP/SL" message (the tp_hit / sl_hit / liquidation event
 * that follows its trade_close adds nothing), and the closes of a kill switch
 * or an emergency stop are listed in that event's own message. Which close is
 * which is read from the reason the trader writes (src/trader/cycle.ts,
 * CLOSE_REASONS in src/trader/reconcile.ts).
 *
 * Pure functions: the notifier (notifier.ts) decides whether and where to send.
 */
import { formatScoreWithBonus } from "../util/score-format.ts";
import type { NotifyEvent, TraderMode } from "../config/schema.ts";
import type { TraderEvent } from "../trader/ports.ts";
import { formatPrice, formatSignedUsd } from "../util/number-format.ts";

export type Priority = "high" | "low";

/** One message, before it is rendered for a channel. */
export interface Notice {
  event: NotifyEvent | "test";
  /** The mode shown in front. */
  mode: TraderMode;
  /** The text after the mode. */
  text: string;
  /** A full queue drops low-priority messages first. */
  priority: Priority;
  symbol?: string;
  at: number;
  /** Events of one key are sent once per window, then counted (exchange errors, failing closes). */
  throttle?: { key: string; label: string };
}

/**
 * The mode in force, and the account trade-side events concern: `live` when the
 * dashboard shows the CoinEx account, `dry-run` for the paper one — so a kill
 * switch that has just paused a live trader still says LIVE.
 */
export interface MessageContext {
  mode: TraderMode;
  account: "live" | "dry-run";
  /** Coins the closing duty is retrying: their close ends a "could not close" story. */
  retrying?: readonly string[];
}

const PREFIX: Record<TraderMode, string> = { live: "[LIVE]", "dry-run": "[DRY-RUN]", paused: "[PAUSED]" };

/** Telegram refuses a message whose text (after its HTML is parsed) is longer than this, in characters. */
export const TELEGRAM_MAX_CHARS = 4096;
/** ntfy.sh turns a longer message (in UTF-8 bytes) into an attachment, which its apps do not show as the message. */
export const NTFY_MAX_BYTES = 4096;

const CUT_MARK = " … (cut to fit; the whole message is on the dashboard)";

/** `[MODE] text`; with `maxBytes`, cut (with a mark saying so) to at most that many UTF-8 bytes. */
export function plainText(notice: Notice, maxBytes?: number): string {
  const text = `${PREFIX[notice.mode]} ${notice.text}`;
  if (maxBytes === undefined) return text;
  return fitted(text, (candidate) => Buffer.byteLength(candidate, "utf8") <= maxBytes);
}

/**
 * Telegram's HTML parse mode: only <, > and & need escaping; the mode in bold.
 * A text over Telegram's limit is cut before it is escaped (so no entity is
 * split) with a mark saying so: an over-long message would be refused whole,
 * and the owner would get nothing.
 */
export function telegramHtml(notice: Notice): string {
  const prefix = `${PREFIX[notice.mode]} `;
  const text = fitted(prefix + notice.text, (candidate) => candidate.length <= TELEGRAM_MAX_CHARS).slice(prefix.length);
  return `<b>${escapeHtml(PREFIX[notice.mode])}</b> ${escapeHtml(text)}`;
}

/** `text` if it fits, else its longest start that fits with CUT_MARK after it (never half a surrogate pair). */
function fitted(text: string, fits: (candidate: string) => boolean): string {
  if (fits(text)) return text;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(text.slice(0, mid) + CUT_MARK)) low = mid;
    else high = mid - 1;
  }
  let end = low;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1; // a high surrogate without its pair
  return text.slice(0, end).trimEnd() + CUT_MARK;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const ORIGIN_WORDS: Record<string, string> = {
  page: "from the page",
  api: "via the API",
  file: "by a hand edit of trader_config.json",
  system: "by the bot",
};

type Data = Record<string, unknown>;

/** The notice for a trader event, or null when the owner is not told about it (or is told in another message). */
export function noticeFor(event: TraderEvent, ctx: MessageContext): Notice | null {
  const data: Data = event.data && typeof event.data === "object" ? (event.data as Data) : {};
  // Trade-side events name the account they concern, not the mode that may have changed since.
  const onAccount = (kind: NotifyEvent, text: string, priority: Priority): Notice => ({
    event: kind, mode: ctx.account, text, priority, at: event.at, ...(event.symbol ? { symbol: event.symbol } : {}),
  });
  switch (event.type) {
    case "trade_open":
      return onAccount("trade_opened", `Opened ${data.side} ${event.symbol} ${data.amount} @ ${formatPrice(num(data.price))} ×${data.leverage}${scoreText(data.score)}`, "low");
    case "trade_close": {
      const close = closeText(event, data, ctx.retrying?.includes(event.symbol) ?? false);
      return close ? onAccount(close.kind, close.text, close.priority) : null;
    }
    case "kill_switch":
      return onAccount("kill_switch", `Kill switch tripped: ${withoutLead(event.message, "kill switch: ")}. ${closesText(data.outcomes, false)}Trader paused and locked: clear the lockfile on /trader to trade again.`, "high");
    case "circuit_breaker":
      return onAccount("circuit_breaker", `Circuit breaker tripped: ${withoutLead(event.message, "circuit breaker: ")}. Lockfile written: no new orders until you clear it on /trader.`, "high");
    case "error": {
      if (typeof data.call !== "string" && event.symbol && event.message.startsWith("Could not close")) {
        const notice = onAccount("close_failing", `${event.message}. The bot keeps retrying (Closing on /trader).`, "high");
        return { ...notice, throttle: { key: `close:${event.symbol}`, label: `Could not close ${event.symbol}` } };
      }
      // The kind of call without its coin: "order BTCUSDT" and "order ETHUSDT" are one kind.
      const call = typeof data.call === "string" ? data.call.replace(/ [A-Z0-9]{1,20}USDT$/, "") : "other";
      return { ...onAccount("exchange_error", event.message, "low"), throttle: { key: `exchange:${call}`, label: `Exchange errors (${call})` } };
    }
    case "control":
      return controlNotice(event, data, ctx);
    default:
      // tp_hit / sl_hit / liquidation follow the trade_close that already said it; funding is not news.
      return null;
  }
}

function closeText(event: TraderEvent, data: Data, retried: boolean): { kind: NotifyEvent; text: string; priority: Priority } | null {
  const reason = String(data.reason ?? "");
  const where = `${data.side} ${event.symbol} @ ${formatPrice(num(data.exit_price))}, P&L ${formatSignedUsd(num(data.pnl))} USDT`;
  // The closing duty got it closed at last: the end of the "could not close" messages, whatever the reason.
  if (retried) return { kind: "close_failing", text: `Closed ${where} after retrying — ${reason}`, priority: "high" };
  // Listed in the kill switch's or emergency stop's own message.
  if (reason === "emergency stop" || reason === "kill switch") return null;
  if (reason === "liquidated") return { kind: "tp_sl_hit", text: `Liquidated: ${where}`, priority: "high" };
  const hit = /^take[ -]profit/i.test(reason) ? "Take profit" : /^stop[ -]loss/i.test(reason) ? "Stop-loss" : null;
  if (hit) return { kind: "tp_sl_hit", text: `${hit}: closed ${where} — ${reason}`, priority: "low" };
  return { kind: "trade_closed", text: `Closed ${where} — ${reason}`, priority: "low" };
}

function controlNotice(event: TraderEvent, data: Data, ctx: MessageContext): Notice | null {
  const origin = ORIGIN_WORDS[String(data.origin)] ?? "";
  const notice = (kind: NotifyEvent, text: string, mode: TraderMode = ctx.mode): Notice => ({ event: kind, mode, text, priority: "high", at: event.at });
  switch (data.action) {
    case "emergency-stop": {
      const failed = (Array.isArray(data.steps) ? (data.steps as { step: string; ok: boolean; detail: string }[]) : [])
        .filter((s) => !s.ok && !s.step.startsWith("close positions"))
        .map((s) => ` Step failed: ${s.step} (${s.detail}).`)
        .join("");
      return notice("emergency_stop", `Emergency stop ${origin}: trader OFF, paused, locked. ${closesText(data.outcomes, true).trimEnd()}${failed}`, ctx.account);
    }
    case "start":
      return notice("bot_on_off", `Trader ON ${origin}`);
    case "restore":
      return notice("bot_on_off", "Trader ON after a restart (it was ON when the process stopped)");
    case "stop":
      return notice("bot_on_off", `Trader OFF ${origin}: no more cycles (open positions stay open)`);
    case "clear-lockfile": {
      const was = data.was && typeof data.was === "object" ? String((data.was as Data).reason ?? "") : "";
      const warning = typeof data.warning === "string" && data.warning ? ` Warning: ${data.warning}` : "";
      return notice("lockfile_cleared", `Lockfile cleared ${origin}${was ? ` (was: ${was})` : ""}: new orders are allowed again.${warning}`);
    }
    case "mode": {
      // A pause that is part of a kill switch or an emergency stop: that event's message says it.
      if (data.cause) return null;
      const to = String(data.to);
      const live = to === "live" && data.confirmed === true ? ", confirmed by the owner: real orders from the next cycle" : "";
      return notice("mode_changed", `Mode changed ${origin}: ${data.from} → ${to === "live" ? "LIVE" : to}${live}`);
    }
    default:
      return null;
  }
}

interface Outcome {
  symbol: string;
  ok: boolean;
  pnl?: number;
  error?: string;
  gone?: boolean;
  exchange?: string;
}

/** Each close's result: "Closed BTCUSDT, P&L +12.50 USDT; ETHUSDT NOT closed (HTTP 502), the bot keeps retrying. " */
function closesText(outcomes: unknown, sayNone: boolean): string {
  const list = Array.isArray(outcomes) ? (outcomes as Outcome[]) : [];
  if (list.length === 0) return sayNone ? "No open positions. " : "";
  const parts = list.map((o) => {
    if (o.symbol === "*") return `${o.exchange ?? "exchange"}: ${o.error ?? "positions not listed"}`;
    if (o.ok && o.gone) return `${o.symbol} was already closed`;
    if (o.ok) return `Closed ${o.symbol}, P&L ${formatSignedUsd(o.pnl ?? 0)} USDT`;
    return `${o.symbol} NOT closed (${o.error ?? "unknown error"}), the bot keeps retrying`;
  });
  return `${parts.join("; ")}. `;
}

/** " — score 58 (+20 TA, not used)" / " — score 38 + 20 = 58": the one score wording (src/util/score-format.ts). */
function scoreText(score: unknown): string {
  if (!score || typeof score !== "object") return "";
  const { base, bonus, total } = score as { base: unknown; bonus: unknown; total: unknown };
  if (typeof base !== "number" || typeof bonus !== "number" || typeof total !== "number") return "";
  return ` — score ${formatScoreWithBonus({ base, bonus, total })}`;
}

function withoutLead(text: string, lead: string): string {
  return text.startsWith(lead) ? text.slice(lead.length) : text;
}

function num(value: unknown): number {
  return typeof value === "number" ? value : Number.NaN;
}
