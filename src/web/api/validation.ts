/**
 * zod validation for JSON bodies and query strings, answering 400 with
 * `{error, issues: [{path, message}]}` where each issue names the field.
 *
 * Body rules (parseJsonBody):
 *  - "required" (config, mode, control, close-position): the body must be sent
 *    as Content-Type application/json (parameters such as charset allowed,
 *    any case), else 415 naming what was sent and what is needed; an empty
 *    body is 400;
 *  - "optional" (close-all): no body at all (zero bytes) is allowed with any or
 *    no Content-Type, and reads as `{}`; a body that is present is held to the
 *    same rules as a required one;
 *  - a body that is there must parse as JSON (400) and be a JSON object (400),
 *    then pass the route's schema (400, naming the field). Nothing is done
 *    before all of this passed.
 */
import type { Context } from "hono";
import type { z } from "zod";
import { describeIssues } from "../../config/schema.ts";

export type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response };

export type BodyRule = "required" | "optional";

/** True for `application/json`, with or without parameters, in any case. */
export function isJsonContentType(header: string | undefined): boolean {
  return (header ?? "").split(";")[0]?.trim().toLowerCase() === "application/json";
}

export async function parseJsonBody<S extends z.ZodType>(c: Context, schema: S, rule: BodyRule = "required"): Promise<Parsed<z.infer<S>>> {
  // Read outside any try: a body over the limit must reach the body-limit middleware (413).
  const text = await c.req.text();
  if (rule === "optional" && text.length === 0) return validate(c, schema, {});
  const type = c.req.header("content-type");
  if (!isJsonContentType(type)) {
    const sent = type === undefined || type.trim() === "" ? "no Content-Type" : `Content-Type ${JSON.stringify(type.length > 100 ? `${type.slice(0, 100)}…` : type)}`;
    const error = `request body sent with ${sent}: this endpoint takes a JSON object with Content-Type: application/json`;
    return { ok: false, response: c.json({ error, issues: [{ path: "(content-type)", message: "must be application/json" }] }, 415) };
  }
  if (text.trim() === "") {
    return { ok: false, response: c.json({ error: "request body is empty: send a JSON object", issues: [{ path: "(body)", message: "empty" }] }, 400) };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, response: c.json({ error: `request body is not valid JSON: ${(error as Error).message}`, issues: [{ path: "(body)", message: "not valid JSON" }] }, 400) };
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    const got = raw === null ? "null" : Array.isArray(raw) ? "an array" : `a ${typeof raw}`;
    return { ok: false, response: c.json({ error: `request body must be a JSON object, got ${got}`, issues: [{ path: "(body)", message: "not a JSON object" }] }, 400) };
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
