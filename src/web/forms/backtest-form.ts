/**
 * The /backtest form (`form#backtest-form`): its fields, named exactly as the
 * paths of the request's issues (`data_set`, `holdout_pct`,
 * `config.max_leverage` …) so a refusal lands beside its field, and the
 * parsing of a submitted form into a BacktestRequest. The service
 * (src/app/backtest-runs.ts) stays the judge: this only turns text into
 * numbers, and when some text is not a number it also asks the request schema
 * about the rest, so one post reports all its problems at once.
 */
import { BacktestRequestSchema, type BacktestRequest } from "../../app/backtest-runs.ts";
import { describeIssues, TraderConfigSchema, type TraderConfig } from "../../config/schema.ts";
import { CONFIG_FIELDS, type ConfigField } from "./config-fields.ts";
import type { FormFields } from "../routes/form-body.ts";

/** The config fields a backtest may override from the page (the rest is the config in force). */
export const BACKTEST_CONFIG_NAMES = [
  "position_size_pct",
  "max_positions",
  "max_leverage",
  "tp_pct",
  "sl_pct",
  "long_threshold",
  "short_threshold",
  "scan_interval_minutes",
  "use_ta_signals",
] as const satisfies readonly (keyof TraderConfig)[];

export const BACKTEST_CONFIG_FIELDS: readonly ConfigField[] = BACKTEST_CONFIG_NAMES.map((name) => {
  const field = CONFIG_FIELDS.find((f) => f.name === name);
  if (!field) throw new Error(`no config field ${name}`);
  return field;
});

/** Every name the form posts, in page order. */
export const BACKTEST_FORM_NAMES = ["data_set", "from", "to", "compare", "holdout_pct", ...BACKTEST_CONFIG_NAMES.map((n) => `config.${n}`)] as const;

export type FieldIssues = Record<string, string>;

export type ParsedBacktestForm =
  | { ok: true; request: BacktestRequest; values: Record<string, string> }
  | { ok: false; issues: FieldIssues; values: Record<string, string> };

const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

function last(fields: FormFields, name: string): string | undefined {
  const values = fields[name];
  return values === undefined ? undefined : (values[values.length - 1] ?? "");
}

function checked(fields: FormFields, name: string): boolean {
  return (fields[name] ?? []).some((v) => v === "true" || v === "on");
}

/**
 * The submitted form as a request. `current` is the config in force (the
 * service merges the overrides onto it); it is used here only to check the
 * rule across fields (stop-loss before liquidation) when the form has other
 * problems too.
 */
export function parseBacktestForm(fields: FormFields, current: TraderConfig): ParsedBacktestForm {
  const issues: FieldIssues = {};
  const values: Record<string, string> = {};
  for (const name of ["data_set", "from", "to", "holdout_pct"]) values[name] = (last(fields, name) ?? "").trim();
  values.compare = String(checked(fields, "compare"));

  const request: Record<string, unknown> = { data_set: values.data_set, compare: values.compare === "true" };
  if (values.data_set === "") issues.data_set = "choose a data set";
  for (const name of ["from", "to"] as const) if (values[name] !== "") request[name] = values[name];
  if (values.holdout_pct === "") request.holdout_pct = null;
  else if (NUMBER_TEXT.test(values.holdout_pct ?? "")) request.holdout_pct = Number(values.holdout_pct);
  else issues.holdout_pct = `"${values.holdout_pct}" is not a number (1 – 90, empty = no holdout)`;

  const config: Record<string, unknown> = {};
  for (const field of BACKTEST_CONFIG_FIELDS) {
    const name = `config.${field.name}`;
    if (field.kind === "boolean") {
      if (fields[name] === undefined) continue;
      values[name] = String(checked(fields, name));
      // A comparison runs the bonus off and on: the single run's switch is not part of its request.
      if (field.name === "use_ta_signals" && request.compare === true) continue;
      config[field.name] = checked(fields, name);
      continue;
    }
    const text = last(fields, name);
    if (text === undefined) continue;
    const trimmed = text.trim();
    values[name] = trimmed;
    if (trimmed === "") {
      if (field.kind === "optional-number") config[field.name] = null;
      else issues[name] = `required: enter a number (${field.range})`;
      continue;
    }
    if (!NUMBER_TEXT.test(trimmed)) {
      issues[name] = `"${trimmed}" is not a number (${field.range})`;
      continue;
    }
    config[field.name] = Number(trimmed);
  }
  request.config = config;

  if (Object.keys(issues).length === 0) return { ok: true, request: request as BacktestRequest, values };
  // Some text is not a number: ask the schemas about everything else too.
  const checkedRequest = BacktestRequestSchema.safeParse(request);
  if (!checkedRequest.success) {
    for (const issue of describeIssues(checkedRequest.error)) issues[issue.path] ??= issue.message;
  } else {
    const merged = TraderConfigSchema.safeParse({ ...current, ...checkedRequest.data.config });
    if (!merged.success) for (const issue of describeIssues(merged.error)) issues[`config.${issue.path}`] ??= issue.message;
  }
  return { ok: false, issues, values };
}

/** Issues as the service returns them (`[{path, message}]`) → field name → first message. */
export function issuesByField(list: readonly { path: string; message: string }[]): FieldIssues {
  const issues: FieldIssues = {};
  for (const issue of list) issues[issue.path] ??= issue.message;
  return issues;
}
