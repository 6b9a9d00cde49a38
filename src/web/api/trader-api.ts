/**
 * The JSON API of the trader: every control the dashboard has, for scripts.
 * Each route validates its input with zod (400 naming the field), calls the
 * one TraderController, and answers JSON. Auth and the same-origin check are
 * middleware mounted in front of it (src/web/security/).
 */
import { Hono } from "hono";
import { z } from "zod";
import { TRADER_MODES, TraderConfigPatchSchema } from "../../config/schema.ts";
import type { WebDeps } from "../deps.ts";
import { parseJsonBody, validate } from "./validation.ts";

const ConfigBodySchema = TraderConfigPatchSchema.extend({
  confirm: z.string().optional(),
}).strict();

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

const ClosePositionSchema = z.object({ symbol: z.string().regex(/^[A-Z0-9]{1,20}USDT$/, "must be a symbol such as BTCUSDT") }).strict();

const LogsQuerySchema = z
  .object({
    kind: z.enum(["trade", "error", "signal", "cycle", "control"]).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

export function traderApi(deps: WebDeps): Hono {
  const api = new Hono();
  const { controller } = deps;

  api.get("/status", (c) => c.json(controller.status()));

  api.post("/config", async (c) => {
    const body = await parseJsonBody(c, ConfigBodySchema);
    if (!body.ok) return body.response;
    const { confirm, ...patch } = body.value;
    const result = await controller.updateConfig(patch, "api", confirm);
    if (!result.ok) return c.json({ error: result.error, issues: result.issues }, 400);
    // Settings that are valid but probably a mistake (a take-profit below the fees) ride in a header,
    // so the answer stays the config in force.
    if (result.warnings?.length) c.header("X-Config-Warnings", encodeURIComponent(result.warnings.join("; ")));
    return c.json(result.config);
  });

  api.post("/mode", async (c) => {
    const body = await parseJsonBody(c, ModeBodySchema);
    if (!body.ok) return body.response;
    const result = await controller.setMode(body.value.mode, body.value.confirm, "api");
    return c.json(result, result.ok ? 200 : 400);
  });

  api.post("/control", async (c) => {
    const body = await parseJsonBody(c, ControlBodySchema);
    if (!body.ok) return body.response;
    const action = body.value.action;
    const result =
      action === "start" ? await controller.start("api")
      : action === "stop" ? await controller.stop("api")
      : action === "pause" ? await controller.pause("api")
      : action === "emergency-stop" ? await controller.emergencyStop("api")
      : action === "clear-lockfile" ? await controller.clearLock("api")
      : action === "reset-baseline" ? await controller.resetBaseline("api")
      : action === "cancel-closing" ? await controller.cancelClosing(body.value.symbol ?? "", "api")
      : await controller.runCycleNow("api");
    // An emergency stop with a failed close is reported, not hidden: 502 so scripts notice.
    return c.json({ action, ...result, status: controller.status() }, result.ok || action === "run-cycle" ? 200 : 502);
  });

  api.post("/close-position", async (c) => {
    const body = await parseJsonBody(c, ClosePositionSchema);
    if (!body.ok) return body.response;
    try {
      const result = await controller.closePosition(body.value.symbol, "api");
      const { status, ...rest } = result;
      return c.json(rest, status as 200 | 404 | 502);
    } catch (error) {
      return c.json({ ok: false, message: `exchange error: ${(error as Error).message}` }, 502);
    }
  });

  api.post("/close-all", async (c) => {
    try {
      const result = await controller.closeAllPositions("api");
      return c.json(result, result.ok ? 200 : 502);
    } catch (error) {
      return c.json({ ok: false, message: `exchange error: ${(error as Error).message}` }, 502);
    }
  });

  api.get("/logs", (c) => {
    const query = validate(c, LogsQuerySchema, c.req.query());
    if (!query.ok) return query.response;
    return c.json({ entries: deps.record.logs(query.value) });
  });

  return api;
}
