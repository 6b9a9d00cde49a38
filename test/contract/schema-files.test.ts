/**
 * The JSON Schemas of the Redis contract in src/bus/contracts/: the spec's
 * three are verbatim copies of ../shared/contracts/ (when that folder is
 * beside the repo), ours are exactly what the zod schemas of
 * src/bus/payloads.ts produce (regenerate with `bun src/bus/contract-schemas.ts`),
 * every key and channel kind has one, and each compiles as draft 2020-12.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CONTRACTS_DIR,
  SCHEMA_FILE_BY_CHANNEL,
  SCHEMA_FILE_BY_KEY,
  SPEC_SCHEMA_FILES,
  generatedSchemas,
} from "../../src/bus/contract-schemas.ts";
import { contractValidator } from "./validator.ts";
import * as sample from "../bus/fixtures/samples.ts";

const SHARED = new URL("../../../shared/contracts/", import.meta.url).pathname;
const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8"));

describe("schema files", () => {
  test("the folder holds the spec's three and ours, nothing else", () => {
    const expected = [...SPEC_SCHEMA_FILES, ...Object.keys(generatedSchemas())].sort();
    expect(readdirSync(CONTRACTS_DIR).filter((f) => f.endsWith(".json")).sort()).toEqual(expected);
  });

  test.skipIf(!existsSync(SHARED))("the spec's schemas are verbatim copies of ../shared/contracts", () => {
    for (const file of SPEC_SCHEMA_FILES) expect(readFileSync(join(CONTRACTS_DIR, file), "utf8")).toBe(readFileSync(join(SHARED, file), "utf8"));
  });

  test("ours are exactly what the zod schemas produce", () => {
    for (const [file, schema] of Object.entries(generatedSchemas())) {
      expect({ file, schema: readJson(join(CONTRACTS_DIR, file)) }).toEqual({ file, schema });
    }
  });

  test("every key and channel of the contract has a schema file, and each compiles (draft 2020-12, strict)", () => {
    const files = new Set([...Object.values(SCHEMA_FILE_BY_KEY), ...Object.values(SCHEMA_FILE_BY_CHANNEL)]);
    expect([...files].sort()).toEqual([...SPEC_SCHEMA_FILES, ...Object.keys(generatedSchemas())].sort());
    const validator = contractValidator();
    for (const file of files) expect(typeof validator.forFile(file)).toBe("function");
  });

  test("the hand-written samples of every kind pass their schema; a changed type fails it", () => {
    const validator = contractValidator();
    const valid: [string, unknown][] = [
      ["cache:candles:BTCUSDT:1h", sample.candles],
      ["ta:latest:BTCUSDT", sample.taPayload],
      ["state:positions", sample.positions],
      ["state:balance", sample.balance],
      ["state:trader:config", sample.traderConfig],
      ["state:trader:status", sample.traderStatus],
      ["state:trader:status", sample.lockedStatus],
    ];
    for (const [key, value] of valid) expect({ key, problems: validator.key(key, value) }).toEqual({ key, problems: [] });
    const messages: [string, unknown][] = [
      ["market:candles:BTCUSDT", sample.candleUpdate],
      ["signals:ta:BTCUSDT", sample.taPayload],
      ["signals:scan", sample.scan],
      ["trader:events", sample.traderEvent],
    ];
    for (const [channel, message] of messages) expect({ channel, problems: validator.channel(channel, message) }).toEqual({ channel, problems: [] });

    // The types the issue found wrong, as they were: each one fails the spec's schema.
    const t = sample.taPayload;
    expect(validator.key("ta:latest:BTCUSDT", { ...t, timestamp: t.timestamp_ms })).not.toEqual([]);
    expect(validator.key("ta:latest:BTCUSDT", { ...t, ema_ribbon: { ...t.ema_ribbon, values: t.ema_ribbon.values_by_timeframe } })).not.toEqual([]);
    expect(validator.key("ta:latest:BTCUSDT", { ...t, ttm_squeeze: { ...t.ttm_squeeze, squeeze: "fired" } })).not.toEqual([]);
    expect(validator.key("ta:latest:BTCUSDT", { ...t, ttm_squeeze: { ...t.ttm_squeeze, direction: "neutral" } })).not.toEqual([]);
    expect(validator.key("ta:latest:BTCUSDT", { ...t, stoch_rsi_divergence: { ...t.stoch_rsi_divergence, candles_ago: null } })).not.toEqual([]);
    const { status: _s, uptime_s: _u, last_trade: _l, ...oldStatus } = sample.traderStatus;
    expect(validator.key("state:trader:status", oldStatus)).not.toEqual([]);
    expect(validator.key("state:positions", [{ ...sample.positions[0], size: "0.5" }])).not.toEqual([]);
    expect(validator.channel("trader:events", { ...sample.traderEvent, at: "now" })).not.toEqual([]);
  });
});
