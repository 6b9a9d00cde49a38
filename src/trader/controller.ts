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
import type { Exchange, Position } from "../exchange/types.ts";
import { closeAll, closeWithRetries, type CloseOutcome } from "./closing.ts";
import { runCycle, type CycleSummary } from "./cycle.ts";
import type { CyclePorts, LockInfo, Origin, TraderEvent, TraderJournal } from "./ports.ts";
import { CircuitBreaker } from "./risk/circuit-breaker.ts";
import { readKillSwitch } from "./risk/kill-switch.ts";
import { pnlPctOfMargin } from "./risk/take-profit-stop-loss.ts";
import type { ScoredCoin } from "./signals.ts";

export interface PersistedTraderState {
  running: boolean;
  /** Set only by a confirmed switch to live; cleared when the mode leaves live. */
  live_confirmed_at: number | null;
  /** The exchange whose account the dashboard shows while paused. */
  last_exchange: "paper" | "coinex";
  /** Equity when live trading first started: the kill switch's baseline on CoinEx. */
  coinex_starting_balance: number | null;
}

export type ConfigUpdateResult =
  | { ok: true; config: TraderConfig }
  | { ok: false; error: string; issues: { path: string; message: string }[] };

export interface ControllerDeps {
  config: {
    current(): TraderConfig;
    /** Re-reads the file; returns the config in force (the last good one if the file is invalid). */
    read(): Promise<TraderConfig>;
    update(patch: TraderConfigPatch, origin: Origin): Promise<ConfigUpdateResult>;
  };
  state: { load(): Promise<PersistedTraderState>; save(state: PersistedTraderState): Promise<void> };
  /** live-trader-lock.json; `read` fails safe (a damaged file reads as a lock). */
  lockFile: {
    read(): Promise<LockInfo | null>;
    write(info: { reason: string; source: string; count?: number }): Promise<void>;
    clear(): Promise<void>;
  };
  journal: TraderJournal;
  paper: Exchange & { startingBalance: number };
  coinex: Exchange | null;
  market: () => { name: string; simulated: boolean; banner: string | null };
  coins: (config: TraderConfig) => ScoredCoin[];
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

export interface AccountView {
  equity: number;
  available: number;
  margin: number;
  unrealized_pnl: number;
  starting_balance: number;
  drawdown_pct: number;
  kill_switch_distance_pct: number;
}

export interface PositionView {
  symbol: string;
  side: "long" | "short";
  size: number;
  entry_price: number;
  current_price: number;
  pnl: number;
  pnl_pct: number;
  margin: number;
  leverage: number;
  opened_at: number;
}

/** A position as the dashboard shows it: P&L also as % of margin (the unit of TP/SL). */
export function positionView(p: Position): PositionView {
  return {
    symbol: p.symbol,
    side: p.side,
    size: p.size,
    entry_price: p.entry_price,
    current_price: p.current_price,
    pnl: p.unrealized_pnl,
    pnl_pct: pnlPctOfMargin(p.unrealized_pnl, p.margin),
    margin: p.margin,
    leverage: p.leverage,
    opened_at: p.opened_at,
  };
}

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
}

export type ChangeTopic = "status" | "account" | "config" | "logs";

export interface ActionResult {
  ok: boolean;
  message: string;
  data?: unknown;
}

export class TraderController {
  /** Until boot() reads trader_state.json: OFF (fail safe). */
  private state: PersistedTraderState = { running: false, live_confirmed_at: null, last_exchange: "paper", coinex_starting_balance: null };
  /** The lockfile as last read; display only — every order re-reads the file. */
  private cachedLock: LockInfo | null = null;
  private readonly breaker = new CircuitBreaker();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private accountTimer: ReturnType<typeof setInterval> | null = null;
  private cycleInFlight: Promise<CycleSummary> | null = null;
  private lastCycle: CycleSummary | null = null;
  private account: AccountView | null = null;
  private accountError: string | null = null;
  private positions: PositionView[] = [];
  private readonly listeners = new Set<(topic: ChangeTopic) => void>();
  private readonly eventListeners = new Set<(event: TraderEvent) => void>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private unconfirmedLiveWarned = false;

