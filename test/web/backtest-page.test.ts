/**
 * The /backtest page and its form, over a REAL BacktestRuns on the fixtures
 * data set (test/web/fakes.ts): the form prefilled from the config in force,
 * a plain POST that redirects to the run's page or shows the form with each
 * refusal beside its field, the htmx POST that swaps the page for the run's
 * (pushing its URL), the run page while running / done / failed, the past
 * runs newest first, the downloads, and a read-only instance.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { setQuiet } from "../../src/log.ts";
import { createApp, type DashboardApp } from "../../src/web/app.ts";
import { makeWorld, type FakeWorld } from "./fakes.ts";
import { count, elementById, postForm, postJson } from "./helpers.ts";

setQuiet(true);

let opened: { app: DashboardApp; world: FakeWorld }[] = [];
afterEach(async () => {
  for (const { app, world } of opened) {
    app.hub.close();
    await world.disposeBacktests();
    await world.controller.shutdown();
  }
  opened = [];
});

async function setup(options: Parameters<typeof makeWorld>[0] = { backtests: true }) {
  const world = makeWorld(options);
  await world.controller.boot();
  const created = createApp(world.deps);
  opened.push({ app: created, world });
  return { app: created.app, world };
}

/** Every field of the form as a person leaves it: the prefilled overrides, the fixtures set, A/B with a holdout. */
function formFields(overrides: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  return {
    data_set: "fixtures",
    from: "",
    to: "",
    compare: "true",
    holdout_pct: "30",
    "config.position_size_pct": "5",
    "config.max_positions": "3",
    "config.max_leverage": "10",
    "config.tp_pct": "12",
    "config.sl_pct": "8",
    "config.long_threshold": "40",
    "config.short_threshold": "40",
    "config.scan_interval_minutes": "5",
    "config.use_ta_signals": ["false"],
    ...overrides,
  };
}

async function settled(world: FakeWorld): Promise<void> {
  await world.backtests?.settled();
}

function fieldError(html: string, name: string): string {
  const field = html.slice(html.indexOf(`data-field="${name}"`));
  const end = field.indexOf("data-field=", 12);
  const box = end > 0 ? field.slice(0, end) : field;
  return /class="field-error"[^>]*>([^<]*)</.exec(box)?.[1] ?? "";
}

describe("GET /backtest", () => {
  test("every page's header links to /backtest; the page has the form prefilled from the config in force and no runs yet", async () => {
    const { app, world } = await setup();
    for (const path of ["/", "/trader"]) expect(await (await app.request(path)).text()).toContain('<a href="/backtest"');
    expect((await postJson(app, "/api/trader/config", { max_leverage: 7, tp_pct: 15, sl_pct: null, use_ta_signals: true })).status).toBe(200);
    const res = await app.request("/backtest");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<a href="/backtest" aria-current="page"');
    // Live updates come through the page's own <main> (an htmx answer swaps it, and its socket with it).
    expect(html).toMatch(/<main[^>]* id="backtest-page"[^>]* ws-connect="\/ws\?page=backtest&amp;since=[0-9a-f]+\.\d+"/);
    const form = elementById(html, "backtest-form");
    expect(form).toContain('method="post"');
    expect(form).toContain('action="/backtest"');
    expect(form).toContain('hx-post="/backtest"');
    expect(form).toContain('<option value="fixtures"');
    expect(form).toContain('<option value="sample"');
    for (const name of ["data_set", "from", "to", "compare", "holdout_pct", "config.position_size_pct", "config.max_positions", "config.max_leverage", "config.tp_pct", "config.sl_pct", "config.long_threshold", "config.short_threshold", "config.scan_interval_minutes", "config.use_ta_signals"]) {
      expect(form).toContain(`name="${name}"`);
    }
    expect(form).toMatch(/name="config\.max_leverage"[^>]* value="7"/);
    expect(form).toMatch(/name="config\.tp_pct"[^>]* value="15"/);
    expect(form).toMatch(/name="config\.sl_pct"[^>]* value=""/);
    expect(form).toMatch(/name="config\.use_ta_signals" value="true" checked/);
    expect(world.deps.controller.status().config.max_leverage).toBe(7);
    expect(elementById(html, "backtest-runs")).toContain("No backtests yet");
  });
});

