/**
 * The JSON API of the trader: every control the dashboard has, for scripts.
 * Each route validates its input with zod (400 naming the field), calls the
 * one TraderController, and answers JSON. Auth and the same-origin check are
 * middleware mounted in front of it (src/web/security/).
 */
import { Hono } from "hono";
import { z } from "zod";
import { NotificationsPatchSchema, TRADER_MODES, TraderConfigPatchSchema, completeNotifications } from "../../config/schema.ts";
import { CONTROL_DEADLINE_MS, stillRunning, withinDeadline } from "../control-deadline.ts";
import type { WebDeps } from "../deps.ts";
import { parseJsonBody, validate } from "./validation.ts";

const ConfigBodySchema = TraderConfigPatchSchema.extend({
  confirm: z.string().optional(),
  /** Some notification settings: the others keep their values. */
  notifications: NotificationsPatchSchema.optional(),
}).strict();

const NotificationTestSchema = z.object({ channel: z.enum(["telegram", "webhook", "ntfy"]) }).strict();

const ControlBodySchema = z
  .object({
    action: z.enum(["start", "stop", "pause", "emergency-stop", "clear-lockfile", "run-cycle", "reset-baseline", "cancel-closing"]),
    /** cancel-closing: the symbol whose close the bot stops retrying. */
    symbol: z.string().regex(/^[A-Z0-9]{1,20}USDT$/, "must be a symbol such as BTCUSDT").optional(),
    /** reset-baseline: the word RESET, so a script cannot move the kill switch's baseline by accident. */
    confirm: z.string().optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.action === "cancel-closing" && body.symbol === undefined) ctx.addIssue({ code: "custom", path: ["symbol"], message: "cancel-closing needs the symbol whose close to stop retrying" });
    if (body.action === "reset-baseline" && body.confirm !== "RESET") ctx.addIssue({ code: "custom", path: ["confirm"], message: 'reset-baseline needs "confirm": "RESET"' });
  });

const ModeBodySchema = z.object({ mode: z.enum(TRADER_MODES), confirm: z.string().optional() }).strict();

/** close-all takes no parameters; a body, when sent, must be `{}` (see parseJsonBody's "optional"). */
const CloseAllSchema = z.object({}).strict();

const ClosePositionSchema = z.object({ symbol: z.string().regex(/^[A-Z0-9]{1,20}USDT$/, "must be a symbol such as BTCUSDT") }).strict();

