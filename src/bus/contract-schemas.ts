/**
 * The JSON Schema of every key and channel of the Redis contract, for programs
 * that read the bus without our zod schemas. They live in src/bus/contracts/:
 *
 * - the spec's three, copied verbatim from ../shared/contracts/:
 *   ta-latest.schema.json (ta:latest:{symbol}, signals:ta:{symbol}),
 *   trader-status.schema.json, trader-config.schema.json;
 * - ours, for what the spec gives no schema, generated here from the zod
 *   schemas of payloads.ts (so they cannot drift: test/contract checks that the
 *   committed files equal this output). After changing a payload schema, run
 *   `bun src/bus/contract-schemas.ts` to rewrite them.
 *
 * Readers (test/contract) validate what the real server writes against these.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { ChannelKind, KeyKind } from "./keys.ts";
import {
  BalanceStateSchema,
  CandleListSchema,
  CandleUpdateSchema,
  PositionListSchema,
  ScanMessageSchema,
  TraderEventSchema,
} from "./payloads.ts";

export const CONTRACTS_DIR = new URL("./contracts/", import.meta.url).pathname;

/** The spec's own schemas (verbatim copies). */
export const SPEC_SCHEMA_FILES = ["ta-latest.schema.json", "trader-config.schema.json", "trader-status.schema.json"] as const;

interface OwnSchema {
  title: string;
  description: string;
  schema: z.ZodType;
}

const OWN_SCHEMAS: Record<string, OwnSchema> = {
  "cache-candles.schema.json": {
    title: "cache:candles:{symbol}, cache:candles:{symbol}:1h, cache:candles:{symbol}:4h",
    description:
      "The newest candles of one symbol and timeframe (5m without suffix), oldest first, the forming one last; up to 300. t = open time in ms since the epoch (UTC), o/h/l/c prices, v base volume. TTL 60 s (5m), 300 s (1h), 600 s (4h). Not in the product spec: ours, generated from src/bus/payloads.ts.",
    schema: CandleListSchema,
  },
  "market-candles.schema.json": {
    title: "market:candles:{symbol}",
    description:
      "One candle event: every tick of the forming candle (closed false) and each close (closed true), for 5m, 1h and 4h. Not in the product spec: ours, generated from src/bus/payloads.ts.",
    schema: CandleUpdateSchema,
  },
  "signals-scan.schema.json": {
    title: "signals:scan",
    description:
      "One message per scan batch: every coin's price, 24h change and long/short scores (base + TA bonus = total), and where the prices come from (simulated true for sim and replay: live trading is refused on those). Not in the product spec: ours, generated from src/bus/payloads.ts.",
    schema: ScanMessageSchema,
  },
  "trader-events.schema.json": {
    title: "trader:events",
    description:
      "Trade opens and closes, TP/SL hits, liquidations, funding, errors, controls, kill switch and circuit breaker; at in ms since the epoch, data per type (see the README). Not in the product spec: ours, generated from src/bus/payloads.ts.",
    schema: TraderEventSchema,
  },
  "positions.schema.json": {
    title: "state:positions",
    description:
      "The open positions of the trader's exchange (paper in dry-run), with their exchange-side stops and liquidation price; opened_at in ms since the epoch. Not in the product spec: ours, generated from src/bus/payloads.ts.",
    schema: PositionListSchema,
  },
  "balance.schema.json": {
    title: "state:balance",
    description:
      "The trader's account in USDT and its distance to the kill switch; updated_at in ms since the epoch. Not in the product spec: ours, generated from src/bus/payloads.ts.",
    schema: BalanceStateSchema,
  },
};

/** Which schema file a key's value follows. */
export const SCHEMA_FILE_BY_KEY: Readonly<Record<KeyKind, string>> = {
  candles: "cache-candles.schema.json",
  taLatest: "ta-latest.schema.json",
  positions: "positions.schema.json",
  balance: "balance.schema.json",
  traderConfig: "trader-config.schema.json",
  traderStatus: "trader-status.schema.json",
};

/** Which schema file a channel's messages follow. */
export const SCHEMA_FILE_BY_CHANNEL: Readonly<Record<ChannelKind, string>> = {
  marketCandles: "market-candles.schema.json",
  taSignals: "ta-latest.schema.json",
  scan: "signals-scan.schema.json",
  traderEvents: "trader-events.schema.json",
};

/** Our schema files by name, as JSON Schema draft 2020-12 objects. */
export function generatedSchemas(): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [file, own] of Object.entries(OWN_SCHEMAS)) {
    const { $schema, ...body } = z.toJSONSchema(own.schema) as Record<string, unknown>;
    out[file] = { $schema, $id: file, title: own.title, description: own.description, ...body };
  }
  return out;
}

/** Rewrites our schema files from the zod schemas. */
export function writeGeneratedSchemas(dir = CONTRACTS_DIR): string[] {
  const written: string[] = [];
  for (const [file, schema] of Object.entries(generatedSchemas())) {
    writeFileSync(join(dir, file), `${JSON.stringify(schema, null, 2)}\n`);
    written.push(file);
  }
  return written;
}

if (import.meta.main) {
  for (const file of writeGeneratedSchemas()) console.log(`wrote ${join(CONTRACTS_DIR, file)}`);
}
