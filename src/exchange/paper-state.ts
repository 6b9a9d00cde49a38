/**
 * The paper account as it is saved on disk (JSON, versioned, validated with zod).
 * A missing file means a fresh account; a file that does not parse or validate
 * is an error naming the file: simulated money is never silently reset.
 */
import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import { writeFileAtomicSync as writeFileAtomic } from "../util/atomic-file.ts";

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
    /** Isolated margin locked for this position. */
    margin: positive,
    /** Fee paid to open; part of the position's realized P&L when it closes. */
    open_fee: finite.nonnegative(),
    opened_at: millis,
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
  })
  .strict();

const ClosedPositionSchema = z
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
  .strict();

export const PaperStateSchema = z
  .object({
    version: z.literal(1),
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

export function freshPaperState(startingBalance: number): PaperState {
  return { version: 1, starting_balance: startingBalance, available: startingBalance, positions: [], closed: [], orders: [], next_order_id: 1 };
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
  const parsed = PaperStateSchema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.map(String).join(".") || "(root)"}: ${issue.message}`)
      .join("; ");
    throw new Error(`paper exchange state file ${path} is invalid (${where}); ${hint}`);
  }
  return parsed.data;
}

export function savePaperState(path: string, state: PaperState): void {
  writeFileAtomic(path, JSON.stringify(state, null, 2) + "\n");
}
