import { afterEach, describe, expect, test } from "bun:test";
import { setQuiet } from "../../src/log.ts";
import { createApp, type DashboardApp } from "../../src/web/app.ts";
import { makeSignals, makeWorld, type FakeWorld } from "./fakes.ts";
import { count, elementById, postForm, postJson } from "./helpers.ts";

setQuiet(true);

let opened: { app: DashboardApp; world: FakeWorld }[] = [];
afterEach(async () => {
  for (const { app, world } of opened) {
    app.hub.close();
    await world.controller.shutdown();
  }
  opened = [];
});

async function setup(world: FakeWorld = makeWorld()) {
  await world.controller.boot();
  const created = createApp(world.deps);
  opened.push({ app: created, world });
  return { ...created, world };
}

/** The single-use token of a no-JS confirmation page (src/web/routes/confirm-tokens.ts). */
function confirmToken(page: string): string {
  return /name="confirm_token" value="([0-9a-f]+)"/.exec(page)?.[1] ?? "";
}

async function openPositions(app: DashboardApp["app"], world: FakeWorld, symbols = ["BTCUSDT", "ETHUSDT"]) {
  makeSignals(world, symbols);
  expect((await postJson(app, "/api/trader/mode", { mode: "dry-run" })).status).toBe(200);
  expect((await postJson(app, "/api/trader/control", { action: "run-cycle" })).status).toBe(200);
  expect(world.exchange.positions.map((p) => p.symbol).sort()).toEqual([...symbols].sort());
}

describe("trader page", () => {
  test("has the controls, the account, positions, config form with every field, coin lists and log tabs", async () => {
    const { app } = await setup();
    const html = await (await app.request("/trader")).text();
    expect(html).toContain('id="emergency-stop"');
    expect(html).toContain('id="lock-status"');
    expect(html).toContain('<form method="post" action="/trader/config"');
    const form = elementById(html, "config");
    for (const name of ["position_size_pct", "max_positions", "max_leverage", "kill_switch_drawdown_pct", "tp_pct", "sl_pct", "circuit_breaker_threshold", "scan_interval_minutes", "long_threshold", "short_threshold", "reentry_cooldown_minutes", "use_ta_signals"]) {
      expect(form).toContain(`name="${name}"`);
    }
    const account = elementById(html, "account");
    for (const label of ["Equity", "Available", "Margin in use", "Unrealized P&amp;L", "Kill-switch baseline", "Drawdown", "Kill switch distance"]) expect(account).toContain(label);
    // The scripted exchange starts with 10,000 USDT equity, all available, no drawdown; kill switch at 50%.
    expect(account).toContain('data-metric="equity"><dt>Equity</dt><dd>10,000.00</dd>');
    expect(account).toContain('data-metric="kill_switch_distance_pct"><dt>Kill switch distance</dt><dd class="flat">50.00% (at 50%)</dd>');
    for (const tab of ["trade", "error", "signal", "cycle"]) expect(html).toContain(`id="log-${tab}"`);
    // The per-coin toggles are on a page of their own, linked from the panel.
    expect(count(elementById(html, "coin-lists"), "data-coin=")).toBe(0);
    expect(elementById(html, "coin-lists")).toContain('<a href="/trader/coins" id="coin-lists-edit">Edit per coin (29 coins) →</a>');
    const coins = await (await app.request("/trader/coins")).text();
    expect(count(elementById(coins, "coin-lists-table"), "data-coin=")).toBe(29);
    expect(coins).toContain("ws-connect=\"/ws?page=coins&amp;since=");
    expect(elementById(html, "live-reason")).toContain("<li>no CoinEx exchange");
  });

  test("positions opened through the API are listed with their numbers and a Close button", async () => {
    const { app, world } = await setup();
    await openPositions(app, world);
    const html = await (await app.request("/trader")).text();
    const positions = elementById(html, "positions");
    expect(count(positions, "data-position=")).toBe(2);
    const row = positions.slice(positions.indexOf('data-position="BTCUSDT"'), positions.indexOf('data-position="ETHUSDT"'));
    expect(row).toContain('class="long">long<');
    // The scripted exchange fills at the coin's price (BTC is the first fake coin: 10.0000).
    expect(row).toContain('data-label="Entry">10.0000<');
    expect(row).toContain('name="symbol" value="BTCUSDT"');
    expect(positions).toContain('id="close-all"');
  });

  test("the account shows the equity curve once snapshots exist", async () => {
    const world = makeWorld();
    world.record.snapshots.push({ at: 1, equity: 10000 }, { at: 2, equity: 10100 }, { at: 3, equity: 9900 });
    const { app } = await setup(world);
    const html = await (await app.request("/trader")).text();
    expect(elementById(html, "account")).toContain('class="equity-curve');
    expect(elementById(html, "account")).toContain("<polyline");
  });
});

