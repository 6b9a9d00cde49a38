/**
 * The one controller every face of the product calls: the dashboard pages, the
 * JSON API and the loop itself (as Freqtrade's RPC class is for its REST and
 * Telegram faces). It owns ON/OFF (persisted in trader_state.json so a restart
 * never turns on what was off), the mode (in trader_config.json), the lockfile,
 * the scan loop and the account view; it records every action in the activity
 * log with its origin and result, and tells listeners what changed.
 *
 * Live trading is possible only when all of these hold: the exchange is CoinEx
 * with credentials, the market source is real (not sim/replay), and the owner
 * confirmed with the word LIVE from the dashboard or the API. A hand edit of
 * trader_config.json to `live` is not a confirmation: the trader stays paused.
 */
import type { TraderConfig, TraderConfigPatch, TraderMode } from "../config/schema.ts";
import { configWarnings, noStopLossWarning } from "../config/warnings.ts";
import type { Exchange, Position } from "../exchange/types.ts";
import { formatSignedUsd, formatUsd } from "../util/number-format.ts";
import { accountView, positionView, type AccountView, type PositionView } from "./account-view.ts";
import { ClosingDuty, type ClosingTask } from "./closing-duty.ts";
import { closeAll, closeWithRetries, type ClosePorts } from "./closing.ts";
import { enforceKillSwitch, freshCycleMemory, runCycle, syncStops, type CycleSummary } from "./cycle.ts";
import { runEmergencyStop } from "./emergency-stop.ts";
import { TradingLock, type LockFilePort } from "./trading-lock.ts";
import type { CyclePorts, LockInfo, Origin, TraderEvent, TraderJournal } from "./ports.ts";
import { reconcileClosedPositions } from "./reconcile.ts";
import { settleOpeningIntents, withIntent, type OpeningIntent } from "./opening-intents.ts";
import { baselineFor, type Baseline, type Baselines } from "./risk/kill-switch-baseline.ts";
import type { RejectionState } from "./risk/rejection-cooldown.ts";
import type { ScoredCoin } from "./signals.ts";

export interface PersistedTraderState {
  running: boolean;
  /** Set only by a confirmed switch to live; cleared when the mode leaves live. */
  live_confirmed_at: number | null;
  /** The exchange whose account the dashboard shows while paused. */
  last_exchange: "paper" | "coinex";
  /** Equity when live trading first started (older files): read as the CoinEx baseline when `baselines` has none. */
  coinex_starting_balance: number | null;
  /** The kill switch's baseline per exchange, as the owner last reset it. */
  baselines: Baselines;
  /** Positions the bot must still close (the closing duty), so a restart carries on. */
  closing_duty: ClosingTask[];
  /** Opening orders whose trade is not recorded yet (opening-intents.ts). Absent in older files: none. */
  opening_intents?: OpeningIntent[];
}

export const INITIAL_TRADER_STATE: PersistedTraderState = {
  running: false, live_confirmed_at: null, last_exchange: "paper", coinex_starting_balance: null, baselines: {}, closing_duty: [], opening_intents: [],
};

export type ConfigUpdateResult =
  /** `killSwitch`: the new kill_switch_drawdown_pct tripped the kill switch at once (why). */
  | { ok: true; config: TraderConfig; warnings?: string[]; killSwitch?: string }
  /** `storage`: the config was valid but could not be written (a disk fault), not the owner's mistake. */
  | { ok: false; error: string; issues: { path: string; message: string }[]; storage?: true };

export interface ControllerDeps {
  config: {
    current(): TraderConfig;
    /** Re-reads the file; returns the config in force (the last good one if the file is invalid). */
    read(): Promise<TraderConfig>;
    update(patch: TraderConfigPatch, origin: Origin): Promise<ConfigUpdateResult>;
  };
  state: {
    load(): Promise<PersistedTraderState>;
    save(state: PersistedTraderState): Promise<void>;
    /** When saving OFF failed: make a restart come up OFF anyway (e.g. move the file aside, which needs no space). */
    setAsideOff?(): Promise<void>;
  };
  /** live-trader-lock.json; `read` fails safe (a damaged file reads as a lock). */
  lockFile: LockFilePort;
  journal: TraderJournal;
  paper: Exchange & { startingBalance: number };
  coinex: Exchange | null;
  market: () => { name: string; simulated: boolean; banner: string | null };
  coins: (config: TraderConfig) => ScoredCoin[] | Promise<ScoredCoin[]>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Why this process must not trade (another process holds the trader lease); null when it may. */
  standby?: () => string | null;
  /** Why no new positions may be opened while open ones are still managed; null when they may. */
  openingBlocked?: () => string | null;
  /** Overrides scan_interval_minutes (tests and demos). */
  cycleIntervalMs?: number;
  accountRefreshMs?: number;
  closeRetryDelayMs?: number;
}

export { positionView, type AccountView, type PositionView } from "./account-view.ts";

