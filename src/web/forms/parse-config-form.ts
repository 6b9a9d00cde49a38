/**
 * Turns the submitted `form#config` into a TraderConfig patch: parses each
 * field's text, validates with the config schema, and keeps only the fields
 * that differ from the config in force (so the activity log says what changed
 * and a stale form never overwrites a field nobody touched). Any issue means
 * no patch at all: nothing is saved from a form with an error.
 */
import { TraderConfigPatchSchema, describeIssues, type TraderConfig, type TraderConfigPatch } from "../../config/schema.ts";
import { CONFIG_FIELDS } from "./config-fields.ts";

export type FieldIssues = Record<string, string>;

export type ParsedConfigForm =
  | { ok: true; patch: TraderConfigPatch }
  | { ok: false; issues: FieldIssues; values: Record<string, string> };

const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** `form` maps each field name to its submitted values (a checkbox sends a hidden "false" then maybe "true"). */
export function parseConfigForm(form: Record<string, string[]>, current: TraderConfig): ParsedConfigForm {
  const issues: FieldIssues = {};
  const values: Record<string, string> = {};
  const raw: Record<string, unknown> = {};
  const known = new Set(CONFIG_FIELDS.map((f) => f.name));
  for (const name of Object.keys(form)) {
    if (!known.has(name as (typeof CONFIG_FIELDS)[number]["name"])) issues[name] = `unknown setting "${name}"`;
  }
  for (const field of CONFIG_FIELDS) {
    const submitted = form[field.name];
    if (submitted === undefined) continue;
    if (field.kind === "boolean") {
      const on = submitted.some((v) => v === "true" || v === "on");
      values[field.name] = String(on);
      raw[field.name] = on;
      continue;
    }
    const text = (submitted[submitted.length - 1] ?? "").trim();
    values[field.name] = text;
    if (text === "") {
      if (field.kind === "optional-number") raw[field.name] = null;
      else issues[field.name] = `required: enter a number (${field.range})`;
      continue;
    }
    if (!NUMBER_TEXT.test(text)) {
      issues[field.name] = `"${text}" is not a number (${field.range})`;
      continue;
    }
    raw[field.name] = Number(text);
  }
  // The schema judges every field that parsed, so one form post reports all its problems at once.
  const result = TraderConfigPatchSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of describeIssues(result.error)) {
      const field = CONFIG_FIELDS.find((f) => f.name === issue.path);
      issues[issue.path] ??= field ? `${issue.message} (${field.range})` : issue.message;
    }
  }
  if (Object.keys(issues).length > 0) return { ok: false, issues, values };
  const patch: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (current[name as keyof TraderConfig] !== value) patch[name] = value;
  }
  return { ok: true, patch: patch as TraderConfigPatch };
}
