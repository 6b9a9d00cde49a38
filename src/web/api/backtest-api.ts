/**
 * The backtests' JSON API, for scripts (mounted at /api/backtests, behind the
 * same same-origin, auth and read-only middleware as the trader API):
 *  - POST /api/backtests {data_set, from?, to?, compare?, holdout_pct?, config?}
 *    → 202 {id} (Location: /api/backtests/:id); 400 {error, issues:[{path,
 *    message}]} naming each field (`config.max_leverage`, `holdout_pct` …);
 *    409 {error} while another run is running; 415 for a body that is not JSON;
 *  - GET /api/backtests → {runs: [summary…] newest first, data_sets: [name…]};
 *  - GET /api/backtests/:id → {summary, result} (result null until done), 404.
 * Where no backtests run (a read-only `web` instance) every route is 503.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { WebDeps } from "../deps.ts";
import { parseJsonBody } from "./validation.ts";

/** The body's shape is judged by the service (BacktestRequestSchema); here only "a JSON object". */
const AnyObject = z.looseObject({});

export const API_RUNS_LISTED = 50;

export function backtestApi(deps: WebDeps, unavailableText: string): Hono {
  const api = new Hono();
  const unavailable = (c: Context) => c.json({ error: unavailableText }, 503);

  api.post("/", async (c) => {
    const backtests = deps.backtests;
    if (!backtests) return unavailable(c);
    const body = await parseJsonBody(c, AnyObject);
    if (!body.ok) return body.response;
    const started = backtests.start(body.value);
    if (!started.ok) return c.json(started.status === 409 ? { error: started.error } : { error: started.error, issues: started.issues }, started.status);
    c.header("Location", `/api/backtests/${started.id}`);
    return c.json({ id: started.id }, 202);
  });

  api.get("/", (c) => {
    const backtests = deps.backtests;
    if (!backtests) return unavailable(c);
    return c.json({ runs: backtests.list(API_RUNS_LISTED), data_sets: backtests.sets().map((s) => s.name) });
  });

  api.get("/:id{[0-9]{1,12}}", (c) => {
    const backtests = deps.backtests;
    if (!backtests) return unavailable(c);
    const found = backtests.get(Number(c.req.param("id")));
    if (!found) return c.json({ error: `no backtest #${c.req.param("id")}` }, 404);
    return c.json(found);
  });

  return api;
}
