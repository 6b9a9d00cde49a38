/**
 * The closing duty: positions that must close but could not (the kill switch,
 * an emergency stop, a stop-loss or Close all met a failing exchange) are not
 * abandoned. They are retried with back-off — also while the trader is OFF,
 * paused or locked, because this only ever closes — until the exchange shows
 * them gone or the owner cancels the duty from /trader.
 *
 * The list is kept in trader_state.json (through `persist`), so a restart
 * carries on; a failing disk is reported but never stops a retry.
 */
import type { Exchange } from "../exchange/types.ts";
import { logger } from "../log.ts";
import { closeWithRetries, type ClosePorts } from "./closing.ts";

const log = logger("trader");

export interface ClosingTask {
  exchange: "paper" | "coinex";
  symbol: string;
  reason: string;
  /** When the duty began (ms). */
  since: number;
  attempts: number;
  last_error: string | null;
  /** Next attempt (ms). */
  next_at: number;
}

export interface ClosingDutyDeps {
  exchange(name: ClosingTask["exchange"]): Exchange | null;
  ports: ClosePorts;
  persist(tasks: ClosingTask[]): Promise<void>;
  /** Called after each round that changed something (the page shows the list). */
  changed(): void;
  firstDelayMs?: number;
  maxDelayMs?: number;
}

export class ClosingDuty {
  private tasks: ClosingTask[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly firstDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(private readonly deps: ClosingDutyDeps) {
    this.firstDelayMs = deps.firstDelayMs ?? 5_000;
    this.maxDelayMs = deps.maxDelayMs ?? 5 * 60_000;
  }

  /** Restores the duty a previous run left (from trader_state.json). */
  restore(tasks: readonly ClosingTask[]): void {
    this.tasks = tasks.map((t) => ({ ...t }));
    this.schedule();
  }

  list(): ClosingTask[] {
    return this.tasks.map((t) => ({ ...t }));
  }

  /** Adds (or refreshes) a position the bot must close. */
  add(exchange: ClosingTask["exchange"], symbol: string, reason: string, lastError: string): void {
    const now = this.deps.ports.now();
    const existing = this.tasks.find((t) => t.exchange === exchange && t.symbol === symbol);
    if (existing) {
      existing.last_error = lastError;
    } else {
      this.tasks.push({ exchange, symbol, reason, since: now, attempts: 0, last_error: lastError, next_at: now + this.firstDelayMs });
      this.deps.ports.journal.log("error", `Closing duty: will keep trying to close ${symbol} on ${exchange} (${reason}); last error: ${lastError}`, { symbol, exchange, reason });
    }
    void this.save();
    this.schedule();
  }

  /** The owner takes over: the bot stops retrying `symbol`. */
  cancel(symbol: string): boolean {
    const before = this.tasks.length;
    this.tasks = this.tasks.filter((t) => t.symbol !== symbol);
    if (this.tasks.length === before) return false;
    void this.save();
    this.deps.changed();
    return true;
  }

  /** Runs every task that is due now (the timer calls this; tests call it directly). */
  runDue(): Promise<void> {
    this.running ??= this.round().finally(() => {
      this.running = null;
      this.schedule();
    });
    return this.running;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async round(): Promise<void> {
    const now = this.deps.ports.now();
    let changed = false;
    for (const task of this.tasks.filter((t) => t.next_at <= now)) {
      const exchange = this.deps.exchange(task.exchange);
      if (!exchange) continue;
      changed = true;
      task.attempts += 1;
      let outcome;
      try {
        const position = (await exchange.getPositions()).find((p) => p.symbol === task.symbol);
        if (!position) {
          this.finish(task, `${task.symbol} is no longer open on ${task.exchange}`);
          continue;
        }
        outcome = await closeWithRetries(exchange, position, task.reason, this.deps.ports, { attempts: 1 });
      } catch (error) {
        outcome = { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
      if (outcome.ok) {
        this.finish(task, `closed ${task.symbol} on attempt ${task.attempts}`);
      } else {
        task.last_error = outcome.error ?? "unknown error";
        task.next_at = this.deps.ports.now() + Math.min(this.maxDelayMs, this.firstDelayMs * 2 ** Math.min(task.attempts, 16));
      }
    }
    if (changed) {
      await this.save();
      this.deps.changed();
    }
  }

  private finish(task: ClosingTask, what: string): void {
    this.tasks = this.tasks.filter((t) => t !== task);
    this.deps.ports.journal.log("trade", `Closing duty done: ${what}`, { symbol: task.symbol, exchange: task.exchange, attempts: task.attempts });
  }

  private schedule(): void {
    if (this.stopped || this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.tasks.length === 0) return;
    const next = Math.min(...this.tasks.map((t) => t.next_at));
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runDue();
    }, Math.max(0, next - this.deps.ports.now()));
    // The server keeps the process alive; a pending retry alone must not (tests, shutdown).
    (this.timer as { unref?: () => void }).unref?.();
  }

  private async save(): Promise<void> {
    try {
      await this.deps.persist(this.list());
    } catch (error) {
      log.error(`could not save the closing duty (it keeps running in memory): ${(error as Error).message}`);
    }
  }
}
