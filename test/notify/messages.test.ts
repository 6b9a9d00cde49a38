/**
 * The text of every message: plain, short, mode first; one message per event
 * (a take-profit close is one "Take profit" message, not a close and a hit;
 * the closes of an emergency stop or a kill switch are listed in its message).
 */
import { describe, expect, test } from "bun:test";
import { noticeFor, plainText, type MessageContext } from "../../src/notify/messages.ts";
import type { TraderEvent } from "../../src/trader/ports.ts";

const AT = Date.UTC(2026, 11, 1, 12, 3, 0);
const DRY: MessageContext = { mode: "dry-run", account: "dry-run" };
const LIVE: MessageContext = { mode: "live", account: "live" };
const PAUSED_AFTER_LIVE: MessageContext = { mode: "paused", account: "live" };

const text = (event: TraderEvent, ctx: MessageContext = DRY) => {
  const notice = noticeFor(event, ctx);
  return notice ? plainText(notice) : null;
};

const closeData = (reason: string, pnl: number) => ({ reason, pnl, side: "long", size: 0.0812, entry_price: 61_626.5, exit_price: 62_000, fee: 1, funding: 0, opened_at: AT - 60_000 });

describe("trades", () => {
  test("opened: size, price, leverage and the score, with the TA bonus said to be used or not", () => {
    const open = (score: object): TraderEvent => ({ type: "trade_open", at: AT, symbol: "BTCUSDT", message: "Opened …", data: { side: "long", amount: 0.0812, price: 61_626.5, leverage: 5, margin: 1000.8, fee: 2.5, score } });
    expect(text(open({ base: 58, bonus: 20, total: 58, threshold: 45 }), LIVE)).toBe("[LIVE] Opened long BTCUSDT 0.0812 @ 61,626.50 ×5 — score 58 (+20 TA, not used)");
    expect(text(open({ base: 38, bonus: 20, total: 58, threshold: 45 }))).toBe("[DRY-RUN] Opened long BTCUSDT 0.0812 @ 61,626.50 ×5 — score 38 + 20 = 58");
    expect(text(open({ base: 50, bonus: 0, total: 50, threshold: 45 }))).toBe("[DRY-RUN] Opened long BTCUSDT 0.0812 @ 61,626.50 ×5 — score 50");
    const notice = noticeFor(open({ base: 50, bonus: 0, total: 50, threshold: 45 }), DRY);
    expect([notice?.event, notice?.priority, notice?.symbol]).toEqual(["trade_opened", "low", "BTCUSDT"]);
  });

  test("closed: exit price, P&L and the reason", () => {
    const close: TraderEvent = { type: "trade_close", at: AT, symbol: "BTCUSDT", message: "Closed …", data: closeData("closed by owner (page)", 30.37) };
    expect(text(close, LIVE)).toBe("[LIVE] Closed long BTCUSDT @ 62,000.00, P&L +30.37 USDT — closed by owner (page)");
    expect(noticeFor(close, LIVE)?.event).toBe("trade_closed");
  });

  test("a take-profit, a stop-loss (the cycle's or the exchange's) or a liquidation is one TP/SL message; the hit event after it adds none", () => {
    const close = (reason: string, pnl: number): TraderEvent => ({ type: "trade_close", at: AT, symbol: "BTCUSDT", message: "Closed …", data: closeData(reason, pnl) });
    expect(text(close("take profit 12.30 % ≥ 10 %", 12.34))).toBe("[DRY-RUN] Take profit: closed long BTCUSDT @ 62,000.00, P&L +12.34 USDT — take profit 12.30 % ≥ 10 %");
    expect(text(close("stop loss −5.20 % ≤ −5 %", -5.2))).toBe("[DRY-RUN] Stop-loss: closed long BTCUSDT @ 62,000.00, P&L −5.20 USDT — stop loss −5.20 % ≤ −5 %");
    expect(text(close("stop-loss on the exchange", -5.2))).toBe("[DRY-RUN] Stop-loss: closed long BTCUSDT @ 62,000.00, P&L −5.20 USDT — stop-loss on the exchange");
    expect(text(close("take-profit on the exchange", 9))).toBe("[DRY-RUN] Take profit: closed long BTCUSDT @ 62,000.00, P&L +9.00 USDT — take-profit on the exchange");
    const liquidated = noticeFor(close("liquidated", -500), LIVE);
    expect(liquidated && plainText(liquidated)).toBe("[LIVE] Liquidated: long BTCUSDT @ 62,000.00, P&L −500.00 USDT");
    expect([liquidated?.event, liquidated?.priority]).toEqual(["tp_sl_hit", "high"]);
    for (const type of ["tp_hit", "sl_hit", "liquidation", "funding"] as const) {
      expect(noticeFor({ type, at: AT, symbol: "BTCUSDT", message: "x", data: { pnl: 1 } }, DRY)).toBeNull();
    }
  });

  test("the closes of an emergency stop or a kill switch are in that event's own message", () => {
    for (const reason of ["emergency stop", "kill switch"]) {
      expect(noticeFor({ type: "trade_close", at: AT, symbol: "BTCUSDT", message: "Closed …", data: closeData(reason, 1) }, DRY)).toBeNull();
    }
  });

  test("a close the closing duty got through at last ends the \"could not close\" story, whatever its reason", () => {
    const retrying = { ...DRY, retrying: ["BTCUSDT"] };
    for (const reason of ["emergency stop", "stop loss −6.00 % ≤ −5 %"]) {
      const notice = noticeFor({ type: "trade_close", at: AT, symbol: "BTCUSDT", message: "Closed …", data: closeData(reason, -6) }, retrying);
      expect(notice && plainText(notice)).toBe(`[DRY-RUN] Closed long BTCUSDT @ 62,000.00, P&L −6.00 USDT after retrying — ${reason}`);
      expect([notice?.event, notice?.priority]).toEqual(["close_failing", "high"]);
    }
  });
});

