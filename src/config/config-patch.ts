/**
 * Validates a partial config update and keeps only the fields the caller actually sent.
 *
 * Why not `TraderConfigPatchSchema.parse` alone: with zod 4, `.partial()` of a schema
 * whose fields have `.default()` still fills every absent field with its default, so
 * `parse({ max_leverage: 20 })` returns a whole default config. Merging that would
 * silently reset every other setting. The schema still does the validation here; we
 * then keep only the keys present (and not `undefined`) in the input.
 */
import type { z } from "zod";
import { TraderConfigPatchSchema, describeIssues, type TraderConfigPatch } from "./schema.ts";

export type ConfigIssue = { path: string; message: string };

export type ConfigPatchResult =
  | { ok: true; patch: TraderConfigPatch }
  | { ok: false; issues: ConfigIssue[] };

export function parseTraderConfigPatch(input: unknown): ConfigPatchResult {
  const result = TraderConfigPatchSchema.safeParse(input);
  if (!result.success) return { ok: false, issues: describeIssues(result.error as z.ZodError) };
  const sent = input as Record<string, unknown>;
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(result.data)) {
    if (Object.hasOwn(sent, key) && sent[key] !== undefined) patch[key] = value;
  }
  return { ok: true, patch: patch as TraderConfigPatch };
}