export interface TraderStatus {
  mode: TraderMode;
  running: boolean;
  lock: LockInfo | null;
  market_source: { name: string; simulated: boolean; banner: string | null };
  exchange: "paper" | "coinex";
  live: { possible: boolean; reason: string | null; confirmed: boolean };
  config: TraderConfig;
  account: AccountView | null;
  account_error: string | null;
  positions: PositionView[];
  last_cycle: CycleSummary | null;
  /** Positions the closing duty is still trying to close. */
  closing: ClosingTask[];
  /** Coins resting after repeated rejections. */
  cooldowns: RejectionState[];
  /** Standing warnings about the settings (no stop-loss while ON, a take-profit below fees …). */
  warnings: string[];
}

export type ChangeTopic = "status" | "account" | "config" | "logs";

/** Between the reasons of TraderStatus.live.reason (a string: it travels over the bus); the page lists them one by one. */
export const LIVE_REASON_SEPARATOR = "; ";

export interface ActionResult {
  ok: boolean;
  message: string;
  data?: unknown;
  /** The action was refused because a file could not be written (a disk fault, not the caller's mistake). */
  storage?: true;
}

export class TraderController {
  /** Until boot() reads trader_state.json: OFF (fail safe). */
  private state: PersistedTraderState = { ...INITIAL_TRADER_STATE };
  /** Opening notes dropped in memory since the state file was last written (dropIntent). */
  private droppedIntentsUnsaved = false;
  private readonly lock: TradingLock;
  private readonly memory = freshCycleMemory();
  private readonly duty: ClosingDuty;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private accountTimer: ReturnType<typeof setInterval> | null = null;
  private cycleInFlight: Promise<unknown> | null = null;
  private reconciling: Promise<void> = Promise.resolve();
  private lastCycle: CycleSummary | null = null;
  private account: AccountView | null = null;
  private accountError: string | null = null;
  private positions: PositionView[] = [];
  private readonly listeners = new Set<(topic: ChangeTopic) => void>();
  private readonly eventListeners = new Set<(event: TraderEvent) => void>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private unconfirmedLiveWarned = false;
  /** The mode in force as last told to the event listeners (null before boot: nothing to compare with). */
  private announcedMode: TraderMode | null = null;

  constructor(private readonly deps: ControllerDeps) {
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.lock = new TradingLock(deps.lockFile, this.now, () => this.notify("status"));
    this.duty = new ClosingDuty({
      exchange: (name) => (name === "paper" ? deps.paper : deps.coinex),
      ports: this.closePorts(),
      persist: async (tasks) => {
        this.state = { ...this.state, closing_duty: tasks };
        await deps.state.save(this.state);
      },
      changed: () => {
        this.notify("status");
        void this.refreshAccount();
      },
      firstDelayMs: deps.closeRetryDelayMs === undefined ? undefined : Math.max(1, deps.closeRetryDelayMs * 5),
    });
  }

  // ---- lifecycle -------------------------------------------------------

  /** Restores ON/OFF as the owner left it and starts the account refresher. */
  async boot(): Promise<void> {
    this.state = await this.deps.state.load();
    await this.lock.current();
    this.duty.restore(this.state.closing_duty);
    this.announcedMode = this.effectiveMode();
    await this.settleIntentsAfterRestart();
    await this.refreshAccount();
    if (this.state.running) {
      this.deps.journal.log("control", "Restored ON after restart (the owner left the trader running)", { action: "restore", ok: true, result: "ON" }, "system");
      this.emit({ type: "control", at: this.now(), message: `Trader ON after a restart (mode ${this.effectiveMode()})`, data: { action: "restore", origin: "system", mode: this.effectiveMode() } });
      this.scheduleNext(0);
    }
    const refreshMs = this.deps.accountRefreshMs ?? 5000;
    if (refreshMs > 0) this.accountTimer = setInterval(() => void this.refreshAccount(), refreshMs);
  }

  /**
   * Re-reads trader_state.json and the lockfile and follows them: a standby
   * process that takes over the trader lease resumes what the owner last chose
   * on the process it replaces (they share the data dir), not what it read at
   * its own boot. Runs a cycle now when the trader is ON.
   */
  async resumeFromDisk(): Promise<void> {
    this.state = await this.deps.state.load();
    await this.lock.current();
    this.duty.restore(this.state.closing_duty);
    this.announcedMode = this.effectiveMode();
    await this.settleIntentsAfterRestart();
    if (this.state.running) this.scheduleNext(0);
    else if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.notify("status");
  }

