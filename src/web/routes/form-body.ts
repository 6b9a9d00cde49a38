/**
 * Reads a page form's body as name → values (a name may repeat), refusing
 * anything that is not a form, with a message that says so.
 */
import type { Context } from "hono";

export type FormFields = Record<string, string[]>;

export async function readForm(c: Context): Promise<{ ok: true; fields: FormFields } | { ok: false; error: string }> {
  const type = (c.req.header("content-type") ?? "").toLowerCase();
  if (!type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("multipart/form-data")) {
    return { ok: false, error: `expected a form post (application/x-www-form-urlencoded), got ${type || "no content type"}` };
  }
  const body = await c.req.parseBody({ all: true });
  const fields: FormFields = {};
  for (const [name, value] of Object.entries(body)) {
    const list = Array.isArray(value) ? value : [value];
    fields[name] = list.filter((v): v is string => typeof v === "string");
  }
  return { ok: true, fields };
}

/** The last value of a field, or undefined. */
export function field(fields: FormFields, name: string): string | undefined {
  const values = fields[name];
  return values?.[values.length - 1];
}

/** True for requests made by htmx (which shows hx-confirm before sending). */
export function isHtmx(c: Context): boolean {
  return c.req.header("hx-request") === "true";
}