describe("config form", () => {
  test("a valid edit is saved through the controller and the response carries the new form and a flash", async () => {
    const { app, world } = await setup();
    const res = await postForm(app, "/trader/config", { max_leverage: "5", tp_pct: "", sl_pct: "12.5", use_ta_signals: ["false", "true"] }, { htmx: true });
    expect(res.status).toBe(200);
    expect(world.config.config.max_leverage).toBe(5);
    expect(world.config.config.sl_pct).toBe(12.5);
    expect(world.config.config.tp_pct).toBeNull();
    expect(world.config.config.use_ta_signals).toBe(true);
    const html = await res.text();
    expect(html).toStartWith('<p class="flash ok">Config saved: max_leverage = 5');
    expect(elementById(html, "config-panel")).toContain('name="max_leverage" type="text" inputmode="decimal" autocomplete="off" value="5"');
    // The activity log records the change with origin page.
    expect(world.record.entries.some((e) => e.kind === "control" && e.origin === "page" && e.message.includes("max_leverage=5"))).toBe(true);
  });

  test("an invalid value is refused beside that field and nothing is saved (not even the valid fields)", async () => {
    const { app, world } = await setup();
    const res = await postForm(app, "/trader/config", { max_leverage: "500", sl_pct: "10" }, { htmx: true });
    expect(res.status).toBe(422);
    expect(world.config.saves).toBe(0);
    expect(world.config.config.max_leverage).toBe(10);
    expect(world.config.config.sl_pct).toBeNull();
    const html = await res.text();
    const field = elementById(html, "error-max_leverage");
    expect(field).toContain("100");
    const leverageField = html.slice(html.indexOf('data-field="max_leverage"'), html.indexOf('data-field="kill_switch_drawdown_pct"'));
    expect(leverageField).toContain('id="error-max_leverage"');
    expect(leverageField).toContain('value="500"');
    expect(html).not.toContain('id="error-sl_pct"');
    // The refusal outranks the cached copy of the same version (a late push of it must not undo the message).
    const page = await (await app.request("/trader")).text();
    const cached = /data-v="([0-9a-f]+\.\d+)" id="config-panel"/.exec(page)?.[1];
    expect(cached).toBeDefined();
    expect(html).toContain(`data-v="${cached}.1" id="config-panel"`);
  });

  test("text that is not a number is refused with what was typed", async () => {
    const { app, world } = await setup();
    const html = await (await postForm(app, "/trader/config", { position_size_pct: "5%" }, { htmx: true })).text();
    expect(elementById(html, "error-position_size_pct")).toContain("&quot;5%&quot; is not a number");
    expect(world.config.saves).toBe(0);
  });

  test("without htmx a valid post redirects to /trader and an invalid one shows the whole page with the error", async () => {
    const { app, world } = await setup();
    const ok = await postForm(app, "/trader/config", { max_positions: "2" });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe("/trader");
    expect(world.config.config.max_positions).toBe(2);
    const bad = await postForm(app, "/trader/config", { max_positions: "2.5" });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain("<!doctype html>");
    expect(elementById(html, "error-max_positions")).toContain("whole number");
    expect(world.config.config.max_positions).toBe(2);
  });

  test("an unchanged form saves nothing", async () => {
    const { app, world } = await setup();
    const html = await (await postForm(app, "/trader/config", { max_leverage: "10" }, { htmx: true })).text();
    expect(world.config.saves).toBe(0);
    expect(html).toContain("Config unchanged");
  });
});