  /** Stops timers (server shutdown); does not change what the owner chose. */
  async shutdown(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.accountTimer) clearInterval(this.accountTimer);
    this.accountTimer = null;
    this.duty.stop();
    if (this.stateRetry) clearTimeout(this.stateRetry);
    this.stateRetry = null;
    await this.cycleInFlight?.catch(() => undefined);
  }

  onChange(listener: (topic: ChangeTopic) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onEvent(listener: (event: TraderEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  // ---- reading ---------------------------------------------------------

  /** The mode actually in force: a file that says live without the owner's confirmation counts as paused. */
  effectiveMode(config = this.deps.config.current()): TraderMode {
    if (config.mode === "live" && this.state.live_confirmed_at === null) return "paused";
    return config.mode;
  }

  /** Whether live trading is possible here; `reason` lists every missing condition, separated by "; " (LIVE_REASON_SEPARATOR). */
  liveCheck(): { possible: boolean; reason: string | null } {
    const market = this.deps.market();
    const reasons: string[] = [];
    if (!this.deps.coinex) reasons.push("no CoinEx exchange: set COINEX_ACCESS_ID and COINEX_SECRET_KEY and do not force --exchange paper");
    if (market.simulated) reasons.push(`the market source is ${market.name} (not real prices)`);
    return reasons.length === 0 ? { possible: true, reason: null } : { possible: false, reason: reasons.join(LIVE_REASON_SEPARATOR) };
  }

  status(): TraderStatus {
    const config = this.deps.config.current();
    const live = this.liveCheck();
    const warnings = [noStopLossWarning(config, this.state.running), ...configWarnings(config).map((w) => w.message)].filter((w): w is string => w !== null);
    return {
      mode: this.effectiveMode(config),
      running: this.state.running,
      lock: this.lock.shown,
      market_source: this.deps.market(),
      exchange: this.displayExchange().name,
      live: { ...live, confirmed: this.state.live_confirmed_at !== null },
      config,
      account: this.account,
      account_error: this.accountError,
      positions: this.positions,
      last_cycle: this.lastCycle,
      closing: this.duty.list(),
      cooldowns: this.memory.rejections.resting(this.now()),
      warnings,
    };
  }

  // ---- controls ----------------------------------------------------------

  async start(origin: Origin): Promise<ActionResult> {
    if (this.state.running) return this.record(origin, "start", { ok: true, message: "Trader already ON" });
    // Saved first: if the disk refuses, the trader stays OFF (a restart would come up OFF anyway).
    await this.saveState({ ...this.state, running: true });
    this.scheduleNext(0);
    const message = `Trader ON (mode ${this.effectiveMode()})`;
    this.emit({ type: "control", at: this.now(), message, data: { action: "start", origin, mode: this.effectiveMode() } });
    return this.record(origin, "start", { ok: true, message });
  }

  async stop(origin: Origin): Promise<ActionResult> {
    // In memory first: stopping must work even when the state file cannot be written.
    const wasRunning = this.state.running;
    this.state = { ...this.state, running: false };
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.notify("status");
    const failure = await this.saveOff();
    const result = failure
      ? { ok: false, message: `Trader OFF now, but trader_state.json could not be written (${failure}); a restart comes up OFF and the write is retried` }
      : { ok: true, message: "Trader OFF: no more cycles (open positions stay open)" };
    if (wasRunning) this.emit({ type: "control", at: this.now(), message: result.message, data: { action: "stop", origin } });
    return this.record(origin, "stop", result);
  }

  async pause(origin: Origin): Promise<ActionResult> {
    const result = await this.updateConfig({ mode: "paused" }, origin);
    return this.record(origin, "pause", result.ok ? { ok: true, message: "Mode set to paused" } : { ok: false, message: result.error, ...(result.storage ? { storage: true as const } : {}) });
  }

  async setMode(mode: TraderMode, confirm: string | undefined, origin: Origin): Promise<ActionResult> {
    const result = await this.updateConfig({ mode }, origin, confirm);
    return result.ok
      ? { ok: true, message: `Mode set to ${mode}` }
      : { ok: false, message: result.error, ...(result.storage ? { storage: true as const } : {}) };
  }

  /**
   * Applies a partial config. Switching to live needs `confirm === "LIVE"` and
   * the live preconditions; the refusal says which one is missing. A change of
   * tp_pct / sl_pct / max_leverage moves the exchange-side stops at once.
   */
  async updateConfig(patch: TraderConfigPatch, origin: Origin, confirm?: string): Promise<ConfigUpdateResult> {
    const current = this.deps.config.current();
    if (patch.mode === "live" && (current.mode !== "live" || this.state.live_confirmed_at === null)) {
      const live = this.liveCheck();
      const refusal = !live.possible
        ? `live trading is not possible: ${live.reason}`
        : confirm !== "LIVE"
          ? 'switching to live needs the explicit confirmation "LIVE"'
          : null;
      if (refusal) {
        const result: ConfigUpdateResult = { ok: false, error: refusal, issues: [{ path: "mode", message: refusal }] };
        this.deps.journal.log("control", `Config change refused: ${refusal}`, { action: "config", ok: false, result: refusal, patch }, origin);
        return result;
      }
    }
    let result: ConfigUpdateResult;
    try {
      result = await this.deps.config.update(patch, origin);
    } catch (error) {
      // The file could not be written (a directory in its place, a full disk): nothing changed.
      const message = `Config not saved: ${errorText(error)}`;
      this.deps.journal.log("error", message, { action: "config", patch }, origin);
      return { ok: false, error: message, issues: [], storage: true };
    }
    if (!result.ok) {
      this.deps.journal.log("control", `Config change refused: ${result.error}`, { action: "config", ok: false, result: result.error, patch, issues: result.issues }, origin);
      return result;
    }
    const mode = result.config.mode;
    if (mode === "live" && patch.mode === "live") {
      await this.saveState({ ...this.state, live_confirmed_at: this.now(), last_exchange: "coinex" });
    } else if (mode !== "live" && this.state.live_confirmed_at !== null) {
      await this.saveState({ ...this.state, live_confirmed_at: null, ...(mode === "dry-run" ? { last_exchange: "paper" as const } : {}) });
    } else if (mode === "dry-run" && this.state.last_exchange !== "paper") {
      await this.saveState({ ...this.state, last_exchange: "paper" });
    }
    const warnings = configWarnings(result.config).filter((w) => w.field in patch).map((w) => w.message);
    this.deps.journal.log("control", `Config updated: ${describePatch(patch)}${warnings.length ? ` — warning: ${warnings.join("; ")}` : ""}`, { action: "config", ok: true, result: describePatch(patch), patch, warnings }, origin);
    this.announceMode(origin);
    this.notify("config");
    this.notify("status");
    if (patch.scan_interval_minutes !== undefined && this.state.running) this.scheduleNext();
    if (patch.tp_pct !== undefined || patch.sl_pct !== undefined || patch.max_leverage !== undefined) void this.moveStops();
    // A limit at or below the drawdown trips at once while the trader runs (the owner is told, not left to the next cycle).
    const killSwitch = patch.kill_switch_drawdown_pct !== undefined && this.state.running ? await this.enforceKillSwitchNow() : null;
    return { ...result, warnings, ...(killSwitch ? { killSwitch } : {}) };
  }

  /** A hand edit of trader_config.json noticed by the watcher. */
  async onConfigFileChanged(config: TraderConfig): Promise<void> {
    if (config.mode === "live" && this.state.live_confirmed_at === null) {
      this.deps.journal.log("error", "trader_config.json says mode live, but live was not confirmed from the dashboard: the trader stays paused", undefined, "file");
    } else {
      await this.forgetLiveConfirmationUnless(config.mode);
    }
    this.deps.journal.log("control", "trader_config.json edited by hand: new config in force", { action: "config", ok: true, result: "hand edit accepted", config }, "file");
    this.announceMode("file");
    this.notify("config");
    this.notify("status");
    void this.moveStops();
  }

  onConfigFileRejected(error: string): void {
    this.deps.journal.log("error", `trader_config.json edit rejected, the last good config stays in force: ${error}`, undefined, "file");
    this.notify("logs");
  }

  /** See src/trader/emergency-stop.ts: close first, then the files; every step reported. */
  async emergencyStop(origin: Origin): Promise<ActionResult> {
    const at = this.now();
    const reason = `emergency stop (${origin})`;
    const report = await runEmergencyStop({
      halt: () => {
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        this.state = { ...this.state, running: false, live_confirmed_at: null };
        this.lock.hold({ reason, source: "emergency_stop" });
      },
      waitForCycle: async () => {
        while (this.cycleInFlight) await this.cycleInFlight.catch(() => undefined);
      },
      exchanges: () => this.exchanges(),
      listPositions: (exchange) => this.withRetries(() => exchange.getPositions()),
      closePorts: this.closePorts(),
      closeOptions: { origin, retryDelayMs: this.deps.closeRetryDelayMs },
      mustClose: (exchange, position, why, error) => this.duty.add(exchange.name, position.symbol, why, error),
      writeLock: () => this.lock.set({ reason, source: "emergency_stop" }),
      saveOff: async () => {
        const failure = await this.saveOff();
        if (failure) throw new Error(`${failure} (a restart comes up OFF; the write is retried)`);
      },
      pauseConfig: async () => {
        const result = await this.deps.config.update({ mode: "paused" }, origin);
        if (!result.ok) throw new Error(result.error);
      },
    });
    const failedSteps = report.steps.filter((s) => !s.ok);
    const closed = report.outcomes.filter((o) => o.ok).length;
    const message = failedSteps.length === 0
      ? `Emergency stop: trader OFF, paused, locked; closed ${closed} position(s)`
      : `Emergency stop: trader OFF and locked; ${failedSteps.map((s) => `${s.step} FAILED: ${s.detail}`).join("; ")}`;
    this.emit({ type: "control", at, message, data: { action: "emergency-stop", origin, steps: report.steps, outcomes: report.outcomes } });
    this.announceMode(origin, "emergency stop");
    this.notify("config");
    await this.refreshAccount();
    return this.record(origin, "emergency-stop", { ok: failedSteps.length === 0, message, data: { outcomes: report.outcomes, steps: report.steps } });
  }

  /**
   * Removes the lock. If the kill switch would trip again on the next cycle
   * (the drawdown from the baseline is still beyond the limit), says so: the
   * owner then resets the baseline or expects the trip.
   */
  async clearLock(origin: Origin): Promise<ActionResult> {
    const lock = await this.lock.clear();
    this.memory.breaker.reset();
    const base = lock ? `Lockfile cleared (was: ${lock.reason})` : "No lockfile was set";
    const warning = this.killSwitchWouldTrip();
    if (lock) this.emit({ type: "control", at: this.now(), message: base, data: { action: "clear-lockfile", origin, was: { reason: lock.reason, source: lock.source }, warning } });
    return this.record(origin, "clear-lockfile", { ok: true, message: warning ? `${base}. Warning: ${warning}` : base, data: { warning } });
  }

  /** Why the kill switch would trip on the next cycle with the account as last read, or null. */
  killSwitchWouldTrip(): string | null {
    const account = this.account;
    if (!account) return null;
    const limit = this.deps.config.current().kill_switch_drawdown_pct;
    if (account.drawdown_pct < limit) return null;
    return `equity ${formatUsd(account.equity)} is ${account.drawdown_pct.toFixed(2)} % below the kill-switch baseline ${formatUsd(account.starting_balance)} (limit ${limit} %): the kill switch trips again on the next cycle unless you reset the baseline`;
  }

  /** Sets the kill switch's baseline to the current equity of the shown account (confirmed by the owner on the page). */
  async resetBaseline(origin: Origin): Promise<ActionResult> {
    const exchange = this.displayExchange();
    let equity: number;
    try {
      equity = (await exchange.getBalance()).equity;
    } catch (error) {
      return this.record(origin, "reset-baseline", { ok: false, message: `Baseline not reset: could not read the ${exchange.name} balance (${errorText(error)})` });
    }
    if (!(equity > 0)) return this.record(origin, "reset-baseline", { ok: false, message: `Baseline not reset: equity ${formatUsd(equity)} is not positive` });
    const previous = this.baseline(exchange.name);
    const baseline: Baseline = { equity, at: this.now() };
    await this.saveState({ ...this.state, baselines: { ...this.state.baselines, [exchange.name]: baseline } });
    await this.refreshAccount();
    const was = previous ? `was ${formatUsd(previous.equity)}` : "none before";
    return this.record(origin, "reset-baseline", { ok: true, message: `Kill-switch baseline for ${exchange.name} reset to ${formatUsd(equity)} USDT (${was})`, data: { exchange: exchange.name, baseline, previous } });
  }

  /** The owner stops the bot retrying a close (they will handle the position themselves). */
  async cancelClosing(symbol: string, origin: Origin): Promise<ActionResult> {
    const ok = this.duty.cancel(symbol);
    return this.record(origin, "cancel-closing", ok
      ? { ok: true, message: `Stopped retrying the close of ${symbol}: it is yours to handle` }
      : { ok: false, message: `No close of ${symbol} is being retried` });
  }

  async closePosition(symbol: string, origin: Origin): Promise<ActionResult & { status: number }> {
    const exchange = this.displayExchange();
    let positions: Position[];
    try {
      positions = await exchange.getPositions();
    } catch (error) {
      return { ...this.record(origin, "close-position", { ok: false, message: `Could not close ${symbol}: the ${exchange.name} positions could not be read (${errorText(error)})` }), status: 502 };
    }
    const position = positions.find((p) => p.symbol === symbol);
    if (!position) {
      const result = this.record(origin, "close-position", { ok: false, message: `No open position for ${symbol} on ${exchange.name}` });
      return { ...result, status: 404 };
    }
    const reason = `closed by owner (${origin})`;
    const outcome = await closeWithRetries(exchange, position, reason, this.closePorts(), { origin, retryDelayMs: this.deps.closeRetryDelayMs });
    if (!outcome.ok) this.duty.add(exchange.name, symbol, reason, outcome.error ?? "unknown error");
    await this.refreshAccount();
    const result = this.record(origin, "close-position", outcome.ok
      ? { ok: true, message: outcome.gone ? `${symbol} was already closed on ${exchange.name}` : `Closed ${symbol}, P&L ${formatSignedUsd(outcome.pnl ?? 0)} USDT`, data: outcome }
      : { ok: false, message: `Could not close ${symbol}: ${outcome.error} (the bot keeps retrying; see Closing on /trader)`, data: outcome });
    return { ...result, status: outcome.ok ? 200 : 502 };
  }

  async closeAllPositions(origin: Origin): Promise<ActionResult> {
    const exchange = this.displayExchange();
    let positions: Position[];
    try {
      positions = await exchange.getPositions();
    } catch (error) {
      return this.record(origin, "close-all", { ok: false, message: `Close all failed: the ${exchange.name} positions could not be read (${errorText(error)})` });
    }
    const reason = `close all by owner (${origin})`;
    const outcomes = await closeAll(exchange, positions, reason, this.closePorts(), { origin, retryDelayMs: this.deps.closeRetryDelayMs });
    for (const outcome of outcomes) if (!outcome.ok) this.duty.add(exchange.name, outcome.symbol, reason, outcome.error ?? "unknown error");
    await this.refreshAccount();
    const failed = outcomes.filter((o) => !o.ok);
    const pnl = outcomes.reduce((sum, o) => sum + (o.pnl ?? 0), 0);
    return this.record(origin, "close-all", {
      ok: failed.length === 0,
      message: failed.length === 0 ? `Closed ${outcomes.length} position(s), P&L ${formatSignedUsd(pnl)} USDT` : `${failed.length} of ${outcomes.length} close(s) failed (the bot keeps retrying them)`,
      data: { outcomes },
    });
  }

  /** Runs one cycle now (serialised with the loop: never two cycles at once). */
  async runCycleNow(origin: Origin): Promise<ActionResult> {
    const summary = await this.runOneCycle();
    return this.record(origin, "run-cycle", { ok: summary.errors.length === 0, message: summary.skipped ? `Cycle skipped: ${summary.skipped}` : `Cycle done: ${summary.actions.length} action(s)`, data: summary });
  }

  /**
   * The paper exchange closed a position on its own (stop-loss, take-profit,
   * liquidation) or booked funding: record it now, not at the next cycle.
   */
  async onPaperEvent(event: { type: string; symbol: string; amount?: number; rate?: number; at?: number }): Promise<void> {
    if (event.type === "funding" && typeof event.amount === "number") {
      const text = `Funding ${event.symbol} ${formatSignedUsd(event.amount)} USDT${typeof event.rate === "number" ? ` (rate ${(event.rate * 100).toFixed(4)} %)` : ""} (paper)`;
      this.deps.journal.log("trade", text, { symbol: event.symbol, amount: event.amount, rate: event.rate ?? null });
      this.emit({ type: "funding", at: event.at ?? this.now(), symbol: event.symbol, message: text, data: { amount: event.amount, rate: event.rate ?? null } });
      this.notify("logs");
      return;
    }
    await this.refreshAccount();
    this.notify("logs");
  }

  /** The closing duty's next round now (tests; the duty's own timer runs it otherwise). */
  retryClosesNow(): Promise<void> {
    return this.duty.runDue();
  }

  // ---- internals -------------------------------------------------------

  private async runOneCycle(): Promise<CycleSummary> {
    while (this.cycleInFlight) await this.cycleInFlight.catch(() => undefined);
    const run = runCycle(this.cyclePorts(), this.memory);
    this.cycleInFlight = run;
    try {
      const summary = await run;
      this.lastCycle = summary;
      return summary;
    } finally {
      this.cycleInFlight = null;
      await this.saveDroppedIntents();
      await this.refreshAccount();
      this.notify("logs");
      this.notify("status");
    }
  }

  /** Moves the exchange-side stops after a config change, serialised with the cycles. */
  private async moveStops(): Promise<void> {
    while (this.cycleInFlight) await this.cycleInFlight.catch(() => undefined);
    const run = syncStops(this.cyclePorts(), this.memory);
    this.cycleInFlight = run;
    try {
      await run;
    } catch (error) {
      this.deps.journal.log("error", `Moving the exchange-side stops failed: ${errorText(error)}`);
    } finally {
      this.cycleInFlight = null;
      await this.saveDroppedIntents();
      await this.refreshAccount();
      this.notify("logs");
    }
  }

  /** The kill switch's check now, serialised with the cycles (see enforceKillSwitch); why it tripped, or null. */
  private async enforceKillSwitchNow(): Promise<string | null> {
    while (this.cycleInFlight) await this.cycleInFlight.catch(() => undefined);
    const run = enforceKillSwitch(this.cyclePorts(), this.memory);
    this.cycleInFlight = run;
    try {
      return await run;
    } finally {
      this.cycleInFlight = null;
      await this.saveDroppedIntents();
      await this.refreshAccount();
      this.notify("logs");
      this.notify("status");
    }
  }

  private scheduleNext(delayMs?: number): void {
    if (this.timer) clearTimeout(this.timer);
    const interval = this.deps.cycleIntervalMs ?? this.deps.config.current().scan_interval_minutes * 60_000;
    this.timer = setTimeout(async () => {
      this.timer = null;
      if (!this.state.running) return;
      try {
        await this.runOneCycle();
      } catch (error) {
        this.deps.journal.log("error", `Cycle crashed: ${errorText(error)}`);
      }
      if (this.state.running && !this.timer) this.scheduleNext();
    }, delayMs ?? interval);
  }

  private cyclePorts(): CyclePorts {
    return {
      standby: this.deps.standby,
      openingBlocked: this.deps.openingBlocked,
      readConfig: async () => {
        const config = await this.deps.config.read();
        await this.forgetLiveConfirmationUnless(config.mode);
        const mode = this.effectiveMode(config);
        if (mode !== config.mode) {
          if (!this.unconfirmedLiveWarned) this.deps.journal.log("error", "Mode live in trader_config.json was never confirmed from the dashboard: staying paused");
          this.unconfirmedLiveWarned = true;
        } else this.unconfirmedLiveWarned = false;
        return { ...config, mode };
      },
      exchangeFor: (mode) => {
        if (mode === "dry-run") return { exchange: this.deps.paper };
        const live = this.liveCheck();
        if (!live.possible || !this.deps.coinex) return { refused: live.reason ?? "no CoinEx exchange" };
        if (this.state.live_confirmed_at === null) return { refused: "live was not confirmed by the owner" };
        return { exchange: this.deps.coinex };
      },
      startingBalance: (exchange, equity) => {
        const known = this.baseline(exchange.name);
        if (known) return known.equity;
        // The first live cycle on CoinEx: its equity now is the baseline until the owner resets it.
        const first: Baseline = { equity, at: this.now() };
        this.state = { ...this.state, baselines: { ...this.state.baselines, [exchange.name]: first } };
        void this.deps.state.save(this.state).catch((error: unknown) => this.deps.journal.log("error", `Could not save the kill-switch baseline: ${errorText(error)}`));
        return equity;
      },
      coins: this.deps.coins,
      lock: {
        current: () => this.lock.current(),
        set: (info) => this.lock.set(info),
      },
      journal: this.deps.journal,
      reconcile: (exchange, positions) => this.reconcile(exchange, positions),
      mustClose: (exchange, position, reason, error) => this.duty.add(exchange.name, position.symbol, reason, error),
      intents: {
        note: (intent) => this.noteIntent(intent),
        drop: (clientId) => this.dropIntent(clientId),
        settle: async (exchange, positions) => this.settleIntents(exchange, positions, false),
      },
      pause: async (reason) => {
        // The confirmation goes first, in memory: even if the config cannot be written, live is off.
        await this.forgetLiveConfirmationUnless("paused");
        const result = await this.deps.config.update({ mode: "paused" }, "system");
        if (!result.ok) throw new Error(result.issues.map((i) => i.message).join("; "));
        this.deps.journal.log("control", `Mode set to paused by the system: ${reason}`, { action: "pause", ok: true, result: reason }, "system");
        this.announceMode("system", reason);
        this.notify("config");
        this.notify("status");
      },
      emit: (event) => this.emit(event),
      now: this.now,
      sleep: this.sleep,
    };
  }

  // ---- opening intents (opening-intents.ts) -------------------------------

  /** Kept on disk before the order goes out; if the disk refuses, the order does not go out. */
  private async noteIntent(intent: OpeningIntent): Promise<void> {
    const before = this.state;
    this.state = { ...before, opening_intents: withIntent(before.opening_intents ?? [], intent) };
    try {
      await this.deps.state.save(this.state);
      this.droppedIntentsUnsaved = false; // the notes dropped before this one went with it
    } catch (error) {
      this.state = { ...this.state, opening_intents: (this.state.opening_intents ?? []).filter((i) => i.client_id !== intent.client_id) };
      throw new Error(`could not note the opening order in trader_state.json, so it was not sent: ${errorText(error)}`);
    }
  }

  /**
   * The trade is recorded: the note goes, from memory now and from the file with
   * the next save (the next order's note, at the latest when the cycle ends:
   * saveDroppedIntents). A note left on disk meanwhile is harmless: settling
   * drops a note whose trade is recorded open, so a crash before the save costs
   * nothing, and a cycle of ten opens writes the state file eleven times, not twenty.
   */
  private async dropIntent(clientId: string): Promise<void> {
    const intents = this.state.opening_intents ?? [];
    if (!intents.some((i) => i.client_id === clientId)) return;
    this.state = { ...this.state, opening_intents: intents.filter((i) => i.client_id !== clientId) };
    this.droppedIntentsUnsaved = true;
  }

  /** Writes the notes dropped since the last save. A failed write only leaves notes the next settle drops. */
  private async saveDroppedIntents(): Promise<void> {
    if (!this.droppedIntentsUnsaved) return;
    this.droppedIntentsUnsaved = false;
    await this.deps.state.save(this.state).catch(() => undefined);
  }

  private async settleIntents(exchange: Exchange, positions: Position[], afterRestart: boolean): Promise<void> {
    const intents = this.state.opening_intents ?? [];
    if (intents.length === 0) return;
    const { remaining, recorded } = settleOpeningIntents(exchange, positions, intents, this.deps.journal, afterRestart);
    if (remaining.length === intents.length) return;
    this.state = { ...this.state, opening_intents: remaining };
    await this.deps.state.save(this.state).catch((error: unknown) => this.deps.journal.log("error", `Could not save trader_state.json after settling opening orders: ${errorText(error)}`));
    if (recorded.length > 0) {
      this.notify("logs");
      this.notify("status");
    }
  }

  /** At boot and on a takeover, before any cycle: what a cut-off open left on each exchange. */
  private async settleIntentsAfterRestart(): Promise<void> {
    for (const exchange of this.exchanges()) {
      if (!(this.state.opening_intents ?? []).some((i) => i.exchange === exchange.name)) continue;
      try {
        await this.settleIntents(exchange, await exchange.getPositions(), true);
      } catch (error) {
        // Kept: the first cycle on this exchange settles them.
        this.deps.journal.log("error", `Could not read ${exchange.name} positions to settle opening orders cut off by the restart: ${errorText(error)}`);
      }
    }
  }

  /** Reconciliations one at a time (cycle, account refresh, paper events), so a close is recorded once. */
  private reconcile(exchange: Exchange, positions: Position[]): Promise<void> {
    const run = this.reconciling.then(async () => {
      const recorded = await reconcileClosedPositions(exchange, positions, this.closePorts());
      if (recorded > 0) this.notify("logs");
    });
    this.reconciling = run.catch(() => undefined);
    return run;
  }

  private closePorts(): ClosePorts {
    return { journal: this.deps.journal, emit: (e: TraderEvent) => this.emit(e), now: this.now, sleep: this.sleep };
  }

  private baseline(exchange: "paper" | "coinex"): Baseline | null {
    const saved: Baselines = { ...this.state.baselines };
    if (!saved.coinex && this.state.coinex_starting_balance !== null) saved.coinex = { equity: this.state.coinex_starting_balance, at: null };
    return baselineFor(exchange, saved, this.deps.paper.startingBalance);
  }

  /** The exchange whose account the dashboard shows and manual closes act on. */
  private displayExchange(): Exchange {
    const mode = this.effectiveMode();
    if (mode === "live" && this.deps.coinex) return this.deps.coinex;
    if (mode === "paused" && this.state.last_exchange === "coinex" && this.deps.coinex) return this.deps.coinex;
    return this.deps.paper;
  }

  private exchanges(): Exchange[] {
    return this.deps.coinex ? [this.deps.paper, this.deps.coinex] : [this.deps.paper];
  }

  /** Re-reads balance and positions of the shown exchange (read-only calls) and records what it closed on its own. */
  async refreshAccount(): Promise<void> {
    await this.lock.current();
    const exchange = this.displayExchange();
    try {
      const [balance, positions] = [await exchange.getBalance(), await exchange.getPositions()];
      await this.reconcile(exchange, positions);
      this.account = accountView(balance, this.baseline(exchange.name), this.deps.config.current().kill_switch_drawdown_pct);
      this.positions = positions.map(positionView);
      this.accountError = null;
    } catch (error) {
      this.accountError = `${exchange.name}: ${errorText(error)}`;
    }
    this.notify("account");
  }

  private async withRetries<T>(call: () => Promise<T>, attempts = 3): Promise<T> {
    let last: unknown;
    for (let i = 1; i <= attempts; i++) {
      try {
        return await call();
      } catch (error) {
        last = error;
        if (i < attempts) await this.sleep((this.deps.closeRetryDelayMs ?? 1000) * i);
      }
    }
    throw last;
  }

  /**
   * The owner's LIVE confirmation lasts only while the mode stays live: any move
   * away (owner, kill switch, hand edit) forgets it, so getting back to live
   * always needs a new confirmation.
   */
  private async forgetLiveConfirmationUnless(mode: TraderMode): Promise<void> {
    if (mode === "live" || this.state.live_confirmed_at === null) return;
    // In memory first: the confirmation is gone even if the state file cannot be written.
    this.state = { ...this.state, live_confirmed_at: null };
    this.notify("status");
    await this.deps.state.save(this.state);
  }

  /**
   * Saves an OFF that already took effect in memory. If the disk refuses, a
   * restart must still come up OFF (the state port moves the file aside) and
   * the write is retried with back-off until it succeeds. Returns the error, or null.
   */
  private async saveOff(): Promise<string | null> {
    try {
      await this.deps.state.save(this.state);
      return null;
    } catch (error) {
      const message = errorText(error);
      try {
        await this.deps.state.setAsideOff?.();
      } catch (aside) {
        this.deps.journal.log("error", `Could not mark the trader OFF on disk either: ${errorText(aside)}`);
      }
      this.retryStateSave(1000);
      return message;
    }
  }

  private stateRetry: ReturnType<typeof setTimeout> | null = null;

  private retryStateSave(delayMs: number): void {
    if (this.stateRetry) return;
    this.stateRetry = setTimeout(async () => {
      this.stateRetry = null;
      try {
        await this.deps.state.save(this.state);
        this.deps.journal.log("control", "trader_state.json written again after a failed write", { action: "save-state", ok: true, result: "saved" }, "system");
      } catch {
        this.retryStateSave(Math.min(delayMs * 2, 60_000));
      }
    }, delayMs);
    (this.stateRetry as { unref?: () => void }).unref?.();
  }

  private async saveState(next: PersistedTraderState): Promise<void> {
    await this.deps.state.save(next);
    this.state = next;
    this.notify("status");
  }

  private record(origin: Origin, action: string, result: ActionResult): ActionResult {
    this.deps.journal.log("control", `${action}: ${result.message}`, { action, ok: result.ok, result: result.message, detail: result.data }, origin);
    this.notify("logs");
    this.notify("status");
    return result;
  }

  private emit(event: TraderEvent): void {
    for (const listener of this.eventListeners) listener(event);
  }

  /**
   * Tells the listeners when the mode in force changed (owner, API, hand edit,
   * kill switch, emergency stop); `cause` marks a change that is part of a
   * larger event already reported (the kill switch's or the emergency stop's pause).
   */
  private announceMode(origin: Origin, cause?: string): void {
    const from = this.announcedMode;
    const to = this.effectiveMode();
    this.announcedMode = to;
    if (from === null || from === to) return;
    const confirmed = to === "live" && this.state.live_confirmed_at !== null;
    const message = `Mode changed: ${from} → ${to}${confirmed ? " (live confirmed by the owner)" : ""}`;
    this.emit({ type: "control", at: this.now(), message, data: { action: "mode", from, to, origin, confirmed, ...(cause ? { cause } : {}) } });
  }

  private notify(topic: ChangeTopic): void {
    for (const listener of this.listeners) listener(topic);
  }
}

function describePatch(patch: TraderConfigPatch): string {
  return Object.entries(patch).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ") || "(nothing)";
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
