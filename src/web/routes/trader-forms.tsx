/**
 * The trader page's form posts. Each calls the one TraderController with
 * origin "page" and answers:
 *  - to htmx: the trader fragments that changed (out-of-band swaps) and a
 *    flash line with the result;
 *  - without JavaScript: 303 back to /trader on success, or the whole page
 *    with the refusal shown where it belongs (a coin toggle: /trader/coins).
 * Emergency Stop, Close All and Reset baseline need a confirmation: htmx
 * asks with hx-confirm; a plain post gets a confirmation page first, whose
 * form carries a single-use token (confirm-tokens.ts): only that form, once,
 * carries the action out.
 */
import { Hono, type Context } from "hono";
import { TRADER_MODES, type TraderConfig, type TraderMode } from "../../config/schema.ts";
import { logger } from "../../log.ts";
import { CHANNELS, type ChannelName } from "../../notify/channels/channel.ts";
import { parseNotificationsForm } from "../../notify/settings-form.ts";
import type { ActionResult } from "../../trader/controller.ts";
import { CONTROL_DEADLINE_MS, stillRunning, withinDeadline } from "../control-deadline.ts";
import { killSwitchPreview } from "../../trader/risk/kill-switch.ts";
import type { WebDeps } from "../deps.ts";
import { parseConfigForm } from "../forms/parse-config-form.ts";
import { TRADER_FRAGMENT_IDS, type Dashboard, type PageOverrides } from "../render/dashboard.tsx";
import { toHtml } from "../render/to-html.ts";
import { ConfirmPage, FlashMessage, type PageShell } from "../../../views/pages.tsx";
import { COINS_PAGE_PATH } from "../../../views/trader/coin-lists.tsx";
import { ConfigForm } from "../../../views/trader/config-form.tsx";
import { NotifySettings } from "../../../views/trader/notifications.tsx";
import { TraderState } from "../../../views/trader/trader-state.tsx";
import { ConfirmTokens } from "./confirm-tokens.ts";
import { field, isHtmx, readForm, type FormFields } from "./form-body.ts";

const log = logger("web");


/** A result, possibly "accepted": the call was still running at the deadline and goes on in the background. */
type FormResult = ActionResult & { accepted?: true };

