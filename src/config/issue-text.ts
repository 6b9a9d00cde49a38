/**
 * zod issues as sentences a trader reads: the field's label and unit from
 * field-text.ts, the bound from the issue ("Position size must be at most
 * 50 %"). Messages we wrote ourselves in a schema (a regex's "must be an
 * upper-case USDT pair…", a cross-field rule) are kept, after the label.
 * A field the table does not know (another schema's) is named by its path,
 * with the same sentences.
 */
import type { z } from "zod";
import { fieldTextOf, withUnit, type FieldText } from "./field-text.ts";

type Issue = z.ZodError["issues"][number];

export interface IssueText {
  /** "max_leverage", "coin_blacklist.1", "(root)" for the object itself. */
  path: string;
  message: string;
}

export function issueText(issue: Issue): IssueText {
  const path = issue.path.map(String).join(".") || "(root)";
  return { path, message: sentence(issue, subject(issue.path)) };
}

interface Subject {
  label: string;
  text: FieldText | null;
}

/** "Position size"; "Blacklist, entry 2,"; a path the table does not know as it is. */
function subject(path: readonly PropertyKey[]): Subject {
  const [first, second] = path;
  const text = typeof first === "string" ? fieldTextOf(first) : null;
  if (text && typeof second === "number") return { label: `${text.label}, entry ${second + 1},`, text: { ...text, unit: "" } };
  if (text && path.length === 1) return { label: text.label, text };
  const named = path.map(String).join(".");
  return { label: named === "" ? "The request" : named, text: null };
}

function sentence(issue: Issue, { label, text }: Subject): string {
  const unit = text?.unit ?? "";
  switch (issue.code) {
    case "too_big":
    case "too_small": {
      const big = issue.code === "too_big";
      const limit = Number(big ? issue.maximum : issue.minimum);
      const inclusive = issue.inclusive !== false;
      const bound = big ? (inclusive ? "at most" : "below") : inclusive ? "at least" : "above";
      if (issue.origin === "array" || issue.origin === "set") return `${label} must list ${bound} ${withUnit(limit, unit || "items")}`;
      if (issue.origin === "string") return `${label} must be ${bound} ${withUnit(limit, "characters")} long`;
      return `${label} must be ${bound} ${withUnit(limit, unit)}`;
    }
    case "invalid_type":
      return wrongType(label, issue.expected, text);
    case "invalid_value":
      return `${label} must be ${oneOf(issue.values.map(String))}`;
    case "unrecognized_keys":
      return issue.keys.map((key) => `"${key}" is not a known setting`).join("; ");
    case "not_multiple_of":
      return `${label} must be a multiple of ${withUnit(Number(issue.divisor), unit)}`;
    case "invalid_format":
    case "custom":
      return ownMessage(label, issue.message, issue.code === "invalid_format" ? "has the wrong format" : "is not valid");
    default:
      return `${label} is not valid`;
  }
}

function wrongType(label: string, expected: string, text: FieldText | null): string {
  const example = text ? ` such as ${withUnit(text.example, text.unit)}` : "";
  if (expected === "int") return `${label} must be a whole number${example}`;
  if (expected === "number") return `${label} must be a number${example}`;
  if (expected === "boolean") return `${label} must be on or off (true or false)`;
  if (expected === "array") return `${label} must be a list${text ? ` of symbols such as ${text.example}` : ""}`;
  if (expected === "string") return `${label} must be text`;
  if (expected === "object") return `${label} must be a JSON object`;
  return `${label} is not valid`;
}

/**
 * A message written in a schema: "must …" reads after the label; a whole
 * sentence of our own (a cross-field rule) stands as it is; zod's own
 * defaults ("Invalid …") are replaced by `fallback`.
 */
function ownMessage(label: string, message: string, fallback: string): string {
  if (/^(invalid|too |expected)/i.test(message)) return `${label} ${fallback}`;
  if (/^(must|is|has|should|cannot) /.test(message)) return `${label} ${message}`;
  return message;
}

/** "live, dry-run or paused". */
function oneOf(values: string[]): string {
  if (values.length <= 1) return values.join("");
  return `${values.slice(0, -1).join(", ")} or ${values.at(-1)}`;
}
