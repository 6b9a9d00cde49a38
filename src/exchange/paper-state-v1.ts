/**
 * The version-1 paper state file (the program before stops, funding and close
 * kinds) and its in-memory upgrade to version 2. Kept apart so the current
 * schema stays readable; delete once no version-1 account can exist.
 */
import { z } from "zod";
import { fundingBoundaryAtOrBefore } from "./paper-funding.ts";
import type { PaperState } from "./paper-state.ts";

const finite = z.number().finite();
const positive = finite.positive();
const millis = z.number().int().nonnegative();
const side = z.enum(["long", "short"]);

export const PaperStateV1Schema = z
  .object({
    version: z.literal(1),
    starting_balance: positive,
    available: finite.nonnegative(),
    positions: z.array(
      z
        .object({
          symbol: z.string().min(1),
          side,
          size: positive,
          entry_price: positive,
          leverage: positive,
          margin: positive,
          open_fee: finite.nonnegative(),
          opened_at: millis,
        })
        .strict(),
    ),
    closed: z.array(
      z
        .object({
          symbol: z.string(),
          side,
          size: positive,
          entry_price: positive,
          exit_price: positive,
          realized_pnl: finite,
          opened_at: millis,
          closed_at: millis,
        })
        .strict(),
    ),
    orders: z.array(
      z
        .object({
          order_id: z.string(),
          client_id: z.string(),
          symbol: z.string(),
          side: z.enum(["buy", "sell"]),
          amount: positive,
          price: positive,
          fee: finite.nonnegative(),
          realized_pnl: finite,
          duplicate: z.boolean(),
        })
        .strict(),
    ),
    next_order_id: z.number().int().positive(),
  })
  .strict();

export type PaperStateV1 = z.infer<typeof PaperStateV1Schema>;

/**
 * Version 1 → 2. Defaults: no stops, funding 0, last funding boundary = the one
 * at or before the opening (so funding since then is charged at the next check:
 * the old program never charged it). Closed rows: kind "close" (the only way a
 * version-1 position ended), funding 0, fees 0 (not recorded then; the type
 * says 0 = unknown). A remembered closing order is recognised by the closed row
 * with its symbol, size, exit price and exit side, so a retried close still reports the
 * position's P&L.
 */
export function upgradePaperStateV1(old: PaperStateV1): PaperState {
  return {
    version: 2,
    starting_balance: old.starting_balance,
    available: old.available,
    positions: old.positions.map((p) => ({
      ...p,
      stop_loss_price: null,
      take_profit_price: null,
      funding: 0,
      last_funding_at: fundingBoundaryAtOrBefore(p.opened_at),
    })),
    closed: old.closed.map((c) => ({ ...c, fees: 0, funding: 0, kind: "close" as const })),
    orders: old.orders.map((o) => {
      const row = [...old.closed].reverse().find((c) => c.symbol === o.symbol && c.size === o.amount && c.exit_price === o.price && o.side === (c.side === "long" ? "sell" : "buy"));
      return row ? { ...o, close: { funding: 0, pnl: row.realized_pnl } } : o;
    }),
    next_order_id: old.next_order_id,
  };
}
