/**
 * Records the store keeps, and the inputs that create them, validated with zod at the
 * store's edge so a NaN or a negative size is refused with the field's name instead of
 * reaching SQLite as a NULL. Times are ms since epoch.
 */
import { z } from "zod";

/** Modes that trade; `paused` never opens anything. */
export const TradeModeSchema = z.enum(["live", "dry-run"]);
export type TradeMode = z.infer<typeof TradeModeSchema>;

/** Who triggered an action: the dashboard page, the JSON API, a hand edit of a file, the bot itself. */
export const ActivityOriginSchema = z.enum(["page", "api", "file", "system"]);
export type ActivityOrigin = z.infer<typeof ActivityOriginSchema>;

export const LOG_KINDS = ["trade", "error", "signal", "cycle", "control"] as const;
export type LogKind = (typeof LOG_KINDS)[number];

const finite = z.number().finite();
const timestamp = z.number().int().nonnegative();

export const TradeOpenInputSchema = z
  .object({
    symbol: z.string().min(1),
    side: z.enum(["long", "short"]),
    size: finite.positive(),
    entry_price: finite.positive(),
    /** Fees paid to open, USDT. */
    fees: finite.nonnegative().default(0),
    /** Margin the position took (filled notional / granted leverage), USDT. */
    margin: finite.positive().nullable().default(null),
    /** The leverage the exchange granted. */
    leverage: finite.positive().nullable().default(null),
    opened_at: timestamp.optional(),
    open_reason: z.string().min(1),
    /** The opening order's client_id; a second record with the same one is not created. */
    client_id: z.string().min(1).nullable(),
    exchange: z.string().min(1),
    mode: TradeModeSchema,
  })
  .strict();
export type TradeOpenInput = z.input<typeof TradeOpenInputSchema>;

export const TradeCloseInputSchema = z
  .object({
    trade_id: z.number().int().positive(),
    exit_price: finite.positive(),
    /** Fees paid to close, USDT; added to the opening fees. */
    close_fees: finite.nonnegative().default(0),
    /** Net realized P&L of the whole trade in USDT, after all fees and funding. */
    pnl: finite,
    /** Funding received (+) or paid (−) over the trade's life, USDT. */
    funding: finite.default(0),
    closed_at: timestamp.optional(),
    close_reason: z.string().min(1),
  })
  .strict();
export type TradeCloseInput = z.input<typeof TradeCloseInputSchema>;

export interface TradeRecord {
  id: number;
  symbol: string;
  side: "long" | "short";
  size: number;
  entry_price: number;
  exit_price: number | null;
  /** Total fees so far (open + close), USDT. */
  fees: number;
  /** Margin at the open (null for trades recorded before it was kept). */
  margin: number | null;
  leverage: number | null;
  /** Funding over the trade's life (+ received, − paid). */
  funding: number;
  /** Net realized P&L after fees; null while open. */
  pnl: number | null;
  opened_at: number;
  closed_at: number | null;
  open_reason: string;
  close_reason: string | null;
  client_id: string | null;
  exchange: string;
  mode: TradeMode;
}

/** A signal the bot evaluated: whether it acted on it and, if not, why. */
const OneSignalLogDataSchema = z.looseObject({
  symbol: z.string().min(1),
  direction: z.enum(["long", "short"]),
  score: finite,
  acted: z.boolean(),
  /** Why it was not acted on (max positions, blacklisted, paused…); null when acted on. */
  skip_reason: z.string().min(1).nullable(),
});

/** Signals of one cycle turned away for the same reason (max positions reached), in one line: each coin with its score. */
const FoldedSignalLogDataSchema = z.looseObject({
  acted: z.literal(false),
  skip_reason: z.string().min(1),
  coins: z.array(z.looseObject({ symbol: z.string().min(1), direction: z.enum(["long", "short"]), score: finite })).min(1),
});

export type SignalLogData = z.infer<typeof OneSignalLogDataSchema> | z.infer<typeof FoldedSignalLogDataSchema>;

/** The schema a signal entry is checked with: the folded form when it lists `coins` (so a bad entry's message names its own fields). */
export function signalLogDataSchema(data: unknown): typeof OneSignalLogDataSchema | typeof FoldedSignalLogDataSchema {
  return data !== null && typeof data === "object" && "coins" in data ? FoldedSignalLogDataSchema : OneSignalLogDataSchema;
}

/** One trader cycle: coins scanned, signals found, orders placed or closed, wall time. */
export const CycleLogDataSchema = z.looseObject({
  scanned: z.number().int().nonnegative(),
  signals: z.number().int().nonnegative(),
  actions: z.number().int().nonnegative(),
  duration_ms: finite.nonnegative(),
});
export type CycleLogData = z.infer<typeof CycleLogDataSchema>;

/** An owner's control action (start, stop, emergency stop, config change…) and how it ended. */
export const ControlLogDataSchema = z.looseObject({
  action: z.string().min(1),
  ok: z.boolean(),
  result: z.string(),
});
export type ControlLogData = z.infer<typeof ControlLogDataSchema>;

export type JsonObject = Record<string, unknown>;

export interface LogEntry {
  id: number;
  at: number;
  kind: LogKind;
  message: string;
  /** Parsed JSON data, or null. */
  data: unknown;
  origin: ActivityOrigin | null;
}

export const EquitySnapshotInputSchema = z
  .object({
    at: timestamp.optional(),
    equity: finite,
    available: finite,
    margin: finite,
    unrealized_pnl: finite,
    mode: z.enum(["live", "dry-run", "paused"]),
  })
  .strict();
export type EquitySnapshotInput = z.input<typeof EquitySnapshotInputSchema>;

export interface EquitySnapshot {
  id: number;
  at: number;
  equity: number;
  available: number;
  margin: number;
  unrealized_pnl: number;
  mode: "live" | "dry-run" | "paused";
}

/** A store call was given bad input; the message names the call and every bad field. */
export class StoreInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoreInputError";
  }
}

/** Parses `input` or throws StoreInputError("recordTradeOpen: size: Too small…"). */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, call: string): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues
    .map((issue) => `${issue.path.map(String).join(".") || "(input)"}: ${issue.message}`)
    .join("; ");
  throw new StoreInputError(`${call}: ${details}`);
}
