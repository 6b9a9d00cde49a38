/**
 * Refusals a trader reads (issue 12, item 5f): the config form's flash line
 * and field message, and the JSON API's error, say what is wrong in the
 * trader's words — never the validation library's.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { setQuiet } from "../../src/log.ts";
import { createApp, type DashboardApp } from "../../src/web/app.ts";
import { makeSignals, makeWorld, type FakeWorld } from "./fakes.ts";
import { waitFor } from "../helpers/wait.ts";
import { elementById, postForm, postJson } from "./helpers.ts";

setQuiet(true);

const LIBRARY_PHRASING = /too big|too small|expected|received|invalid (input|option|string)|unrecognized|<=|>=/i;

let opened: { app: DashboardApp; world: FakeWorld }[] = [];
afterEach(async () => {
  for (const { app, world } of opened) {
    app.hub.close();
    await world.controller.shutdown();
  }
  opened = [];
});

async function setup() {
  const world = makeWorld();
  await world.controller.boot();
  const created = createApp(world.deps);
  opened.push({ app: created, world });
  return { ...created, world };
}

describe("config refusals in a trader's words", () => {
  test("the form: flash and field message say 'Max leverage must be at most 100×'", async () => {
    const { app } = await setup();
    const html = await (await postForm(app, "/trader/config", { max_leverage: "500", position_size_pct: "60" }, { htmx: true })).text();
    const flash = /<p class="flash error">([^<]*)<\/p>/.exec(html)?.[1] ?? "";
    expect(flash).toBe("Config not saved: Position size must be at most 50 %; Max leverage must be at most 100×");
    expect(elementById(html, "error-max_leverage")).toContain("Max leverage must be at most 100×");
    expect(elementById(html, "error-position_size_pct")).toContain("Position size must be at most 50 %");
    expect(html).not.toMatch(LIBRARY_PHRASING);
  });

  test("the JSON API: 400 with each issue's sentence", async () => {
    const { app } = await setup();
    const res = await postJson(app, "/api/trader/config", { max_leverage: 500, mode: "yolo" }, { origin: "http://localhost" });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; issues: { path: string; message: string }[] };
    expect(body.issues).toEqual([
      { path: "mode", message: "Mode must be live, dry-run or paused" },
      { path: "max_leverage", message: "Max leverage must be at most 100×" },
    ]);
    expect(body.error).not.toMatch(LIBRARY_PHRASING);
  });
});

describe("a live refusal (issue 12, item 5c)", () => {
  const CREDENTIALS = "COINEX_ACCESS_ID";
  const MARKET = "the market source is sim";

  test("lists every reason — credentials AND the market source — under the mode selector", async () => {
    const { app } = await setup();
    const html = await (await app.request("/trader")).text();
    const reasons = elementById(html, "live-reason");
    expect(reasons).toContain(CREDENTIALS);
    expect(reasons).toContain(MARKET);
    expect(reasons.match(/<li>/g)?.length).toBe(2);
  });

  test("a refused switch shows the reasons once, not in the flash, the mode error and the list", async () => {
    const { app } = await setup();
    for (const htmx of [true, false]) {
      const res = await postForm(app, "/trader/mode", { mode: "live", confirm: "LIVE" }, { htmx });
      expect(res.status).toBe(422);
      // The activity log keeps its record of the refusal; the rest of the answer says it once.
      const all = await res.text();
      const html = ["trade", "error", "signal", "cycle", "control"].reduce((text, kind) => text.replace(elementById(text, `log-${kind}`), ""), all);
      expect(html.split(CREDENTIALS).length - 1).toBe(1);
      expect(html.split(MARKET).length - 1).toBe(1);
      expect(html).toContain("Mode not changed");
    }
  });

  test("the JSON API names every reason in its refusal", async () => {
    const { app } = await setup();
    const res = await postJson(app, "/api/trader/mode", { mode: "live", confirm: "LIVE" }, { origin: "http://localhost" });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { message: string };
    expect(body.message).toContain(CREDENTIALS);
    expect(body.message).toContain(MARKET);
  });
});

describe("dangerous controls without JavaScript ask first, with a confirmation that cannot be skipped or replayed (issue 12, item 5d)", () => {
  async function withPositions() {
    const context = await setup();
    makeSignals(context.world, ["BTCUSDT", "ETHUSDT"]);
    expect((await postJson(context.app, "/api/trader/mode", { mode: "dry-run" }, { origin: "http://localhost" })).status).toBe(200);
    expect((await postJson(context.app, "/api/trader/control", { action: "run-cycle" }, { origin: "http://localhost" })).status).toBe(200);
    expect(context.world.exchange.positions).toHaveLength(2);
    return context;
  }

  /** The hidden fields of the confirmation page's form. */
  function confirmationFields(html: string): Record<string, string> {
    const form = /<form method="post" action="[^"]+">([\s\S]*?)<\/form>/.exec(html)?.[1] ?? "";
    return Object.fromEntries([...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
  }

  for (const [path, done] of [
    ["/trader/emergency-stop", (world: FakeWorld) => world.exchange.positions.length === 0 && world.lock.value?.source === "emergency_stop"],
    ["/trader/close-all", (world: FakeWorld) => world.exchange.positions.length === 0],
  ] as const) {
    test(`${path}: a plain post that merely says confirm=yes is asked again, not obeyed`, async () => {
      const { app, world } = await withPositions();
      const forged = await postForm(app, path, { confirm: "yes" });
      expect(forged.status).toBe(200);
      expect(await forged.text()).toContain('id="confirm-action"');
      expect(world.exchange.positions).toHaveLength(2);
    });

    test(`${path}: the confirmation page's own form acts once; posting it again asks again`, async () => {
      const { app, world } = await withPositions();
      const ask = await postForm(app, path, {});
      const fields = confirmationFields(await ask.text());
      expect(fields.confirm_token).toMatch(/^[0-9a-f]{32}$/);
      const confirmed = await postForm(app, path, fields);
      expect(confirmed.status).toBe(303);
      expect(done(world)).toBe(true);
      // A replay of the same confirmation (a refresh, a resubmitted form) is not a confirmation.
      await postJson(app, "/api/trader/control", { action: "clear-lockfile" }, { origin: "http://localhost" });
      await postJson(app, "/api/trader/control", { action: "run-cycle" }, { origin: "http://localhost" });
      const reopened = world.exchange.positions.length;
      const replay = await postForm(app, path, fields);
      expect(await replay.text()).toContain('id="confirm-action"');
      expect(world.exchange.positions.length).toBe(reopened);
    });

    test(`${path}: with htmx (hx-confirm already asked) one click acts`, async () => {
      const { app, world } = await withPositions();
      const res = await postForm(app, path, {}, { htmx: true });
      expect(res.status).toBe(200);
      expect(done(world)).toBe(true);
    });
  }
});

