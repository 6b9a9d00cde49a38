/**
 * zod validation for JSON bodies and query strings, answering 400 with
 * `{error, issues: [{path, message}]}` where each issue names the field.
 */
import type { Context } from "hono";
import type { z } from "zod";
import { describeIssues } from "../../config/schema.ts";

export type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response };

export async function parseJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<Parsed<z.infer<S>>> {
  let raw: unknown;
  try {
    const text = await c.req.text();
    raw = text.trim() === "" ? {} : JSON.parse(text);
  } catch (error) {
    return { ok: false, response: c.json({ error: `request body is not valid JSON: ${(error as Error).message}`, issues: [{ path: "(body)", message: "not valid JSON" }] }, 400) };
  }
  return validate(c, schema, raw);
}

export function validate<S extends z.ZodType>(c: Context, schema: S, raw: unknown): Parsed<z.infer<S>> {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  const issues = describeIssues(result.error);
  const error = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
  return { ok: false, response: c.json({ error, issues }, 400) };
}