describe("POST /backtest without JavaScript", () => {
  test("a valid form starts a run and redirects to its page, which shows the result once done", async () => {
    const { app, world } = await setup();
    const res = await postForm(app, "/backtest", formFields());
    expect(res.status).toBe(303);
    const location = res.headers.get("location") ?? "";
    expect(location).toMatch(/^\/backtest\/\d+$/);
    const id = Number(location.split("/").pop());
    await settled(world);
    const page = await app.request(location);
    expect(page.status).toBe(200);
    const html = await page.text();
    const run = elementById(html, `backtest-run-${id}`);
    expect(run).toContain('data-status="done"');
    // A finished run never changes: its page has no live socket.
    expect(html).not.toContain("ws-connect=");
    // What the request asked for is what ran.
    const result = world.backtests?.get(id)?.result;
    expect(result?.runs.map((r) => r.label)).toEqual(["TA bonus off", "TA bonus on"]);
    expect(result?.config.long_threshold).toBe(40);
    expect(result?.period.holdout_pct).toBe(30);
    // A comparison runs the bonus both ways: the single run's switch is not sent.
    expect(world.backtests?.get(id)?.summary.request.config).not.toHaveProperty("use_ta_signals");
    expect(world.backtests?.get(id)?.summary.request.config).toMatchObject({ max_leverage: 10, tp_pct: 12, sl_pct: 8 });
    for (const section of ["charts", "metrics", "comparison", "holdout", "per-coin", "exit-reasons", "assumptions", "trades", "downloads"]) {
      expect(run).toContain(`data-section="${section}"`);
    }
    expect(run).toContain('data-chart="equity"');
    expect(run).toContain('data-chart="drawdown"');
    // The metric table is side by side, one column per run.
    const metrics = run.slice(run.indexOf('data-section="metrics"'));
    expect(metrics).toContain('<th scope="col">TA bonus off</th><th scope="col">TA bonus on</th>');
    for (const file of ["result.json", "trades.csv", "equity.csv"]) expect(run).toContain(`href="/backtest/${id}/${file}"`);
  });

  test("a refused form comes back with each refusal beside its field, the values kept, and nothing started", async () => {
    const { app, world } = await setup();
    const res = await postForm(app, "/backtest", formFields({ "config.max_leverage": "500", holdout_pct: "95", from: "yesterday", "config.position_size_pct": "lots" }));
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("<!doctype html>");
    expect(fieldError(html, "config.max_leverage")).toContain("100");
    expect(fieldError(html, "holdout_pct")).toContain("90");
    expect(fieldError(html, "from")).toContain("date");
    expect(fieldError(html, "config.position_size_pct")).toContain("not a number");
    expect(fieldError(html, "config.sl_pct")).toBe("");
    expect(fieldError(html, "data_set")).toBe("");
    const form = elementById(html, "backtest-form");
    expect(form).toMatch(/name="config\.max_leverage"[^>]* value="500"[^>]* aria-invalid="true"/);
    expect(form).toMatch(/name="from"[^>]* value="yesterday"/);
    expect(form).toMatch(/name="compare" value="true" checked/);
    expect(world.backtests?.list()).toEqual([]);
  });

  test("a refusal the config schema makes across fields (stop-loss beyond liquidation) is shown beside the stop-loss", async () => {
    const { app, world } = await setup();
    const res = await postForm(app, "/backtest", formFields({ "config.max_leverage": "100", "config.sl_pct": "60" }));
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(fieldError(html, "config.sl_pct")).toContain("liquidat");
    expect(world.backtests?.list()).toEqual([]);
  });

  test("a second run while one is running is refused with the reason (409)", async () => {
    const { app, world } = await setup();
    expect((await postForm(app, "/backtest", formFields())).status).toBe(303);
    const again = await postForm(app, "/backtest", formFields());
    expect(again.status).toBe(409);
    const html = await again.text();
    expect(elementById(html, "flash")).toContain("still running");
    expect(html).toContain('id="backtest-form"');
    await settled(world);
    expect(world.backtests?.list().length).toBe(1);
  });

  test("a run that fails (a period without data) shows its error on its page and in the list", async () => {
    const { app, world } = await setup();
    const res = await postForm(app, "/backtest", formFields({ from: "2030-01-01", to: "2030-01-02", compare: [], holdout_pct: "" }));
    expect(res.status).toBe(303);
    await settled(world);
    const location = res.headers.get("location") ?? "";
    const id = Number(location.split("/").pop());
    const run = elementById(await (await app.request(location)).text(), `backtest-run-${id}`);
    expect(run).toContain('data-status="failed"');
    expect(run).toContain("no data to trade between");
    expect(run).not.toContain('data-section="downloads"');
    const list = elementById(await (await app.request("/backtest")).text(), "backtest-runs");
    expect(list).toContain(`data-run="${id}"`);
    expect(list).toContain("no data to trade between");
  });
});