  constructor(private readonly deps: ControllerDeps) {
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  // ---- lifecycle -------------------------------------------------------

  /** Restores ON/OFF as the owner left it and starts the account refresher. */
  async boot(): Promise<void> {
    this.state = await this.deps.state.load();
    this.cachedLock = await this.deps.lockFile.read();
    await this.refreshAccount();
    if (this.state.running) {
      this.deps.journal.log("control", "Restored ON after restart (the owner left the trader running)", { action: "restore", ok: true, result: "ON" }, "system");
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
    this.cachedLock = await this.deps.lockFile.read();
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

  liveCheck(): { possible: boolean; reason: string | null } {
    const market = this.deps.market();
    if (!this.deps.coinex) return { possible: false, reason: "no CoinEx exchange: set COINEX_ACCESS_ID and COINEX_SECRET_KEY and do not force --exchange paper" };
    if (market.simulated) return { possible: false, reason: `the market source is ${market.name} (not real prices)` };
    return { possible: true, reason: null };
  }

  status(): TraderStatus {
    const config = this.deps.config.current();
    const live = this.liveCheck();
    return {
      mode: this.effectiveMode(config),
      running: this.state.running,
      lock: this.cachedLock,
      market_source: this.deps.market(),
      exchange: this.displayExchange().name,
      live: { ...live, confirmed: this.state.live_confirmed_at !== null },
      config,
      account: this.account,
      account_error: this.accountError,
      positions: this.positions,
      last_cycle: this.lastCycle,
    };
  }

  // ---- controls ----------------------------------------------------------

  async start(origin: Origin): Promise<ActionResult> {
    if (this.state.running) return this.record(origin, "start", { ok: true, message: "Trader already ON" });
    await this.saveState({ ...this.state, running: true });
    this.scheduleNext(0);
    return this.record(origin, "start", { ok: true, message: `Trader ON (mode ${this.effectiveMode()})` });
  }

  async stop(origin: Origin): Promise<ActionResult> {
    await this.saveState({ ...this.state, running: false });
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    return this.record(origin, "stop", { ok: true, message: "Trader OFF: no more cycles (open positions stay open)" });
  }

  async pause(origin: Origin): Promise<ActionResult> {
    const result = await this.updateConfig({ mode: "paused" }, origin);
    return this.record(origin, "pause", result.ok ? { ok: true, message: "Mode set to paused" } : { ok: false, message: result.error });
  }

  async setMode(mode: TraderMode, confirm: string | undefined, origin: Origin): Promise<ActionResult> {
    const result = await this.updateConfig({ mode }, origin, confirm);
    return result.ok
      ? { ok: true, message: `Mode set to ${mode}` }
      : { ok: false, message: result.error };
  }

  /**
   * Applies a partial config. Switching to live needs `confirm === "LIVE"` and
   * the live preconditions; the refusal says which one is missing.
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
    const result = await this.deps.config.update(patch, origin);
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
    this.deps.journal.log("control", `Config updated: ${describePatch(patch)}`, { action: "config", ok: true, result: describePatch(patch), patch }, origin);
    this.notify("config");
    this.notify("status");
    if (patch.scan_interval_minutes !== undefined && this.state.running) this.scheduleNext();
    return result;
  }

  /** A hand edit of trader_config.json noticed by the watcher. */
  async onConfigFileChanged(config: TraderConfig): Promise<void> {
    if (config.mode === "live" && this.state.live_confirmed_at === null) {
      this.deps.journal.log("error", "trader_config.json says mode live, but live was not confirmed from the dashboard: the trader stays paused", undefined, "file");
    } else {
      await this.forgetLiveConfirmationUnless(config.mode);
    }
    this.deps.journal.log("control", "trader_config.json edited by hand: new config in force", { action: "config", ok: true, result: "hand edit accepted", config }, "file");
    this.notify("config");
    this.notify("status");
  }

  onConfigFileRejected(error: string): void {
    this.deps.journal.log("error", `trader_config.json edit rejected, the last good config stays in force: ${error}`, undefined, "file");
    this.notify("logs");
  }

  /**
   * Emergency stop: stop the loop, write the lockfile (so an in-flight cycle
   * places nothing more), set paused, close every position on every configured
   * exchange with retries, and report each result.
   */
  async emergencyStop(origin: Origin): Promise<ActionResult> {
    const at = this.now();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // The lockfile first: an in-flight cycle re-reads it before every order.
    await this.writeLock({ reason: `emergency stop (${origin})`, source: "emergency_stop" });
    await this.saveState({ ...this.state, running: false, live_confirmed_at: null });
    await this.deps.config.update({ mode: "paused" }, origin);
    await this.cycleInFlight?.catch(() => undefined);
    const outcomes: (CloseOutcome & { exchange: string })[] = [];
    for (const exchange of this.exchanges()) {
      let positions;
      try {
        positions = await this.withRetries(() => exchange.getPositions());
      } catch (error) {
        outcomes.push({ exchange: exchange.name, symbol: "*", ok: false, attempts: 3, error: `could not list positions: ${errorText(error)}` });
        continue;
      }
      const closed = await closeAll(exchange, positions, "emergency stop", this.closePorts(), { origin, retryDelayMs: this.deps.closeRetryDelayMs });
      outcomes.push(...closed.map((o) => ({ ...o, exchange: exchange.name })));
    }
    const failed = outcomes.filter((o) => !o.ok);
    const message = failed.length === 0
      ? `Emergency stop: trader OFF, paused, locked; closed ${outcomes.length} position(s)`
      : `Emergency stop: trader OFF, paused, locked; ${failed.length} of ${outcomes.length} close(s) FAILED: ${failed.map((f) => `${f.symbol}: ${f.error}`).join("; ")}`;
    this.emit({ type: "control", at, message });
    await this.refreshAccount();
    return this.record(origin, "emergency-stop", { ok: failed.length === 0, message, data: { outcomes } });
  }

  async clearLock(origin: Origin): Promise<ActionResult> {
    const lock = await this.deps.lockFile.read();
    await this.deps.lockFile.clear();
    this.cachedLock = null;
    this.breaker.reset();
    return this.record(origin, "clear-lockfile", { ok: true, message: lock ? `Lockfile cleared (was: ${lock.reason})` : "No lockfile was set" });
  }

  async closePosition(symbol: string, origin: Origin): Promise<ActionResult & { status: number }> {
    const exchange = this.displayExchange();
    const positions = await exchange.getPositions();
    const position = positions.find((p) => p.symbol === symbol);
    if (!position) {
      const result = this.record(origin, "close-position", { ok: false, message: `No open position for ${symbol} on ${exchange.name}` });
      return { ...result, status: 404 };
    }
    const outcome = await closeWithRetries(exchange, position, `closed by owner (${origin})`, this.closePorts(), { origin, retryDelayMs: this.deps.closeRetryDelayMs });
    await this.refreshAccount();
    const result = this.record(origin, "close-position", outcome.ok
      ? { ok: true, message: `Closed ${symbol}, P&L ${outcome.pnl?.toFixed(2)} USDT`, data: outcome }
      : { ok: false, message: `Could not close ${symbol}: ${outcome.error}`, data: outcome });
    return { ...result, status: outcome.ok ? 200 : 502 };
  }

  async closeAllPositions(origin: Origin): Promise<ActionResult> {
    const exchange = this.displayExchange();
    const positions = await exchange.getPositions();
    const outcomes = await closeAll(exchange, positions, `close all by owner (${origin})`, this.closePorts(), { origin, retryDelayMs: this.deps.closeRetryDelayMs });
    await this.refreshAccount();
    const failed = outcomes.filter((o) => !o.ok);
    return this.record(origin, "close-all", {
      ok: failed.length === 0,
      message: failed.length === 0 ? `Closed ${outcomes.length} position(s)` : `${failed.length} of ${outcomes.length} close(s) failed`,
      data: { outcomes },
    });
  }

  /** Runs one cycle now (serialised with the loop: never two cycles at once). */
  async runCycleNow(origin: Origin): Promise<ActionResult> {
    const summary = await this.runOneCycle();
    return this.record(origin, "run-cycle", { ok: summary.errors.length === 0, message: summary.skipped ? `Cycle skipped: ${summary.skipped}` : `Cycle done: ${summary.actions.length} action(s)`, data: summary });
  }

  // ---- internals -------------------------------------------------------

  private async runOneCycle(): Promise<CycleSummary> {
    while (this.cycleInFlight) await this.cycleInFlight.catch(() => undefined);
    const run = runCycle(this.cyclePorts(), this.breaker);
    this.cycleInFlight = run;
    try {
      const summary = await run;
      this.lastCycle = summary;
      return summary;
    } finally {
      this.cycleInFlight = null;
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
        if (exchange.name === "paper") return this.deps.paper.startingBalance;
        if (this.state.coinex_starting_balance === null) void this.saveState({ ...this.state, coinex_starting_balance: equity });
        return this.state.coinex_starting_balance ?? equity;
      },
      coins: this.deps.coins,
      lock: {
        current: async () => (this.cachedLock = await this.deps.lockFile.read()),
        set: (info) => this.writeLock(info),
      },
      journal: this.deps.journal,
      pause: async (reason) => {
        await this.deps.config.update({ mode: "paused" }, "system");
        await this.forgetLiveConfirmationUnless("paused");
        this.deps.journal.log("control", `Mode set to paused by the system: ${reason}`, { action: "pause", ok: true, result: reason }, "system");
        this.notify("config");
        this.notify("status");
      },
      emit: (event) => this.emit(event),
      now: this.now,
      sleep: this.sleep,
    };
  }

  private closePorts() {
    return { journal: this.deps.journal, emit: (e: TraderEvent) => this.emit(e), now: this.now, sleep: this.sleep };
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

  /** Re-reads balance and positions of the shown exchange (read-only calls). */
  async refreshAccount(): Promise<void> {
    this.cachedLock = await this.deps.lockFile.read();
    const exchange = this.displayExchange();
    try {
      const [balance, positions] = [await exchange.getBalance(), await exchange.getPositions()];
      const starting = exchange.name === "paper" ? this.deps.paper.startingBalance : this.state.coinex_starting_balance ?? balance.equity;
      const kill = readKillSwitch(balance.equity, starting, this.deps.config.current().kill_switch_drawdown_pct);
      this.account = {
        equity: balance.equity,
        available: balance.available,
        margin: balance.margin,
        unrealized_pnl: balance.unrealized_pnl,
        starting_balance: starting,
        drawdown_pct: kill.drawdown_pct,
        kill_switch_distance_pct: kill.distance_pct,
      };
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
    if (mode !== "live" && this.state.live_confirmed_at !== null) await this.saveState({ ...this.state, live_confirmed_at: null });
  }

  private async saveState(next: PersistedTraderState): Promise<void> {
    await this.deps.state.save(next);
    this.state = next;
    this.notify("status");
  }

  private async writeLock(info: { reason: string; source: string; count?: number }): Promise<void> {
    await this.deps.lockFile.write(info);
    this.cachedLock = await this.deps.lockFile.read();
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
