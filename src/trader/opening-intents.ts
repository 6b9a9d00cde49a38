/**
 * An opening order and its trade record are two writes in two places: the
 * exchange fills, then trader.db records. A process killed between the two
 * (or an order whose answer was lost) leaves a position the record never
 * learns about: its close would have no trade to land on, its P&L would be
 * missing from the history and the re-entry cooldown would not see it.
 *
 * So the cycle first notes the intent (client_id, coin, side, why) in
 * trader_state.json — no note, no order — and drops it once the trade is
 * recorded. Settling the intents still there (at boot, on a takeover and at
 * the start of each cycle, never while an order is on its way) records the
 * trade of each position the exchange holds for an intent that has none, with
 * the intent's own client_id, so the record, the exchange and the cooldown
 * agree again. An intent with no position is dropped: the order was refused or
 * never filled (or filled and was closed since, which the exchange's history
 * shows; the record has no trade to close then, so it is said in the log).
 */
import type { OpeningIntentRecord } from "../store/state-files.ts";
import type { Exchange, Position } from "../exchange/types.ts";
import { formatAmount, formatPrice, formatUsd } from "../util/number-format.ts";
import type { TraderJournal } from "./ports.ts";

export type OpeningIntent = OpeningIntentRecord;

/** At most this many intents are kept (each settles within a cycle; a long outage must not grow the state file). */
export const MAX_OPENING_INTENTS = 50;

export interface SettleResult {
  /** Intents still waiting (other exchanges'). */
  remaining: OpeningIntent[];
  /** Symbols whose trade was recorded from the exchange's position. */
  recorded: string[];
}

/**
 * Settles the intents of `exchange` against the positions just read from it.
 * `afterRestart`: the intents come from before this process started (boot,
 * takeover), so one without a position is worth a line in the log.
 */
export function settleOpeningIntents(
  exchange: Exchange,
  positions: readonly Position[],
  intents: readonly OpeningIntent[],
  journal: TraderJournal,
  afterRestart: boolean,
): SettleResult {
  const remaining: OpeningIntent[] = [];
  const recorded: string[] = [];
  const open = new Set(journal.openTrades(exchange.name).map((t) => t.symbol));
  for (const intent of intents) {
    if (intent.exchange !== exchange.name) {
      remaining.push(intent);
      continue;
    }
    if (open.has(intent.symbol)) continue; // recorded as usual; only the note was left
    const position = positions.find((p) => p.symbol === intent.symbol && p.side === intent.side);
    if (!position) {
      if (afterRestart) {
        journal.log("error", `An opening order for ${intent.side} ${intent.symbol} (${intent.client_id}) was sent before the restart, and no such position is open: it was not filled, or it was closed since (see the exchange's order history)`, { symbol: intent.symbol, client_id: intent.client_id });
      }
      continue;
    }
    const message =
      `Opened ${position.side} ${position.symbol} ${formatAmount(position.size)} @ ${formatPrice(position.entry_price)} ×${position.leverage}, margin ${formatUsd(position.margin)} USDT ` +
      `(${intent.reason}; recorded from the exchange's position: the order's own record was cut off)`;
    journal.tradeOpened(message, {
      symbol: position.symbol,
      side: position.side,
      size: position.size,
      entry_price: position.entry_price,
      // The opening fee is not on the position; the exchange's history gives all fees at the close.
      fee: 0,
      margin: position.margin,
      leverage: position.leverage,
      client_id: intent.client_id,
      reason: intent.reason,
      exchange: exchange.name,
      mode: intent.mode,
      at: position.opened_at,
    });
    open.add(position.symbol);
    recorded.push(position.symbol);
  }
  return { remaining, recorded };
}

/** The list with `intent` added (replacing one with the same client_id), bounded to the newest MAX_OPENING_INTENTS. */
export function withIntent(intents: readonly OpeningIntent[], intent: OpeningIntent): OpeningIntent[] {
  return [...intents.filter((i) => i.client_id !== intent.client_id), intent].slice(-MAX_OPENING_INTENTS);
}
