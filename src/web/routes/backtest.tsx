/**
 * The backtest pages and their form:
 *  - GET /backtest: the form (prefilled from the config in force) and the past runs;
 *  - POST /backtest: starts a run. Without JavaScript: 303 to /backtest/:id, or
 *    the page again with each refusal beside its field (400; 409 while another
 *    run is running, said in the flash). From htmx: the run page's <main> in
 *    place of the list's (HX-Retarget/HX-Reswap), its URL pushed, or the
 *    refusal in the flash with the form out of band;
 *  - GET /backtest/:id: one run (progress, error or results);
 *  - GET /backtest/:id/result.json | trades.csv | equity.csv: its files, as downloads.
 * Where no backtests run (a read-only `web` instance) the page says so, the
 * post is refused by the read-only middleware (503) and a run's page or file
 * answers 503 too. Auth and the same-origin check are app middleware.
 */
import { Hono, type Context } from "hono";
import type { TraderConfig } from "../../config/schema.ts";
import type { WebDeps } from "../deps.ts";
import { issuesByField, parseBacktestForm } from "../forms/backtest-form.ts";
import type { BacktestView } from "../render/backtest-view.tsx";
import { escapeHtml } from "../render/fragment-cache.ts";
import { toHtml } from "../render/to-html.ts";
import { BACKTEST_FILES } from "../../../views/backtest/results.tsx";
import { BACKTEST_MAIN_ID } from "../../../views/backtest/pages.tsx";
import { FlashMessage } from "../../../views/pages.tsx";
import { isHtmx, readForm } from "./form-body.ts";

const RUN_ID = /^\d{1,12}$/;

export function backtestRoutes(deps: WebDeps, view: BacktestView, config: () => TraderConfig): Hono {
  const routes = new Hono();

  function unavailable(c: Context): Response {
    const text = view.unavailable;
    if (isHtmx(c)) return c.html(toHtml(<FlashMessage ok={false} message={text} />), 503);
    return c.html(`<!doctype html><title>Backtests</title><p>${escapeHtml(text)}</p><p><a href="/backtest">Back</a></p>`, 503);
  }

  routes.get("/", (c) => c.html(view.listPage()));

  routes.post("/", async (c) => {
    const backtests = deps.backtests;
    if (!backtests) return unavailable(c);
    const form = await readForm(c);
    if (!form.ok) return c.text(form.error, form.status);
    const parsed = parseBacktestForm(form.fields, config());
    if (!parsed.ok) return refused(c, "Backtest not started: see the fields marked below", parsed.values, parsed.issues, 400);
    const started = backtests.start(parsed.request);
    if (!started.ok) return refused(c, started.error, parsed.values, issuesByField(started.issues), started.status);
    const location = `/backtest/${started.id}`;
    if (!isHtmx(c)) return c.redirect(location, 303);
    const main = view.runMain(started.id, { nested: true }) ?? "";
    c.header("HX-Retarget", `#${BACKTEST_MAIN_ID}`);
    c.header("HX-Reswap", "outerHTML");
    c.header("HX-Push-Url", location);
    const flash = `<div id="flash" hx-swap-oob="innerHTML">${toHtml(<FlashMessage ok={true} message={`Backtest #${started.id} started`} />)}</div>`;
    return c.html(`<title>Backtest #${started.id}</title>${main}${flash}`);
  });

  /** A refused form: the flash says why; the form shows each issue beside its field and keeps what was typed. */
  function refused(c: Context, message: string, values: Record<string, string>, issues: Record<string, string>, status: 400 | 409): Response {
    const flash = toHtml(<FlashMessage ok={false} message={message} />);
    // A 409 (another run is running) is about the moment, not the fields: the form stays as it was typed.
    if (isHtmx(c)) return c.html(flash + view.formPanel({ values, issues }), status);
    return c.html(view.listPage({ values, issues }, flash), status);
  }

  routes.get("/:id", (c) => {
    const id = c.req.param("id");
    if (!RUN_ID.test(id)) return c.text(`Not found: ${c.req.path}`, 404);
    if (!deps.backtests) return unavailable(c);
    const page = view.runPage(Number(id));
    if (page === null) return c.html(`<!doctype html><title>No such backtest</title><p>There is no backtest #${escapeHtml(id)}.</p><p><a href="/backtest">All backtests</a></p>`, 404);
    return c.html(page);
  });

  routes.get("/:id/:file", (c) => {
    const id = c.req.param("id");
    const name = c.req.param("file");
    if (!RUN_ID.test(id) || !(BACKTEST_FILES as readonly string[]).includes(name)) return c.text(`Not found: ${c.req.path}`, 404);
    const backtests = deps.backtests;
    if (!backtests) return unavailable(c);
    const file = backtests.file(Number(id), name);
    if (!file) {
      const run = backtests.get(Number(id))?.summary ?? null;
      const why = run === null ? `there is no backtest #${id}` : run.status === "running" ? `backtest #${id} is still running` : `backtest #${id} failed and has no files`;
      return c.text(`No ${name}: ${why}`, 404);
    }
    c.header("Content-Type", `${file.type}; charset=utf-8`);
    c.header("Content-Disposition", `attachment; filename="${file.filename}"`);
    return c.body(file.text);
  });

  return routes;
}
