/**
 * The /trader notifications form (`form#notify-form`) to a whole
 * `notifications` block: one on / silent / off per event, `dry_run_trades`,
 * `daily_summary_hour_utc`. A field not sent keeps its value; any problem means
 * nothing is saved, and each is reported beside its own field.
 */
import { NOTIFY_EVENTS, NOTIFY_LEVELS, NotificationsPatchSchema, completeNotifications, describeIssues, type NotificationSettings } from "../config/schema.ts";

export const HOUR_RANGE = "0 – 23, whole hour (UTC)";

export type ParsedNotificationsForm =
  | { ok: true; settings: NotificationSettings; changed: (keyof NotificationSettings)[] }
  | { ok: false; issues: Record<string, string>; values: Record<string, string> };

const LEVEL_FIELDS: readonly string[] = [...NOTIFY_EVENTS, "dry_run_trades"];

export function parseNotificationsForm(form: Record<string, string[]>, current: NotificationSettings): ParsedNotificationsForm {
  const issues: Record<string, string> = {};
  const values: Record<string, string> = {};
  const raw: Record<string, unknown> = {};
  for (const [name, submitted] of Object.entries(form)) {
    const text = (submitted[submitted.length - 1] ?? "").trim();
    values[name] = text;
    if (LEVEL_FIELDS.includes(name)) raw[name] = text;
    else if (name === "daily_summary_hour_utc") {
      if (/^\d{1,2}$/.test(text)) raw[name] = Number(text);
      else issues[name] = `"${text}" is not a whole hour (${HOUR_RANGE})`;
    } else issues[name] = `unknown setting "${name}"`;
  }
  const parsed = NotificationsPatchSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of describeIssues(parsed.error)) {
      issues[issue.path] ??= issue.path === "daily_summary_hour_utc" ? `${issue.message} (${HOUR_RANGE})` : `choose ${NOTIFY_LEVELS.join(", ")}`;
    }
  }
  if (!parsed.success || Object.keys(issues).length > 0) return { ok: false, issues, values };
  const settings = completeNotifications(current, parsed.data);
  const changed = (Object.keys(settings) as (keyof NotificationSettings)[]).filter((key) => settings[key] !== current[key]);
  return { ok: true, settings, changed };
}
