/**
 * The paper account as it is saved on disk (JSON, versioned, validated with zod).
 * A missing file means a fresh account; a file that does not parse or validate
 * is an error naming the file: simulated money is never silently reset.
 *
 * Version 2 adds exchange-side stops, funding and the way a position ended.
 * A version-1 file (the program before stops and funding) is upgraded in memory
 * by paper-state-v1.ts and written as version 2 with the next change, so the
 * old program can still read the file until this one changes the account.
 */
import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import { writeFileAtomicSync as writeFileAtomic } from "../util/atomic-file.ts";
import { PaperStateV1Schema, upgradePaperStateV1 } from "./paper-state-v1.ts";

const finite = z.number().finite();
const positive = finite.positive();
const millis = z.number().int().nonnegative();
const side = z.enum(["long", "short"]);

const PaperPositionSchema = z
  .object({
    symbol: z.string().min(1),
    side,
    size: positive,
    entry_price: positive,
    leverage: positive,
    /** Initial margin locked at the fill (entry × size / leverage). Funding moves the position's margin: current = margin + funding. */
    margin: positive,
    /** Fee paid to open; part of the position's realized P&L when it closes. */
    open_fee: finite.nonnegative(),
    opened_at: millis,
    /** Exchange-side triggers on the mark price; null = none. */
    stop_loss_price: positive.nullable(),
    take_profit_price: positive.nullable(),
    /** Funding received (+) / paid (−) so far, booked into the position's isolated margin. */
    funding: finite,
    /** The latest funding boundary already accounted for (charged, or the one at or before the opening). */
    last_funding_at: millis,
  })
  .strict();

const OrderResultSchema = z
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
    /** Present on closing orders: what a retried close with the same client_id must report again. */
    close: z.object({ funding: finite, pnl: finite }).strict().optional(),
  })
  .strict();

const ClosedPositionSchema = z
  .object({
    symbol: z.string(),
    side,
    size: positive,
    entry_price: positive,
    exit_price: positive,
    /** Net effect on the balance: price P&L − fees + funding (a liquidation: −(initial margin + open fee)). */
    realized_pnl: finite,
    /** Open + close fee. */
    fees: finite.nonnegative(),
    funding: finite,
    opened_at: millis,
    closed_at: millis,
    kind: z.enum(["close", "stop_loss", "take_profit", "liquidation", "adl", "other"]),
  })
  .strict();

export const PaperStateSchema = z
  .object({
    version: z.literal(2),
    starting_balance: positive,
    /** Free USDT (not locked as margin). */
    available: finite.nonnegative(),
    positions: z.array(PaperPositionSchema),
    /** Newest last. */
    closed: z.array(ClosedPositionSchema),
    /** Results of recent orders by client_id, oldest first (bounded). */
    orders: z.array(OrderResultSchema),
    next_order_id: z.number().int().positive(),
  })
  .strict();

export type PaperState = z.infer<typeof PaperStateSchema>;
export type PaperPosition = z.infer<typeof PaperPositionSchema>;
export type PaperOrderRecord = z.infer<typeof OrderResultSchema>;

export function freshPaperState(startingBalance: number): PaperState {
  return { version: 2, starting_balance: startingBalance, available: startingBalance, positions: [], closed: [], orders: [], next_order_id: 1 };
}

/** The saved state, or null when there is no file yet. Throws an error naming the file when it is unreadable or invalid. */
export function loadPaperState(path: string): PaperState | null {
  if (!existsSync(path)) return null;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read paper exchange state file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const hint = "fix it or move it away to start a fresh paper account (it holds the simulated balance and positions)";
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`paper exchange state file ${path} is not valid JSON (${error instanceof Error ? error.message : String(error)}); ${hint}`);
  }
  const version = typeof json === "object" && json !== null ? (json as { version?: unknown }).version : undefined;
  if (version === 1) {
    const old = PaperStateV1Schema.safeParse(json);
    if (!old.success) throw new Error(`paper exchange state file ${path} (version 1) is invalid (${describeIssues(old.error)}); ${hint}`);
    return upgradePaperStateV1(old.data);
  }
  const parsed = PaperStateSchema.safeParse(json);
  if (!parsed.success) throw new Error(`paper exchange state file ${path} is invalid (${describeIssues(parsed.error)}); ${hint}`);
  return parsed.data;
}

/**
 * Written after every fill, stop change and close, with up to 1,000 remembered
 * orders and closed positions in it: compact JSON, because indenting it cost
 * about twice the time to serialise it (bench scale.symbols profile).
 */
export function savePaperState(path: string, state: PaperState): void {
  writeFileAtomic(path, JSON.stringify(state) + "\n");
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.map(String).join(".") || "(root)"}: ${issue.message}`)
    .join("; ");
}
