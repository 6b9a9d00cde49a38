/**
 * A read-only mirror of the one trader process, for `web` instances: they run
 * the dashboard but have no exchange, no SQLite and no config file, so they
 * read the trader's state from the bus (the keys publishTrader writes in
 * src/app/bus-publishers.ts) and its events from trader:events.
 *
 * `status()` converts the bus payloads back into exactly what the
 * TraderController's `status()` returns. When nobody is publishing (the keys
 * are missing, or state:trader:status is older than `staleAfterMs`) or Redis is
 * unreachable, it fails safe: mode paused, OFF, no account, live impossible,
 * and `account_error` says plainly what is wrong. It keeps showing the last
 * known positions, lock and last cycle (a trader wants to see what was open),
 * labelled as last seen.
 *
 * Every control is refused with the read-only message and writes nothing:
 * controls belong to the trader process.
 */
import { z } from "zod";
import type { Bus, Unsubscribe } from "../bus/bus.ts";
import { channels, keys } from "../bus/keys.ts";
import type { BalanceState, TraderEvent as BusTraderEvent, TraderStatus as BusTraderStatus } from "../bus/payloads.ts";
import { DEFAULT_TRADER_CONFIG, TRADER_MODES, type TraderConfig, type TraderConfigPatch, type TraderMode } from "../config/schema.ts";
import type { BusPosition } from "../bus/payloads.ts";
import { logger } from "../log.ts";
import {
  positionView,
  type AccountView,
  type ActionResult,
  type ChangeTopic,
  type ConfigUpdateResult,
  type PositionView,
  type TraderStatus,
} from "../trader/controller.ts";
import type { CycleSummary } from "../trader/cycle.ts";
import type { LockInfo, Origin } from "../trader/ports.ts";
import type { RecordView, TraderPort } from "../web/deps.ts";
import { STATE_HEARTBEAT_MS } from "./bus-publishers.ts";
import { RemoteRecord, type RemoteRecordLimits } from "./remote-record.ts";

const log = logger("remote-trader");

export const READ_ONLY_MESSAGE =
  'This is a read-only web instance: controls are served by the trader process (route POST requests to it; see README "Several web instances")';

export interface RemoteTraderOptions {
  /** How often the state keys are read (default 1000 ms). */
  pollMs?: number;
  /** state:trader:status older than this counts as nobody publishing (default three missed heartbeats: 30 000 ms). */
  staleAfterMs?: number;
  /** Clock compared with the trader's `updated_at` (ms since the epoch). */
  now?: () => number;
  /** The refusal every control returns. */
  readOnlyMessage?: string;
  /** Bounds of the record rebuilt from events. */
  recordLimits?: RemoteRecordLimits;
}

/** A trader that missed this many heartbeats in a row is taken as gone. */
const STALE_AFTER_HEARTBEATS = 3;

/** Shown while no trader has said where its prices come from: assume they are not real. */
const UNKNOWN_MARKET = { name: "unknown", simulated: true, banner: null } as const;

/** The trader's CycleSummary; the bus only checks that last_cycle is an object, the page reads its fields. */
const CycleSummarySchema = z.object({
  at: z.number(),
  mode: z.enum(TRADER_MODES),
  exchange: z.string().nullable(),
  skipped: z.string().nullable(),
  scanned: z.number(),
  signals: z.number(),
  actions: z.array(z.string()),
  errors: z.array(z.string()),
  duration_ms: z.number(),
}) satisfies z.ZodType<CycleSummary>;

/** Whether the trader's state on the bus can be shown as current, and if not, why. */
type Health = "fresh" | "missing" | "stale" | "unreachable";

export class RemoteTrader implements TraderPort {
  readonly record: RecordView;
  private readonly events: RemoteRecord;
  private readonly pollMs: number;
  private readonly staleAfterMs: number;
  private readonly now: () => number;
  private readonly readOnlyMessage: string;
  private readonly listeners = new Set<(topic: ChangeTopic) => void>();

  // The last values seen on the bus, already converted. A missing or unreadable
  // key never erases them: the fail-safe status shows them as last seen.
  private trader: BusTraderStatus | null = null;
  private statusMissing = true;
  private lock: LockInfo | null = null;
  private lastCycle: CycleSummary | null = null;
  private config: TraderConfig | null = null;
  private positions: PositionView[] = [];
  private balance: BalanceState | null = null;
  /** JSON of each key's last value (without updated_at), to tell what changed. */
  private readonly seen = { status: "", config: "", positions: "", balance: "" };
  private lastHealth: Health | null = null;

  private timer: ReturnType<typeof setTimeout> | null = null;
  private unsubscribe: Unsubscribe | null = null;
  private connected = false;
  private closed = false;
  private warnedBadCycle = false;