export function traderForms(deps: WebDeps, dashboard: Dashboard, shell: PageShell, options: { controlDeadlineMs?: number } = {}): Hono {
  const forms = new Hono();
  const { controller } = deps;
  const deadlineMs = options.controlDeadlineMs ?? CONTROL_DEADLINE_MS;

  /**
   * The answer to a page action (see the module comment). `page` "coins": it
   * was posted from /trader/coins, whose fragments ride along and to which a
   * plain post comes back.
   */
  function answer(c: Context, before: number, result: FormResult, overrides: PageOverrides = {}, failStatus: 422 | 500 | 502 = 422, page: "trader" | "coins" = "trader"): Response {
    dashboard.forgetStatus();
    const flash = toHtml(<FlashMessage ok={result.ok} message={result.message} />);
    const status = result.accepted ? 202 : result.ok ? 200 : failStatus;
    if (isHtmx(c)) {
      if (page === "coins") return c.html([flash, ...dashboard.coinsChangesSince(before)].join(""), status);
      // The flash line is the main content (swapped into #flash, which no push replaces);
      // fragments ride along as out-of-band swaps, overrides carrying the version they replace.
      const keys = Object.keys(overrides) as (keyof PageOverrides)[];
      const replaced = new Set<string>(keys.map((key) => TRADER_FRAGMENT_IDS[key]));
      const changed = dashboard.traderChangesSince(before).filter((html) => !replaced.has(idOf(html)));
      const pinned = keys.map((key) => dashboard.pinVersion(TRADER_FRAGMENT_IDS[key], overrides[key] ?? ""));
      return c.html([flash, ...changed, ...pinned].join(""), status);
    }
    // "Still running" must be seen: the page with the flash, not a redirect that would drop it.
    if (result.ok && !result.accepted && Object.keys(overrides).length === 0) return c.redirect(page === "coins" ? COINS_PAGE_PATH : "/trader", 303);
    return c.html(page === "coins" ? dashboard.coinsPage(flash) : dashboard.traderPage(overrides, flash), status);
  }

  /**
   * Runs a controller call; an exception (exchange down) becomes a failed
   * result, never a 500 page; a call still running at the deadline becomes
   * an accepted result ("still running") and finishes in the background.
   */
  async function attempt(what: string, call: () => Promise<ActionResult>): Promise<FormResult> {
    try {
      const outcome = await withinDeadline(what, call, deadlineMs);
      return outcome.done ? outcome.value : { ok: true, accepted: true, message: stillRunning(what) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log.warn(`${what} failed`, { error: message });
      return { ok: false, message: `${what} failed: ${message}` };
    }
  }

  async function withForm(c: Context, handle: (fields: FormFields) => Promise<Response>): Promise<Response> {
    const form = await readForm(c);
    if (!form.ok) return c.text(form.error, form.status);
    return handle(form.fields);
  }

  const confirmations = new ConfirmTokens();

  /** Without htmx, only the confirmation page's own form (its unused token) confirms. */
  function needsConfirmation(c: Context, fields: FormFields, action: string): boolean {
    return !isHtmx(c) && !confirmations.consume(action, field(fields, "confirm_token"));
  }

  forms.post("/control", (c) =>
    withForm(c, async (fields) => {
      const action = field(fields, "action");
      const before = dashboard.cache.version();
      let result: FormResult;
      if (action === "start") result = await attempt("Start", () => controller.start("page"));
      else if (action === "stop") result = await attempt("Stop", () => controller.stop("page"));
      else if (action === "run-cycle") result = await attempt("Run cycle", () => controller.runCycleNow("page"));
      else if (action === "clear-lock") result = await attempt("Clear lockfile", () => controller.clearLock("page"));
      else result = { ok: false, message: `Unknown control action ${JSON.stringify(action ?? "")}: use start, stop, run-cycle or clear-lock` };
      return answer(c, before, result, {}, action === "run-cycle" ? 502 : 422);
    }),
  );

  /**
   * A control that must be confirmed: htmx asks with hx-confirm, a plain post
   * gets a confirmation page first; confirmed, it runs and answers like the others.
   */
  function confirmedPost(path: string, title: string, question: string, run: () => Promise<ActionResult>): void {
    forms.post(path, (c) =>
      withForm(c, async (fields) => {
        if (needsConfirmation(c, fields, path)) {
          const token = confirmations.issue(path);
          return c.html("<!doctype html>" + toHtml(<ConfirmPage shell={shell} title={title} question={question} action={`/trader${path}`} fields={{ confirm_token: token }} />));
        }
        const before = dashboard.cache.version();
        const result = await attempt(title, run);
        return answer(c, before, result, {}, 502);
      }),
    );
  }

  confirmedPost(
    "/emergency-stop",
    "Emergency stop",
    "Turn the trader OFF, set the mode to paused, write the lockfile and market-close EVERY open position now?",
    () => controller.emergencyStop("page"),
  );
  confirmedPost(
    "/reset-baseline",
    "Reset the kill-switch baseline",
    "Measure the kill switch's drawdown from the current equity from now on (after a deposit or a withdrawal)?",
    () => controller.resetBaseline("page"),
  );
  confirmedPost("/close-all", "Close all positions", "Market-close every open position now?", () => controller.closeAllPositions("page"));

  forms.post("/cancel-closing", (c) =>
    withForm(c, async (fields) => {
      const before = dashboard.cache.version();
      const symbol = field(fields, "symbol") ?? "";
      if (!/^[A-Z0-9]{1,20}USDT$/.test(symbol)) {
        return answer(c, before, { ok: false, message: `Bad symbol ${JSON.stringify(symbol)}: expected e.g. BTCUSDT` });
      }
      const result = await attempt(`Stop retrying ${symbol}`, () => controller.cancelClosing(symbol, "page"));
      return answer(c, before, result);
    }),
  );

  forms.post("/mode", (c) =>
    withForm(c, async (fields) => {
      const mode = field(fields, "mode");
      const before = dashboard.cache.version();
      if (!TRADER_MODES.includes(mode as TraderMode)) {
        const message = `Unknown mode ${JSON.stringify(mode ?? "")}: choose live, dry-run or paused`;
        return answer(c, before, { ok: false, message }, { state: toHtml(<TraderState status={controller.status()} modeError={message} />) });
      }
      const confirm = field(fields, "confirm")?.trim();
      const result = await attempt("Mode change", () => controller.setMode(mode as TraderMode, confirm === "" ? undefined : confirm, "page"));
      if (result.ok) return answer(c, before, result);
      // The reason is shown once, under the mode selector: the list of what live needs
      // (always on the page while live is impossible), or the refusal beside the selector.
      const status = controller.status();
      const listed = mode === "live" && !status.live.possible;
      const flash = { ok: false, message: `Mode not changed: ${listed ? "live trading is refused here (the reasons are listed under Mode)" : "see the reason under Mode"}` };
      return answer(c, before, flash, { state: toHtml(<TraderState status={status} modeError={listed ? null : result.message} />) });
    }),
  );

  forms.post("/config", (c) =>
    withForm(c, async (fields) => {
      const before = dashboard.cache.version();
      const status = controller.status();
      const current = status.config;
      // The warning's own button (a limit that trips the kill switch) confirms; it is not a setting.
      const { confirm_kill_switch: confirmTrip, ...settings } = fields;
      const parsed = parseConfigForm(settings, current);
      if (!parsed.ok) {
        // Each issue is already a sentence naming its setting ("Max leverage must be at most 100×").
        const message = `Config not saved: ${Object.values(parsed.issues).join("; ")}`;
        return answer(c, before, { ok: false, message }, { config: toHtml(<ConfigForm config={current} issues={parsed.issues} values={parsed.values} />) });
      }
      const names = Object.keys(parsed.patch);
      if (names.length === 0) {
        const result = { ok: true, message: "Config unchanged: nothing to save" };
        return answer(c, before, result, { config: toHtml(<ConfigForm config={current} notice={result.message} />) });
      }
      const limit = parsed.patch.kill_switch_drawdown_pct;
      const trip = limit === undefined ? null : killSwitchPreview(status.account?.drawdown_pct ?? null, limit, status.running && status.mode !== "paused");
      if (trip && !(confirmTrip ?? []).includes("yes")) {
        const form = toHtml(<ConfigForm config={current} values={submittedValues(settings)} killSwitchWarning={trip} />);
        return answer(c, before, { ok: false, message: `Config not saved yet: ${trip}. Press "Save and trip the kill switch" to go ahead.` }, { config: form });
      }
      const update = await controller.updateConfig(parsed.patch, "page");
      // The disk refused the file: its message already says "Config not saved: …" and names the file.
      if (!update.ok && update.storage) return answer(c, before, { ok: false, message: update.error }, {}, 500);
      if (!update.ok) {
        const issues: Record<string, string> = {};
        for (const issue of update.issues) issues[issue.path] ??= issue.message;
        const refusal = update.issues.length > 0 ? update.issues.map((issue) => issue.message).join("; ") : update.error;
        return answer(c, before, { ok: false, message: `Config not saved: ${refusal}` }, { config: toHtml(<ConfigForm config={current} issues={issues} values={submittedValues(settings)} />) });
      }
      const saved = `Config saved: ${names.map((n) => `${n} = ${JSON.stringify(update.config[n as keyof TraderConfig])}`).join(", ")}`;
      const warnings = [...(update.warnings ?? []), ...(trip && !update.killSwitch ? [trip] : [])];
      const tripped = update.killSwitch ? `. The kill switch tripped (${update.killSwitch}): every position was closed, the lockfile written and the trader paused — trading stopped` : "";
      const message = `${saved}${tripped}${warnings.length ? `. Warning: ${warnings.join("; ")}` : ""}`;
      return answer(c, before, { ok: true, message });
    }),
  );

  forms.post("/coin-list", (c) =>
    withForm(c, async (fields) => {
      const before = dashboard.cache.version();
      // The toggles live on /trader/coins (its form says so); an older /trader page's form does not.
      const page = field(fields, "back") === "coins" ? "coins" : "trader";
      const reply = (result: FormResult, failStatus: 422 | 500 = 422) => answer(c, before, result, {}, failStatus, page);
      const toggle = field(fields, "toggle") ?? "";
      const match = /^(whitelist|blacklist):([A-Z0-9]{1,20}USDT):(on|off)$/.exec(toggle);
      if (!match || !dashboard.symbols.includes(match[2] ?? "")) {
        return reply({ ok: false, message: `Bad coin toggle ${JSON.stringify(toggle)}: expected whitelist|blacklist:SYMBOL:on|off for a tracked coin` });
      }
      const [, list, symbol, state] = match as unknown as [string, "whitelist" | "blacklist", string, "on" | "off"];
      const key = list === "whitelist" ? "coin_whitelist" : "coin_blacklist";
      const current = controller.status().config[key];
      const next = state === "on" ? (current.includes(symbol) ? current : [...current, symbol]) : current.filter((s) => s !== symbol);
      if (next === current) return reply({ ok: true, message: `${symbol} already on the ${list}` });
      const update = await controller.updateConfig({ [key]: next }, "page");
      if (!update.ok && update.storage) return reply({ ok: false, message: update.error }, 500);
      return reply(update.ok
        ? { ok: true, message: `${symbol} ${state === "on" ? "added to" : "removed from"} the ${list}` }
        : { ok: false, message: `Coin list not saved: ${update.issues.length > 0 ? update.issues.map((issue) => issue.message).join("; ") : update.error}` });
    }),
  );

  forms.post("/close-position", (c) =>
    withForm(c, async (fields) => {
      const before = dashboard.cache.version();
      const symbol = field(fields, "symbol") ?? "";
      if (!/^[A-Z0-9]{1,20}USDT$/.test(symbol)) {
        return answer(c, before, { ok: false, message: `Bad symbol ${JSON.stringify(symbol)}: expected e.g. BTCUSDT` });
      }
      const result = await attempt(`Close ${symbol}`, () => controller.closePosition(symbol, "page"));
      return answer(c, before, result, {}, "status" in result && result.status === 404 ? 422 : 502);
    }),
  );

  forms.post("/notifications", (c) =>
    withForm(c, async (fields) => {
      const before = dashboard.cache.version();
      const current = controller.status().config.notifications;
      const parsed = parseNotificationsForm(fields, current);
      if (!parsed.ok) {
        const message = `Notifications not saved: ${Object.entries(parsed.issues).map(([k, v]) => `${k}: ${v}`).join("; ")}`;
        return answer(c, before, { ok: false, message }, { notifySettings: toHtml(<NotifySettings settings={current} issues={parsed.issues} values={parsed.values} />) });
      }
      if (parsed.changed.length === 0) return answer(c, before, { ok: true, message: "Notifications unchanged: nothing to save" });
      const update = await controller.updateConfig({ notifications: parsed.settings }, "page");
      if (!update.ok && update.storage) return answer(c, before, { ok: false, message: update.error }, {}, 500);
      if (!update.ok) return answer(c, before, { ok: false, message: `Notifications not saved: ${update.error}` });
      return answer(c, before, { ok: true, message: `Notifications saved: ${parsed.changed.map((k) => `${k} = ${parsed.settings[k]}`).join(", ")}` });
    }),
  );

  forms.post("/notifications/test", (c) =>
    withForm(c, async (fields) => {
      const before = dashboard.cache.version();
      const name = field(fields, "channel") ?? "";
      const notifications = deps.notifications;
      if (!notifications) return answer(c, before, { ok: false, message: "Notifications are sent by the trader process, not by this one" });
      const channel = CHANNELS.find((ch) => ch.name === name);
      if (!channel) return answer(c, before, { ok: false, message: `Unknown channel ${JSON.stringify(name)}: use ${CHANNELS.map((ch) => ch.name).join(", ")}` });
      const configured = notifications.status().channels.some((ch) => ch.name === channel.name && ch.configured);
      const result = await attempt(`Test message to ${channel.label}`, () => notifications.sendTest(channel.name as ChannelName));
      return answer(c, before, result, {}, configured ? 502 : 422);
    }),
  );

  return forms;
}

/** The config form's texts as submitted, to show again (each field's last value; the checkbox as "true"/"false"). */
function submittedValues(fields: FormFields): Record<string, string> {
  const values = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v[v.length - 1] ?? ""]));
  if ("use_ta_signals" in fields) values.use_ta_signals = String((fields.use_ta_signals ?? []).some((v) => v === "true"));
  return values;
}

/** The id attribute of a fragment's root element. */
function idOf(html: string): string {
  return /^<[a-z]+[^>]*?\sid="([^"]+)"/.exec(html)?.[1] ?? "";
}