describe("a config that trips the kill switch (issue 12, item 5e)", () => {
  /** Trader ON in dry-run with two positions, the equity 20 % below the baseline (10,000). */
  async function inDrawdown(options: { running: boolean }) {
    const context = await setup();
    const { app, world } = context;
    makeSignals(world, ["BTCUSDT", "ETHUSDT"]);
    expect((await postJson(app, "/api/trader/mode", { mode: "dry-run" }, { origin: "http://localhost" })).status).toBe(200);
    expect((await postJson(app, "/api/trader/control", { action: "run-cycle" }, { origin: "http://localhost" })).status).toBe(200);
    if (options.running) {
      expect((await postJson(app, "/api/trader/control", { action: "start" }, { origin: "http://localhost" })).status).toBe(200);
      await waitFor("the first cycle after ON", () => world.controller.status().last_cycle !== null && world.record.entries.filter((e) => e.kind === "cycle").length >= 2);
    }
    world.exchange.balance = { equity: 8000, available: 7000, margin: 1000, unrealized_pnl: -2000 };
    await world.controller.refreshAccount();
    expect(world.controller.status().account?.drawdown_pct).toBeCloseTo(20, 6);
    expect(world.exchange.positions).toHaveLength(2);
    return context;
  }

  function flashOf(html: string): string {
    return /<p class="flash [a-z]+">([^<]*)<\/p>/.exec(html)?.[1] ?? "";
  }

  test("before: the form says it would trip and saves nothing until the owner confirms", async () => {
    const { app, world } = await inDrawdown({ running: true });
    const res = await postForm(app, "/trader/config", { kill_switch_drawdown_pct: "15", max_leverage: "10" }, { htmx: true });
    const html = await res.text();
    expect(world.config.config.kill_switch_drawdown_pct).toBe(50);
    expect(world.exchange.positions).toHaveLength(2);
    expect(flashOf(html)).toContain("not saved yet");
    const warning = elementById(html, "kill-switch-warning");
    expect(warning).toContain("20.00 %");
    expect(warning).toContain("trips at once");
    expect(warning).toContain('name="confirm_kill_switch"');
    // The submitted value is kept in the form, so confirming is one click.
    expect(elementById(html, "cfg-kill_switch_drawdown_pct")).toContain('value="15"');
  });

  test("after: confirmed, it is saved, the kill switch trips at once and the flash says trading stopped", async () => {
    const { app, world } = await inDrawdown({ running: true });
    const res = await postForm(app, "/trader/config", { kill_switch_drawdown_pct: "15", confirm_kill_switch: "yes" }, { htmx: true });
    const flash = flashOf(await res.text());
    expect(world.config.config.kill_switch_drawdown_pct).toBe(15);
    expect(flash).toContain("Config saved: kill_switch_drawdown_pct = 15");
    expect(flash).toContain("kill switch tripped");
    expect(flash).toContain("trading stopped");
    expect(world.exchange.positions).toHaveLength(0);
    expect(world.lock.value?.source).toBe("kill_switch");
    expect(world.controller.status().mode).toBe("paused");
  });

  test("with the trader OFF it cannot trip now: saved, with the warning that it trips at the first cycle", async () => {
    const { app, world } = await inDrawdown({ running: false });
    const res = await postForm(app, "/trader/config", { kill_switch_drawdown_pct: "15", confirm_kill_switch: "yes" }, { htmx: true });
    const flash = flashOf(await res.text());
    expect(world.config.config.kill_switch_drawdown_pct).toBe(15);
    expect(flash).toContain("trips at the first cycle");
    expect(world.exchange.positions).toHaveLength(2);
    expect(world.lock.value).toBeNull();
  });

  test("the JSON API: saved, tripped at once, and the X-Config-Warnings header says so", async () => {
    const { app, world } = await inDrawdown({ running: true });
    const res = await postJson(app, "/api/trader/config", { kill_switch_drawdown_pct: 15 }, { origin: "http://localhost" });
    expect(res.status).toBe(200);
    expect(decodeURIComponent(res.headers.get("x-config-warnings") ?? "")).toContain("kill switch tripped");
    expect(world.exchange.positions).toHaveLength(0);
  });
});
