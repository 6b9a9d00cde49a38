/**
 * Reads a page form's body as name → values (a name may repeat), refusing
 * anything that is not a form (415) or a form that cannot be parsed (400: a
 * multipart body without a usable boundary, truncated, or not multipart at
 * all), with a message that says so.
 */
import type { Context } from "hono";

export type FormFields = Record<string, string[]>;

export type FormRead = { ok: true; fields: FormFields } | { ok: false; status: 400 | 415; error: string };

export async function readForm(c: Context): Promise<FormRead> {
  const type = (c.req.header("content-type") ?? "").toLowerCase();
  const multipart = type.startsWith("multipart/form-data");
  if (!type.startsWith("application/x-www-form-urlencoded") && !multipart) {
    return { ok: false, status: 415, error: `expected a form post (application/x-www-form-urlencoded or multipart/form-data), got ${type.trim() || "no content type"}` };
  }
  let body: Awaited<ReturnType<typeof c.req.parseBody>>;
  try {
    body = await c.req.parseBody({ all: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const what = multipart
      ? `malformed multipart/form-data body (${multipartProblem(c.req.header("content-type") ?? "") ?? reason})`
      : `malformed form body (${reason})`;
    return { ok: false, status: 400, error: `${what}: send the form again` };
  }
  const fields: FormFields = {};
  for (const [name, value] of Object.entries(body)) {
    const list = Array.isArray(value) ? value : [value];
    fields[name] = list.filter((v): v is string => typeof v === "string");
  }
  return { ok: true, fields };
}

/** What is wrong with a multipart Content-Type's boundary, or null when it looks fine (then the body is at fault). */
function multipartProblem(contentType: string): string | null {
  const match = /;\s*boundary=("?)([^";]*)\1/i.exec(contentType);
  if (!match) return "the Content-Type has no boundary";
  const boundary = match[2] ?? "";
  if (boundary.length === 0) return "the boundary is empty";
  if (boundary.length > 70) return "the boundary is longer than 70 characters";
  return `the body does not match the boundary ${JSON.stringify(boundary)} or ends early`;
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