describe("safety events", () => {
  const outcomes = [
    { symbol: "BTCUSDT", ok: true, attempts: 1, pnl: 12.5, exchange: "paper" },
    { symbol: "ETHUSDT", ok: false, attempts: 3, error: "HTTP 502", exchange: "paper" },
  ];

  test("kill switch: why, each close, and what now", () => {
    const event: TraderEvent = { type: "kill_switch", at: AT, message: "kill switch: equity 4,000.00 is 60.00 % below the baseline 10,000.00 (limit 50 %)", data: { outcomes } };
    expect(text(event, PAUSED_AFTER_LIVE)).toBe(
      "[LIVE] Kill switch tripped: equity 4,000.00 is 60.00 % below the baseline 10,000.00 (limit 50 %). Closed BTCUSDT, P&L +12.50 USDT; ETHUSDT NOT closed (HTTP 502), the bot keeps retrying. Trader paused and locked: clear the lockfile on /trader to trade again.",
    );
    expect(noticeFor(event, DRY)?.priority).toBe("high");
  });

  test("circuit breaker", () => {
    const event: TraderEvent = { type: "circuit_breaker", at: AT, message: "circuit breaker: 3 consecutive failed exchange reads (last: balance: HTTP 500)", data: { count: 3, kind: "read" } };
    expect(text(event)).toBe("[DRY-RUN] Circuit breaker tripped: 3 consecutive failed exchange reads (last: balance: HTTP 500). Lockfile written: no new orders until you clear it on /trader.");
  });

  test("emergency stop: who, each close's result, and any step that failed", () => {
    const steps = [
      { step: "halt", ok: true, detail: "trader OFF and locked in memory" },
      { step: "close positions on paper", ok: false, detail: "1 of 2 close(s) failed" },
      { step: "write the lockfile", ok: false, detail: "ENOSPC: no space left on device" },
    ];
    const event: TraderEvent = { type: "control", at: AT, message: "Emergency stop: …", data: { action: "emergency-stop", origin: "page", steps, outcomes } };
    expect(text(event, { mode: "paused", account: "dry-run" })).toBe(
      "[DRY-RUN] Emergency stop from the page: trader OFF, paused, locked. Closed BTCUSDT, P&L +12.50 USDT; ETHUSDT NOT closed (HTTP 502), the bot keeps retrying. Step failed: write the lockfile (ENOSPC: no space left on device).",
    );
    const none: TraderEvent = { type: "control", at: AT, message: "Emergency stop: …", data: { action: "emergency-stop", origin: "api", steps: [], outcomes: [] } };
    expect(text(none, { mode: "paused", account: "dry-run" })).toBe("[DRY-RUN] Emergency stop via the API: trader OFF, paused, locked. No open positions.");
    const unlisted: TraderEvent = { type: "control", at: AT, message: "…", data: { action: "emergency-stop", origin: "api", steps: [], outcomes: [{ exchange: "coinex", symbol: "*", ok: false, attempts: 3, error: "could not list positions: timeout" }] } };
    expect(text(unlisted, PAUSED_AFTER_LIVE)).toBe("[LIVE] Emergency stop via the API: trader OFF, paused, locked. coinex: could not list positions: timeout.");
    expect(noticeFor(none, DRY)?.event).toBe("emergency_stop");
  });

  test("a close that keeps failing (throttled per coin)", () => {
    const notice = noticeFor({ type: "error", at: AT, symbol: "ETHUSDT", message: "Could not close ETHUSDT: HTTP 502" }, DRY);
    expect(notice && plainText(notice)).toBe("[DRY-RUN] Could not close ETHUSDT: HTTP 502. The bot keeps retrying (Closing on /trader).");
    expect([notice?.event, notice?.throttle?.key]).toEqual(["close_failing", "close:ETHUSDT"]);
  });

  test("an exchange error (throttled per kind of call, whatever the coin)", () => {
    const notice = noticeFor({ type: "error", at: AT, message: "Exchange call failed: order BTCUSDT: HTTP 500", data: { call: "order BTCUSDT", kind: "order", failures: 1 } }, LIVE);
    expect(notice && plainText(notice)).toBe("[LIVE] Exchange call failed: order BTCUSDT: HTTP 500");
    expect([notice?.event, notice?.priority, notice?.throttle?.key]).toEqual(["exchange_error", "low", "exchange:order"]);
    expect(noticeFor({ type: "error", at: AT, message: "Exchange call failed: position history: x", data: { call: "position history", kind: "read", failures: 1 } }, LIVE)?.throttle?.key).toBe("exchange:position history");
  });
});