  constructor(
    private readonly bus: Bus,
    options: RemoteTraderOptions = {},
  ) {
    this.pollMs = positive(options.pollMs ?? 1000, "pollMs");
    this.staleAfterMs = positive(options.staleAfterMs ?? STALE_AFTER_HEARTBEATS * STATE_HEARTBEAT_MS, "staleAfterMs");
    this.now = options.now ?? Date.now;
    this.readOnlyMessage = options.readOnlyMessage ?? READ_ONLY_MESSAGE;
    this.events = new RemoteRecord(options.recordLimits);
    this.record = this.events;
  }

  // ---- lifecycle ---------------------------------------------------------
  // Named connect/close because start/stop are the trader's ON/OFF controls.

  /** Subscribes to trader:events, reads the state keys once, then every `pollMs`. */
  async connect(): Promise<void> {
    if (this.connected || this.closed) return;
    this.connected = true;
    const unsubscribe = await this.bus.subscribe(channels.traderEvents, (event) => this.onEvent(event));
    if (this.closed) unsubscribe();
    else this.unsubscribe = unsubscribe;
    await this.poll();
    this.schedule();
  }

  /** Stops polling and listening; status() keeps answering from what was seen. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  onChange(listener: (topic: ChangeTopic) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- reading -------------------------------------------------------------

  status(): TraderStatus {
    const health = this.health();
    const trader = this.trader;
    const shared = {
      lock: this.lock,
      market_source: trader ? { ...trader.market_source } : { ...UNKNOWN_MARKET },
      exchange: trader?.exchange ?? ("paper" as const),
      config: this.config ?? DEFAULT_TRADER_CONFIG,
      positions: this.positions,
      last_cycle: this.lastCycle,
      closing: trader?.closing ?? [],
      cooldowns: trader?.cooldowns ?? [],
      warnings: trader?.warnings ?? [],
    };
    if (health === "fresh" && trader) {
      return {
        ...shared,
        mode: trader.mode,
        running: trader.running,
        live: { ...trader.live },
        account: this.freshAccount(),
        account_error: trader.account_error,
      };
    }
    const problem = this.describe(health);
    return {
      ...shared,
      mode: "paused",
      running: false,
      live: { possible: false, reason: problem, confirmed: false },
      account: null,
      account_error: problem,
    };
  }

  // ---- controls: all refused -------------------------------------------------

  async start(_origin: Origin): Promise<ActionResult> {
    return this.refuse();
  }

  async stop(_origin: Origin): Promise<ActionResult> {
    return this.refuse();
  }

  async pause(_origin: Origin): Promise<ActionResult> {
    return this.refuse();
  }

  async setMode(_mode: TraderMode, _confirm: string | undefined, _origin: Origin): Promise<ActionResult> {
    return this.refuse();
  }

  async updateConfig(_patch: TraderConfigPatch, _origin: Origin, _confirm?: string): Promise<ConfigUpdateResult> {
    return { ok: false, error: this.readOnlyMessage, issues: [] };
  }

  async emergencyStop(_origin: Origin): Promise<ActionResult> {
    return this.refuse();
  }

  async clearLock(_origin: Origin): Promise<ActionResult> {
    return this.refuse();
  }

  async closePosition(_symbol: string, _origin: Origin): Promise<ActionResult & { status: number }> {
    return { ...this.refuse(), status: 503 };
  }

  async closeAllPositions(_origin: Origin): Promise<ActionResult> {
    return this.refuse();
  }

  async runCycleNow(_origin: Origin): Promise<ActionResult> {
    return this.refuse();
  }

  async resetBaseline(_origin: Origin): Promise<ActionResult> {
    return this.refuse();
  }

  async cancelClosing(_symbol: string, _origin: Origin): Promise<ActionResult> {
    return this.refuse();
  }

  // ---- internals -----------------------------------------------------------

  private refuse(): ActionResult {
    return { ok: false, message: this.readOnlyMessage };
  }

  private schedule(): void {
    if (this.closed) return;
    // A chain of timeouts, not an interval: a slow read never overlaps the next.
    this.timer = setTimeout(async () => {
      this.timer = null;
      await this.poll();
      this.schedule();
    }, this.pollMs);
  }

  /** Reads the four keys and tells listeners which topics changed. Never throws. */
  private async poll(): Promise<void> {
    const changed = new Set<ChangeTopic>();
    try {
      if (this.bus.isConnected()) {
        const [status, config, positions, balance] = await Promise.all([
          this.bus.get(keys.traderStatus),
          this.bus.get(keys.traderConfig),
          this.bus.get(keys.positions),
          this.bus.get(keys.balance),
        ]);
        // Reads made while the connection dropped answer null: keep what was seen.
        if (this.bus.isConnected() && !this.closed) this.take(status, config, positions, balance, changed);
      }
    } catch (error) {
      log.error(`could not read the trader state from the bus: ${(error as Error).message}`);
    }
    const health = this.health();
    if (health !== this.lastHealth) {
      // Fresh ↔ stale changes mode, ON/OFF, the account and the error shown.
      if (this.lastHealth !== null) log.warn(`trader state on the bus is now ${health}`);
      this.lastHealth = health;
      changed.add("status");
      changed.add("account");
    }
    for (const topic of changed) this.notify(topic);
  }

