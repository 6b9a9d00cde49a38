/**
 * zod schemas for the CoinEx v2 response shapes we read (exchange-api.md §1–2).
 * Decimals arrive as JSON strings and become numbers here, after a check that
 * they really are decimals; ids and timestamps arrive as JSON numbers.
 * A response that does not fit is an ExchangeError naming the field.
 */
import { z } from "zod";
import { ExchangeError } from "./types.ts";

/** A decimal string such as "0.0001" or "-12.5" → number. */
export const decimal = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, "expected a decimal string such as \"12.5\"")
  .transform(Number);

/** CoinEx ids are JSON numbers; accept digit strings too and keep them as strings (order ids can be large). */
const id = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d+$/, "expected a numeric id")])
  .transform(String);

const millis = z.number().int().nonnegative();

export const EnvelopeSchema = z.object({
  code: z.number().int(),
  message: z.string().optional().default(""),
  data: z.unknown(),
  pagination: z.object({ has_next: z.boolean() }).loose().optional(),
});

export const ServerTimeSchema = z.object({ timestamp: millis });

export const FuturesBalanceSchema = z.array(
  z.object({
    ccy: z.string(),
    available: decimal,
    frozen: decimal,
    margin: decimal,
    unrealized_pnl: decimal,
    transferrable: decimal.optional(),
  }),
);

export const FuturesMarketSchema = z.array(
  z.object({
    market: z.string(),
    base_ccy_precision: z.number().int().min(0).max(20),
    min_amount: decimal,
    taker_fee_rate: decimal,
    // Documented as strings ("1","2",…); a plain integer is accepted too.
    leverage: z.array(z.union([decimal, z.number()])).min(1, "expected at least one leverage level"),
  }),
);

export const TickerSchema = z.array(
  z.object({
    market: z.string(),
    last: decimal,
    mark_price: decimal,
  }),
);

const positionFields = {
  position_id: id,
  market: z.string(),
  side: z.enum(["long", "short"]),
  margin_mode: z.string(),
  open_interest: decimal,
  avg_entry_price: decimal,
  unrealized_pnl: decimal,
  realized_pnl: decimal,
  leverage: decimal,
  margin_avbl: decimal,
  ath_position_amount: decimal.optional(),
  created_at: millis,
  updated_at: millis,
};

export const PendingPositionSchema = z.array(z.object(positionFields));
export const FinishedPositionSchema = z.array(z.object({ ...positionFields, finished_type: z.string().optional() }));

export const OrderSchema = z.object({
  order_id: id,
  client_id: z.string().nullable().optional(),
  market: z.string(),
  side: z.enum(["buy", "sell"]),
  amount: decimal,
  filled_amount: decimal,
  filled_value: decimal,
  last_filled_price: decimal.optional(),
  fee: decimal,
  realized_pnl: decimal.optional(),
});

export const AdjustLeverageSchema = z.object({
  margin_mode: z.string(),
  leverage: z.number().int().positive(),
});

/** "data.0.available: expected a decimal string …" for the first few issues. */
function describeZodIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${["data", ...issue.path.map(String)].join(".")}: ${issue.message}`)
    .join("; ");
}

/** Parses the `data` of a CoinEx response to `what`, or throws an ExchangeError naming the bad field. */
export function parseData<S extends z.ZodType>(schema: S, data: unknown, what: string): z.output<S> {
  const result = schema.safeParse(data);
  if (!result.success) {
    throw new ExchangeError(`CoinEx ${what} returned an unexpected response: ${describeZodIssues(result.error)}`, "bad_response");
  }
  return result.data;
}