describe("controls", () => {
  const control = (data: object, message = "…"): TraderEvent => ({ type: "control", at: AT, message, data });

  test("ON / OFF, and ON again after a restart", () => {
    expect(text(control({ action: "start", origin: "page", mode: "dry-run" }))).toBe("[DRY-RUN] Trader ON from the page");
    expect(text(control({ action: "stop", origin: "api" }), { mode: "paused", account: "dry-run" })).toBe("[PAUSED] Trader OFF via the API: no more cycles (open positions stay open)");
    expect(text(control({ action: "restore", origin: "system", mode: "live" }), LIVE)).toBe("[LIVE] Trader ON after a restart (it was ON when the process stopped)");
    expect(noticeFor(control({ action: "start", origin: "page" }), DRY)?.event).toBe("bot_on_off");
  });

  test("lockfile cleared, with the kill-switch warning when there is one", () => {
    expect(text(control({ action: "clear-lockfile", origin: "page", was: { reason: "circuit breaker: 3 consecutive failed exchange reads", source: "circuit_breaker" }, warning: null }))).toBe(
      "[DRY-RUN] Lockfile cleared from the page (was: circuit breaker: 3 consecutive failed exchange reads): new orders are allowed again.",
    );
    expect(text(control({ action: "clear-lockfile", origin: "api", was: { reason: "kill switch: …", source: "kill_switch" }, warning: "equity 4,000.00 is 60.00 % below the kill-switch baseline" }), { mode: "paused", account: "dry-run" })).toBe(
      "[PAUSED] Lockfile cleared via the API (was: kill switch: …): new orders are allowed again. Warning: equity 4,000.00 is 60.00 % below the kill-switch baseline",
    );
  });

  test("mode changed; live says it was confirmed; a pause that is part of a kill switch or emergency stop adds nothing", () => {
    expect(text(control({ action: "mode", from: "paused", to: "dry-run", origin: "page", confirmed: false }))).toBe("[DRY-RUN] Mode changed from the page: paused → dry-run");
    expect(text(control({ action: "mode", from: "dry-run", to: "live", origin: "api", confirmed: true }), LIVE)).toBe("[LIVE] Mode changed via the API: dry-run → LIVE, confirmed by the owner: real orders from the next cycle");
    expect(text(control({ action: "mode", from: "live", to: "paused", origin: "file", confirmed: false }), PAUSED_AFTER_LIVE)).toBe("[PAUSED] Mode changed by a hand edit of trader_config.json: live → paused");
    expect(noticeFor(control({ action: "mode", from: "dry-run", to: "paused", origin: "system", cause: "kill switch: …" }), DRY)).toBeNull();
    expect(noticeFor(control({ action: "mode", from: "dry-run", to: "paused", origin: "page", cause: "emergency stop" }), DRY)).toBeNull();
  });

  test("other controls and unknown events are not messages", () => {
    expect(noticeFor(control({ action: "reset-baseline" }), DRY)).toBeNull();
    expect(noticeFor(control({}), DRY)).toBeNull();
  });
});

test("Telegram gets HTML with everything escaped; the others plain text", async () => {
  const { telegramHtml } = await import("../../src/notify/messages.ts");
  const notice = noticeFor({ type: "error", at: AT, symbol: "ETHUSDT", message: "Could not close ETHUSDT: <html> & 'quotes'" }, DRY)!;
  expect(telegramHtml(notice)).toBe("<b>[DRY-RUN]</b> Could not close ETHUSDT: &lt;html&gt; &amp; 'quotes'. The bot keeps retrying (Closing on /trader).");
});