  private take(
    status: BusTraderStatus | null,
    config: TraderConfig | null,
    positions: BusPosition[] | null,
    balance: BalanceState | null,
    changed: Set<ChangeTopic>,
  ): void {
    this.statusMissing = status === null;
    if (status) {
      this.trader = status;
      // updated_at and uptime_s move on with every heartbeat: not a change to show.
      const { updated_at: _at, uptime_s: _uptime, ...content } = status;
      if (this.differs("status", content)) {
        this.lock = toLockInfo(status.lock);
        this.lastCycle = this.toCycleSummary(status.last_cycle);
        changed.add("status");
      }
    }
    if (config && this.differs("config", config)) {
      this.config = config;
      changed.add("config");
    }
    if (positions && this.differs("positions", positions)) {
      this.positions = positions.map(positionView);
      changed.add("account");
    }
    if (balance) {
      this.balance = balance;
      this.events.noteBalance(balance);
      const { updated_at: _at, ...content } = balance;
      if (this.differs("balance", content)) changed.add("account");
    }
  }

  private differs(key: keyof RemoteTrader["seen"], value: unknown): boolean {
    const json = JSON.stringify(value);
    if (json === this.seen[key]) return false;
    this.seen[key] = json;
    return true;
  }

  private onEvent(event: BusTraderEvent): void {
    if (this.closed) return;
    this.events.noteEvent(event);
    this.notify("logs");
  }

  private health(): Health {
    if (!this.bus.isConnected()) return "unreachable";
    if (this.trader === null || this.statusMissing) return "missing";
    if (this.now() - this.trader.updated_at > this.staleAfterMs) return "stale";
    return "fresh";
  }

  /** The balance only while it is itself fresh: an old one is a previous trader run's. */
  private freshAccount(): AccountView | null {
    const b = this.balance;
    if (!b || this.now() - b.updated_at > this.staleAfterMs) return null;
    return {
      equity: b.equity,
      available: b.available,
      margin: b.margin,
      unrealized_pnl: b.unrealized_pnl,
      starting_balance: b.starting_balance,
      baseline_at: b.baseline_at ?? null,
      drawdown_pct: b.drawdown_pct,
      kill_switch_distance_pct: b.kill_switch_distance_pct,
    };
  }

  /** What is wrong, in words a trader can act on; the text only changes when the situation does. */
  private describe(health: Health): string {
    const seenAt = this.trader ? clockTime(this.trader.updated_at) : null;
    const positions = this.positions.length > 0 ? `; ${this.positions.length} position(s) shown as last seen` : "";
    switch (health) {
      case "unreachable":
        return seenAt
          ? `Redis unreachable: showing the trader state as last seen at ${seenAt}${positions}`
          : "Redis unreachable: no trader state seen yet";
      case "missing":
        return seenAt
          ? `no trader is publishing its state on Redis (state:trader:status missing; last seen at ${seenAt})${positions}`
          : `no trader is publishing its state on Redis (state:trader:status missing or not updated for ${seconds(this.staleAfterMs)})`;
      case "stale":
        return `no trader is publishing its state on Redis (state:trader:status not updated for more than ${seconds(this.staleAfterMs)}; last at ${seenAt})${positions}`;
      case "fresh":
        return "";
    }
  }

  private toCycleSummary(value: Record<string, unknown> | null): CycleSummary | null {
    if (value === null) return null;
    const parsed = CycleSummarySchema.safeParse(value);
    if (parsed.success) return parsed.data;
    if (!this.warnedBadCycle) {
      const issue = parsed.error.issues[0];
      log.warn(`state:trader:status.last_cycle is not a cycle summary (${issue?.path.join(".") || "(root)"}: ${issue?.message}); showing none`);
    }
    this.warnedBadCycle = true;
    return null;
  }

  private notify(topic: ChangeTopic): void {
    for (const listener of this.listeners) {
      try {
        listener(topic);
      } catch (error) {
        log.error(`a change listener failed on ${topic}: ${(error as Error).message}`);
      }
    }
  }
}

/** The lockfile as the controller shows it: `at` back to an ISO time. */
function toLockInfo(lock: BusTraderStatus["lock"]): LockInfo | null {
  if (!lock) return null;
  return {
    reason: lock.reason,
    at: new Date(lock.at).toISOString(),
    source: typeof lock.source === "string" ? lock.source : "unknown",
    ...(typeof lock.count === "number" ? { count: lock.count } : {}),
  };
}

/** HH:MM:SS UTC: a web instance and the trader may sit in different time zones. */
function clockTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 19)} UTC`;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`RemoteTrader: ${name} must be a positive number of milliseconds, got ${value}`);
  return value;
}
