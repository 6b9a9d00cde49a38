/**
 * JSON encoding of bus values and messages with validation on both ends.
 * Writing an invalid payload throws `BusPayloadError` (a bug in the writer, to
 * be fixed, never silently stored); reading one yields a problem description
 * that the bus logs before dropping the value.
 */
import type { z } from "zod";
import { classifyChannel, ttlForKey } from "./keys.ts";
import { schemaForChannel, schemaForKey } from "./payloads.ts";

/** A value or message refused before it reached the bus, naming the key/channel and the field. */
export class BusPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BusPayloadError";
  }
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; problem: string };

/** `ema_ribbon.state_5m: Invalid option: expected one of ...` — the first issue only, so one log line stays short. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid value";
  const path = issue.path.map(String).join(".") || "(root)";
  return `${path}: ${issue.message}`;
}

function encode(schema: z.ZodType | null, what: string, name: string, value: unknown): string {
  if (schema === null) throw new BusPayloadError(`${JSON.stringify(name)} is not a ${what} of the Redis contract`);
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new BusPayloadError(`Refused to write ${what} ${name}: ${firstIssue(parsed.error)}`);
  }
  // The parsed output is stored (defaults filled in), so every reader sees a complete value.
  return JSON.stringify(parsed.data);
}

function decode(schema: z.ZodType | null, what: string, raw: string): Decoded<unknown> {
  if (schema === null) return { ok: false, problem: `not a ${what} of the Redis contract` };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    return { ok: false, problem: `not JSON (${(error as Error).message})` };
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problem: firstIssue(parsed.error) };
}

export function encodeValue(key: string, value: unknown): string {
  return encode(schemaForKey(key), "key", key, value);
}

export function decodeValue(key: string, raw: string): Decoded<unknown> {
  return decode(schemaForKey(key), "key", raw);
}

export function encodeMessage(channel: string, message: unknown): string {
  return encode(schemaForChannel(channel), "channel", channel, message);
}

export function decodeMessage(channel: string, raw: string): Decoded<unknown> {
  return decode(schemaForChannel(channel), "channel", raw);
}

/** Milliseconds for an explicit TTL; refuses what Redis would refuse or misread. */
export function ttlToMs(key: string, ttlSeconds: number): number {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new BusPayloadError(`TTL for ${key} must be a positive number of seconds, got ${ttlSeconds}`);
  }
  return Math.max(1, Math.round(ttlSeconds * 1000));
}

/** The contract TTL of `key` in ms, or null when the key has none. */
export function defaultTtlMs(key: string): number | null {
  const seconds = ttlForKey(key);
  return seconds === null ? null : seconds * 1000;
}

/** Subscribing to a name that is not a contract channel is a bug: no message on it could pass validation. */
export function assertContractChannel(channel: string): void {
  if (classifyChannel(channel) === null) {
    throw new BusPayloadError(`${JSON.stringify(channel)} is not a channel of the Redis contract`);
  }
}