describe("POST /backtest from htmx", () => {
  test("a valid form answers with the run's page (swapped in place, its URL pushed) showing it running", async () => {
    const { app, world } = await setup();
    const res = await postForm(app, "/backtest", formFields(), { htmx: true });
    expect(res.status).toBe(200);
    const id = Number(/^\/backtest\/(\d+)$/.exec(res.headers.get("hx-push-url") ?? "")?.[1]);
    expect(id).toBeGreaterThan(0);
    expect(res.headers.get("hx-retarget")).toBe("#backtest-page");
    expect(res.headers.get("hx-reswap")).toBe("outerHTML");
    const html = await res.text();
    expect(html).toStartWith(`<title>Backtest #${id}</title>`);
    expect(html).toMatch(new RegExp(`<main[^>]* id="backtest-page"[^>]* ws-connect="/ws\\?page=backtest&amp;run=${id}&amp;since=[0-9a-f]+\\.\\d+"`));
    const run = elementById(html, `backtest-run-${id}`);
    expect(run).toContain('data-status="running"');
    expect(run).toMatch(/data-progress="\d+"/);
    // Inside the swapped <main>, the run panel is not an out-of-band swap of its own (no such element on the page yet).
    expect(run.slice(0, run.indexOf(">"))).not.toContain("hx-swap-oob");
    // The flash slot is emptied of an earlier refusal and says what happened.
    expect(html).toContain(`Backtest #${id} started`);
    await settled(world);
  });

  test("a refused form answers 400 with the refusal in the flash and the form, errors beside the fields, out of band", async () => {
    const { app, world } = await setup();
    const res = await postForm(app, "/backtest", formFields({ "config.max_leverage": "0" }), { htmx: true });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toStartWith('<p class="flash error">');
    expect(html).toContain("Backtest not started");
    const panel = elementById(html, "backtest-form-panel");
    expect(panel).toContain('hx-swap-oob="true"');
    expect(fieldError(panel, "config.max_leverage")).toContain("1");
    expect(world.backtests?.list()).toEqual([]);
  });

  test("while a run is running the refusal is a 409 flash", async () => {
    const { app, world } = await setup();
    expect((await postForm(app, "/backtest", formFields(), { htmx: true })).status).toBe(200);
    const res = await postForm(app, "/backtest", formFields(), { htmx: true });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("still running");
    await settled(world);
  });
});

describe("past runs and downloads", () => {
  test("runs are listed newest first with their headline, and each reopens at /backtest/:id", async () => {
    const { app, world } = await setup();
    const ids: number[] = [];
    for (const threshold of ["40", "60"]) {
      const res = await postForm(app, "/backtest", formFields({ compare: [], holdout_pct: "", "config.long_threshold": threshold }));
      ids.push(Number((res.headers.get("location") ?? "").split("/").pop()));
      await settled(world);
    }
    const list = elementById(await (await app.request("/backtest")).text(), "backtest-runs");
    expect(list.indexOf(`data-run="${ids[1]}"`)).toBeLessThan(list.indexOf(`data-run="${ids[0]}"`));
    expect(count(list, 'data-status="done"')).toBe(2);
    for (const id of ids) expect(list).toContain(`href="/backtest/${id}"`);
    // Headline: the total return with 2 decimals and a sign, the trade count.
    expect(list).toMatch(/[+−]?\d+\.\d{2}%/);
    const reopened = await app.request(`/backtest/${ids[0]}`);
    expect(reopened.status).toBe(200);
    expect(await reopened.text()).toContain(`id="backtest-run-${ids[0]}"`);
    expect((await app.request("/backtest/9999")).status).toBe(404);
    expect((await app.request("/backtest/abc")).status).toBe(404);
  });

  test("the three files download with their name in Content-Disposition; an unknown file or a running run's is 404", async () => {
    const { app, world } = await setup();
    const res = await postForm(app, "/backtest", formFields());
    const id = Number((res.headers.get("location") ?? "").split("/").pop());
    const early = await app.request(`/backtest/${id}/trades.csv`);
    expect(early.status).toBe(404);
    expect(await early.text()).toContain("still running");
    await settled(world);
    const expected: [string, string][] = [["result.json", "application/json"], ["trades.csv", "text/csv"], ["equity.csv", "text/csv"]];
    for (const [file, type] of expected) {
      const download = await app.request(`/backtest/${id}/${file}`);
      expect(download.status).toBe(200);
      expect(download.headers.get("content-type")).toStartWith(type);
      expect(download.headers.get("content-disposition")).toBe(`attachment; filename="backtest-${id}-${file}"`);
      const text = await download.text();
      expect(text).toBe(world.backtests?.file(id, file)?.text ?? "missing");
    }
    expect((await app.request(`/backtest/${id}/secrets.txt`)).status).toBe(404);
    expect((await app.request(`/backtest/9999/trades.csv`)).status).toBe(404);
  });
});

describe("where backtests do not run", () => {
  test("a read-only web instance says backtests run on the trader; starting one answers 503", async () => {
    const { app } = await setup({ readOnly: "Read-only web instance: the controls are on the trader process" });
    const res = await app.request("/backtest");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Backtests run on the trader process");
    expect(html).not.toContain('id="backtest-form"');
    expect(html).not.toContain("ws-connect=");
    const plain = await postForm(app, "/backtest", formFields());
    expect(plain.status).toBe(503);
    expect(await plain.text()).toContain('href="/backtest"');
    expect((await postForm(app, "/backtest", formFields(), { htmx: true })).status).toBe(503);
    expect((await app.request("/backtest/1")).status).toBe(503);
    expect((await app.request("/backtest/1/trades.csv")).status).toBe(503);
  });
});