describe("controls", () => {
  test("ON/OFF goes through the controller with origin page", async () => {
    const { app, world } = await setup();
    const res = await postForm(app, "/trader/control", { action: "start" }, { htmx: true });
    expect(res.status).toBe(200);
    expect(world.controller.status().running).toBe(true);
    expect(elementById(await res.text(), "trader-state")).toContain('id="running-state">ON<');
    await postForm(app, "/trader/control", { action: "stop" });
    expect(world.controller.status().running).toBe(false);
    expect(world.record.entries.filter((e) => e.kind === "control" && e.origin === "page").length).toBeGreaterThanOrEqual(2);
  });

  test("live is refused on a simulated market with the reason beside the selector; dry-run is accepted", async () => {
    const { app, world } = await setup();
    const refused = await postForm(app, "/trader/mode", { mode: "live", confirm: "LIVE" }, { htmx: true });
    expect(refused.status).toBe(422);
    // The reasons are listed once, under the selector (issue 12, item 5c).
    expect(elementById(await refused.text(), "live-reason")).toContain("the market source is sim");
    expect(world.config.config.mode).toBe("paused");
    const ok = await postForm(app, "/trader/mode", { mode: "dry-run", confirm: "" }, { htmx: true });
    expect(ok.status).toBe(200);
    expect(world.config.config.mode).toBe("dry-run");
  });

  test("Emergency Stop without JavaScript asks first; confirmed, it closes everything and locks", async () => {
    const { app, world } = await setup();
    await openPositions(app, world);
    const ask = await postForm(app, "/trader/emergency-stop", {});
    expect(ask.status).toBe(200);
    const page = await ask.text();
    expect(page).toContain('id="confirm-action"');
    expect(world.exchange.positions.length).toBe(2);
    const done = await postForm(app, "/trader/emergency-stop", { confirm_token: confirmToken(page) });
    expect(done.status).toBe(303);
    expect(world.exchange.positions.length).toBe(0);
    expect(world.lock.value?.source).toBe("emergency_stop");
    expect(world.config.config.mode).toBe("paused");
  });

  test("Emergency Stop from htmx (after hx-confirm) answers with the emptied positions table", async () => {
    const { app, world } = await setup();
    await openPositions(app, world);
    const res = await postForm(app, "/trader/emergency-stop", {}, { htmx: true });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(elementById(html, "positions")).toContain('id="no-positions"');
    expect(elementById(html, "lock-status")).toContain("LOCKED");
  });

  test("Close closes one position, Close All the rest", async () => {
    const { app, world } = await setup();
    await openPositions(app, world);
    const one = await postForm(app, "/trader/close-position", { symbol: "BTCUSDT" }, { htmx: true });
    expect(one.status).toBe(200);
    expect(world.exchange.positions.map((p) => p.symbol)).toEqual(["ETHUSDT"]);
    const html = await one.text();
    expect(html).not.toContain('data-position="BTCUSDT"');
    expect(html).toContain('data-position="ETHUSDT"');
    const missing = await postForm(app, "/trader/close-position", { symbol: "XRPUSDT" }, { htmx: true });
    expect(missing.status).toBe(422);
    expect(await missing.text()).toContain("No open position for XRPUSDT");
    const all = await postForm(app, "/trader/close-all", {}, { htmx: true });
    expect(all.status).toBe(200);
    expect(world.exchange.positions.length).toBe(0);
  });

  test("a failing exchange turns into a message, not a crash, and the activity log says so", async () => {
    const { app, world } = await setup();
    world.exchange.failNext = 10;
    const res = await postForm(app, "/trader/close-position", { symbol: "BTCUSDT" }, { htmx: true });
    expect(res.status).toBe(502);
    expect(await res.text()).toStartWith('<p class="flash error">Could not close BTCUSDT: the paper positions could not be read (injected failure in getPositions)');
    expect(world.record.entries.at(-1)?.message).toBe("close-position: Could not close BTCUSDT: the paper positions could not be read (injected failure in getPositions)");
  });

  test("Clear removes the lockfile", async () => {
    const locked = makeWorld();
    // A lockfile left by an earlier run: the controller reads it at boot.
    locked.lock.value = { reason: "circuit breaker: 3 failures", at: "2026-11-21T12:00:00.000Z", source: "circuit_breaker" };
    const { app, world } = await setup(locked);
    const before = await (await app.request("/trader")).text();
    expect(elementById(before, "lock-status")).toContain("circuit breaker: 3 failures");
    const cleared = await postForm(app, "/trader/control", { action: "clear-lock" }, { htmx: true });
    expect(world.lock.value).toBeNull();
    expect(elementById(await cleared.text(), "lock-status")).toContain("Lockfile: none");
  });

  test("coin toggles add to and remove from the lists; the coins page's answer carries its table", async () => {
    const { app, world } = await setup();
    await postForm(app, "/trader/coin-list", { toggle: "blacklist:DOGEUSDT:on", back: "coins" }, { htmx: true });
    await postForm(app, "/trader/coin-list", { toggle: "whitelist:BTCUSDT:on", back: "coins" }, { htmx: true });
    expect(world.config.config.coin_blacklist).toEqual(["DOGEUSDT"]);
    expect(world.config.config.coin_whitelist).toEqual(["BTCUSDT"]);
    const res = await postForm(app, "/trader/coin-list", { toggle: "blacklist:DOGEUSDT:off", back: "coins" }, { htmx: true });
    expect(world.config.config.coin_blacklist).toEqual([]);
    expect(elementById(await res.text(), "coin-lists-table")).toContain('value="blacklist:DOGEUSDT:on" aria-pressed="false"');
    const bad = await postForm(app, "/trader/coin-list", { toggle: "blacklist:NOPEUSDT:on", back: "coins" }, { htmx: true });
    expect(bad.status).toBe(422);
    // Without JavaScript: back to the coins page on success, the coins page with the refusal otherwise.
    const plain = await postForm(app, "/trader/coin-list", { toggle: "whitelist:BTCUSDT:off", back: "coins" });
    expect(plain.status).toBe(303);
    expect(plain.headers.get("location")).toBe("/trader/coins");
    const refused = await postForm(app, "/trader/coin-list", { toggle: "whitelist:NOPEUSDT:on", back: "coins" });
    expect(refused.status).toBe(422);
    const page = await refused.text();
    expect(elementById(page, "flash")).toContain("Bad coin toggle");
    expect(count(elementById(page, "coin-lists-table"), "data-coin=")).toBe(29);
    // A form from a /trader page rendered before the move still works and answers as /trader.
    const old = await postForm(app, "/trader/coin-list", { toggle: "blacklist:ETHUSDT:on" });
    expect(old.headers.get("location")).toBe("/trader");
    expect(world.config.config.coin_blacklist).toEqual(["ETHUSDT"]);
  });

  test("a page form refuses a JSON body with a clear message", async () => {
    const { app } = await setup();
    const res = await postJson(app, "/trader/control", { action: "start" });
    expect(res.status).toBe(415);
    expect(await res.text()).toContain("expected a form post");
  });
});

