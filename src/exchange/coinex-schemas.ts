/**
 * zod schemas for the CoinEx v2 response shapes we read (exchange-api.md §1–2).
 * Decimals arrive as JSON strings and become numbers here, after a check that
 * they really are decimals; ids and timestamps arrive as JSON numbers.
 * A response that does not fit is an ExchangeError naming the field.
 */
import { z } from "zod";
import { ExchangeError } from "./types.ts";

/**
 * A decimal string such as "0.0001", "-12.5" or, in exponent form, "6.022e-5" /
 * "1E+3" → number. CoinEx has sent exponent form at times (exchange-api.md
 * §6.5; whether v2 REST still does is UNVERIFIED), so it is accepted; anything
 * else ("abc", "1.2.3", "", " 1", "NaN") is refused, and so is a value that
 * overflows to Infinity.
 */
export const decimal = z
  .string()
  .regex(/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/, "expected a decimal string such as \"12.5\" or \"6.022e-5\"")
  .transform(Number)
  .refine(Number.isFinite, "decimal string out of range");

/**
 * A stop or liquidation price where "0" and "" mean "none" (§2.2, §5 item 10,
 * §6.1: ccxt's samples use "0", the doc-derived fixtures "") → number | null.
 */
const priceOrNone = z
  .union([z.literal(""), decimal])
  .transform((value) => (value === "" || value === 0 ? null : value));

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
    // Price precision: tick_size when given (CoinEx.Net reads it), else quote_ccy_precision.
    quote_ccy_precision: z.number().int().min(0).max(20).optional(),
    tick_size: decimal.optional(),
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

/** One entry of stop_loss_list / take_profit_list (CoinEx.Net models them; §6.1). */
const positionStop = z.object({ id: id.optional(), price: priceOrNone }).loose();

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
  // Optional below: documented, but a missing one must not hide the position itself.
  liq_price: priceOrNone.optional(),
  stop_loss_price: priceOrNone.optional(),
  take_profit_price: priceOrNone.optional(),
  stop_loss_list: z.array(positionStop).nullable().optional(),
  take_profit_list: z.array(positionStop).nullable().optional(),
  created_at: millis,
  updated_at: millis,
};

/** A position object (pending-position rows; also what the set-stop endpoints return, §6.1). */
export const PositionSchema = z.object(positionFields);
export type CoinexPosition = z.output<typeof PositionSchema>;
export const PendingPositionSchema = z.array(PositionSchema);
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

/** GET /futures/position-level (§6.3): tiers per market, all strings. */
export const PositionLevelSchema = z.array(
  z.object({
    market: z.string(),
    level: z.array(
      z.object({
        amount: decimal,
        leverage: z.union([decimal, z.number()]).optional(),
        maintenance_margin_rate: decimal,
      }),
    ),
  }),
);

/** A time in ms: documented as a number, printed as a string in ccxt PR #22497's live output (§6.2). */
const millisOrText = z.union([millis, z.string().regex(/^\d+$/, "expected ms since epoch").transform(Number)]);

/** GET /futures/funding-rate (§6.2). */
export const FundingRateSchema = z.array(
  z.object({
    market: z.string(),
    latest_funding_rate: decimal,
    next_funding_rate: decimal.optional(),
    latest_funding_time: millisOrText.optional(),
    next_funding_time: millisOrText.optional(),
  }),
);

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

/** For endpoints whose `data` shape is UNVERIFIED (the cancel-stop endpoints): parsed later, defensively. */
export const AnyDataSchema = z.unknown();