const LogsQuerySchema = z
  .object({
    kind: z.enum(["trade", "error", "signal", "cycle", "control"]).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

/** What each control is called in a "still running" answer. */
const ACTION_NAMES: Record<z.infer<typeof ControlBodySchema>["action"], string> = {
  start: "Start",
  stop: "Stop",
  pause: "Pause",
  "emergency-stop": "Emergency stop",
  "clear-lockfile": "Clear lockfile",
  "run-cycle": "Run cycle",
  "reset-baseline": "Reset baseline",
  "cancel-closing": "Stop retrying",
};

export interface TraderApiOptions {
  /** Controls still running after this answer 202 and finish in the background (see control-deadline.ts). */
  controlDeadlineMs?: number;
  /** GET /status's JSON text, cached per state change (src/web/render/status-json.ts); default: serialised per request. */
  statusBody?: () => string;
}

export function traderApi(deps: WebDeps, options: TraderApiOptions = {}): Hono {
  const api = new Hono();
  const { controller } = deps;
  const deadlineMs = options.controlDeadlineMs ?? CONTROL_DEADLINE_MS;

  const statusBody = options.statusBody ?? (() => JSON.stringify(controller.status()));
  api.get("/status", (c) => c.body(statusBody(), 200, { "content-type": "application/json" }));

  api.post("/config", async (c) => {
    const body = await parseJsonBody(c, ConfigBodySchema);
    if (!body.ok) return body.response;
    const { confirm, notifications, ...rest } = body.value;
    // The config takes the notifications block whole: complete it from the settings in force.
    const patch = notifications ? { ...rest, notifications: completeNotifications(controller.status().config.notifications, notifications) } : rest;
    const result = await controller.updateConfig(patch, "api", confirm);
    // A disk fault (the file could not be written) is not the caller's mistake: 500, naming the file.
    if (!result.ok && result.storage) return c.json({ error: result.error }, 500);
    if (!result.ok) return c.json({ error: result.error, issues: result.issues }, 400);
    // Settings that are valid but probably a mistake (a take-profit below the fees), and a kill
    // switch the new limit tripped at once, ride in a header, so the answer stays the config in force.
    const warnings = [...(result.warnings ?? []), ...(result.killSwitch ? [`kill switch tripped (${result.killSwitch}): every position closed, lockfile written, trader paused`] : [])];
    if (warnings.length) c.header("X-Config-Warnings", encodeURIComponent(warnings.join("; ")));
    return c.json(result.config);
  });

  api.post("/mode", async (c) => {
    const body = await parseJsonBody(c, ModeBodySchema);
    if (!body.ok) return body.response;
    const result = await controller.setMode(body.value.mode, body.value.confirm, "api");
    // A refusal is the caller's to fix (400); a file that could not be written is not (500).
    return c.json(result, result.ok ? 200 : result.storage ? 500 : 400);
  });

  api.post("/control", async (c) => {
    const body = await parseJsonBody(c, ControlBodySchema);
    if (!body.ok) return body.response;
    const action = body.value.action;
    const run = () =>
      action === "start" ? controller.start("api")
      : action === "stop" ? controller.stop("api")
      : action === "pause" ? controller.pause("api")
      : action === "emergency-stop" ? controller.emergencyStop("api")
      : action === "clear-lockfile" ? controller.clearLock("api")
      : action === "reset-baseline" ? controller.resetBaseline("api")
      : action === "cancel-closing" ? controller.cancelClosing(body.value.symbol ?? "", "api")
      : controller.runCycleNow("api");
    const outcome = await withinDeadline(ACTION_NAMES[action], run, deadlineMs);
    if (!outcome.done) return c.json({ action, ok: true, accepted: true, message: stillRunning(ACTION_NAMES[action]), status: controller.status() }, 202);
    const result = outcome.value;
    return c.json({ action, ...result, status: controller.status() }, result.ok || action === "run-cycle" ? 200 : failureStatus(action));
  });

  api.post("/close-position", async (c) => {
    const body = await parseJsonBody(c, ClosePositionSchema);
    if (!body.ok) return body.response;
    const what = `Close ${body.value.symbol}`;
    try {
      const outcome = await withinDeadline(what, () => controller.closePosition(body.value.symbol, "api"), deadlineMs);
      if (!outcome.done) return c.json({ ok: true, accepted: true, message: stillRunning(what) }, 202);
      const { status, ...rest } = outcome.value;
      return c.json(rest, status as 200 | 404 | 502);
    } catch (error) {
      return c.json({ ok: false, message: `exchange error: ${(error as Error).message}` }, 502);
    }
  });

  api.post("/close-all", async (c) => {
    const body = await parseJsonBody(c, CloseAllSchema, "optional");
    if (!body.ok) return body.response;
    try {
      const outcome = await withinDeadline("Close all", () => controller.closeAllPositions("api"), deadlineMs);
      if (!outcome.done) return c.json({ ok: true, accepted: true, message: stillRunning("Close all") }, 202);
      return c.json(outcome.value, outcome.value.ok ? 200 : 502);
    } catch (error) {
      return c.json({ ok: false, message: `exchange error: ${(error as Error).message}` }, 502);
    }
  });

  api.get("/notifications", (c) => {
    if (!deps.notifications) return c.json({ error: "notifications are sent by the trader process: this instance sends none" }, 503);
    return c.json({ ...deps.notifications.status(), settings: controller.status().config.notifications });
  });

  api.post("/notifications/test", async (c) => {
    const body = await parseJsonBody(c, NotificationTestSchema);
    if (!body.ok) return body.response;
    const notifications = deps.notifications;
    if (!notifications) return c.json({ error: "notifications are sent by the trader process: this instance sends none" }, 503);
    const { channel } = body.value;
    const configured = notifications.status().channels.some((ch) => ch.name === channel && ch.configured);
    const outcome = await withinDeadline("Test message", () => notifications.sendTest(channel), deadlineMs);
    if (!outcome.done) return c.json({ channel, ok: true, accepted: true, message: stillRunning("Test message") }, 202);
    return c.json({ channel, ...outcome.value }, outcome.value.ok ? 200 : configured ? 502 : 404);
  });

  api.get("/logs", (c) => {
    const query = validate(c, LogsQuerySchema, c.req.query());
    if (!query.ok) return query.response;
    return c.json({ entries: deps.record.logs(query.value) });
  });

  return api;
}

/**
 * The status of a control the controller refused or could not complete:
 * - cancel-closing: 404, there is no close of that symbol being retried;
 * - stop / pause: 500, their only failure is trader_state.json or the config
 *   file not being written (a disk fault, not the caller's mistake);
 * - the rest (emergency stop with a failed close or step, reset-baseline
 *   when the balance cannot be read): 502, so scripts notice.
 */
function failureStatus(action: z.infer<typeof ControlBodySchema>["action"]): 404 | 500 | 502 {
  if (action === "cancel-closing") return 404;
  if (action === "stop" || action === "pause") return 500;
  return 502;
}