describe("money-path controls on the page", () => {
  test("Reset baseline without JavaScript asks first; confirmed, the account shows the new baseline with its date", async () => {
    const { app, world } = await setup();
    const ask = await postForm(app, "/trader/reset-baseline", { scope: "baseline" });
    const page = await ask.text();
    expect(page).toContain("Measure the kill switch&#39;s drawdown from the current equity");
    expect(world.controller.status().account?.baseline_at).toBeNull();
    world.exchange.balance = { equity: 8000, available: 8000, margin: 0, unrealized_pnl: 0 };
    const done = await postForm(app, "/trader/reset-baseline", { confirm_token: confirmToken(page) });
    expect(done.status).toBe(303);
    const account = elementById(await (await app.request("/trader")).text(), "account");
    expect(account).toMatch(/Kill-switch baseline<\/dt><dd>8,000\.00 \(since \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\)/);
  });

  test("the API resets the baseline only with confirm RESET", async () => {
    const { app } = await setup();
    const refused = await postJson(app, "/api/trader/control", { action: "reset-baseline" }, { origin: "http://localhost" });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain('reset-baseline needs \\"confirm\\": \\"RESET\\"');
    const ok = await postJson(app, "/api/trader/control", { action: "reset-baseline", confirm: "RESET" }, { origin: "http://localhost" });
    expect(ok.status).toBe(200);
  });

  test("Clear asks first while the drawdown is beyond the kill-switch limit, and not otherwise", async () => {
    const { app, world } = await setup();
    const clearButton = async () => elementById(elementById(await (await app.request("/trader")).text(), "lock-status"), "clear-lock");
    const form = async () => {
      const html = elementById(await (await app.request("/trader")).text(), "lock-status");
      return html.slice(html.indexOf("<form"), html.indexOf("</form>"));
    };
    expect(await clearButton()).not.toBe("");
    expect(await form()).not.toContain("hx-confirm");
    world.exchange.balance = { equity: 4000, available: 4000, margin: 0, unrealized_pnl: 0 };
    await world.controller.refreshAccount();
    expect(await form()).toContain("the kill switch will trip again on the next cycle unless you reset the baseline first");
  });

  test("a position the bot could not close is shown as closing, with its attempts and error, and the owner can stop the retries", async () => {
    const { app, world } = await setup();
    await openPositions(app, world, ["BTCUSDT"]);
    world.exchange.closeFailures.BTCUSDT = 100;
    await postForm(app, "/trader/close-position", { symbol: "BTCUSDT" }, { htmx: true });
    const duty = elementById(await (await app.request("/trader")).text(), "closing-duty");
    expect(duty).toContain("<b>BTCUSDT</b> on paper: closing — attempt 0, last error: injected close failure for BTCUSDT");
    const cancelled = await postForm(app, "/trader/cancel-closing", { symbol: "BTCUSDT" }, { htmx: true });
    expect(await cancelled.text()).toContain("Stopped retrying the close of BTCUSDT");
    expect(elementById(await (await app.request("/trader")).text(), "closing-duty")).toBe("");
  });
});
