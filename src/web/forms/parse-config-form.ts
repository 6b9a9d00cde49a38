/**
 * Turns the submitted `form#config` into a TraderConfig patch: parses each
 * field's text, validates with the config schema, and keeps only the fields
 * that differ from the config in force (so the activity log says what changed
 * and a stale form never overwrites a field nobody touched). Any issue means
 * no patch at all: nothing is saved from a form with an error.
 */
import { fieldTextOf, withUnit } from "../../config/field-text.ts";
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
    if (!known.has(name as (typeof CONFIG_FIELDS)[number]["name"])) issues[name] = `"${name}" is not a known setting`;
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
      else issues[field.name] = `${labelOf(field.name)} is required: enter ${aNumber(field)}`;
      continue;
    }
    if (!NUMBER_TEXT.test(text)) {
      issues[field.name] = `${labelOf(field.name)} must be ${aNumber(field)}${field.kind === "optional-number" ? ", or empty for none" : ""} ("${text}" is not a number)`;
      continue;
    }
    raw[field.name] = Number(text);
  }
  // The schema judges every field that parsed, so one form post reports all its problems at once.
  const result = TraderConfigPatchSchema.safeParse(raw);
  if (!result.success) {
    // Each message is a sentence with the field's label and unit ("Max leverage must be at most 100×").
    for (const issue of describeIssues(result.error)) issues[issue.path] ??= issue.message;
  }
  if (Object.keys(issues).length > 0) return { ok: false, issues, values };
  const patch: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (current[name as keyof TraderConfig] !== value) patch[name] = value;
  }
  return { ok: true, patch: patch as TraderConfigPatch };
}

function labelOf(name: string): string {
  return fieldTextOf(name)?.label ?? name;
}

/** "a number such as 25 % of margin", "a whole number such as 3 positions". */
function aNumber(field: (typeof CONFIG_FIELDS)[number]): string {
  const text = fieldTextOf(field.name);
  const example = text ? ` such as ${withUnit(text.example, text.unit)}` : "";
  return `${field.kind === "integer" ? "a whole number" : "a number"}${example}`;
}
