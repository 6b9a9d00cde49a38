/**
 * Emergency stop, as an owner in trouble needs it: every step runs whatever the
 * others did, and the answer lists each step's result.
 *   1. halt in memory: OFF and locked at once (cannot fail; an in-flight cycle
 *      re-reads the lock before every order and places nothing more);
 *   2. wait for an in-flight cycle, so no order lands after the positions are listed;
 *   3. close every position on every configured exchange, with retries; what
 *      will not close goes to the closing duty;
 *   4. write the lockfile, trader_state.json (OFF) and the config (paused).
 * Closing comes before the disk: a full disk must never keep a position open.
 */
import type { Exchange, Position } from "../exchange/types.ts";
import { closeAll, type CloseOptions, type CloseOutcome, type ClosePorts } from "./closing.ts";

export interface EmergencyStep {
  step: string;
  ok: boolean;
  detail: string;
}

export interface EmergencyStopDeps {
  halt(): void;
  waitForCycle(): Promise<void>;
  exchanges(): Exchange[];
  listPositions(exchange: Exchange): Promise<Position[]>;
  closePorts: ClosePorts;
  closeOptions: CloseOptions;
  mustClose(exchange: Exchange, position: Position, reason: string, error: string): void;
  writeLock(): Promise<void>;
  saveOff(): Promise<void>;
  pauseConfig(): Promise<void>;
}

export interface EmergencyStopReport {
  outcomes: (CloseOutcome & { exchange: string })[];
  steps: EmergencyStep[];
}

export async function runEmergencyStop(deps: EmergencyStopDeps): Promise<EmergencyStopReport> {
  const steps: EmergencyStep[] = [];
  const attempt = async (step: string, work: () => Promise<string>) => {
    try {
      steps.push({ step, ok: true, detail: await work() });
    } catch (error) {
      steps.push({ step, ok: false, detail: error instanceof Error ? error.message : String(error) });
    }
  };
  deps.halt();
  steps.push({ step: "halt", ok: true, detail: "trader OFF and locked in memory" });
  await attempt("wait for the running cycle", async () => {
    await deps.waitForCycle();
    return "no cycle running";
  });

  const outcomes: EmergencyStopReport["outcomes"] = [];
  for (const exchange of deps.exchanges()) {
    await attempt(`close positions on ${exchange.name}`, async () => {
      let positions: Position[];
      try {
        positions = await deps.listPositions(exchange);
      } catch (error) {
        const message = `could not list positions: ${error instanceof Error ? error.message : String(error)}`;
        outcomes.push({ exchange: exchange.name, symbol: "*", ok: false, attempts: 3, error: message });
        throw new Error(message);
      }
      const closed = await closeAll(exchange, positions, "emergency stop", deps.closePorts, deps.closeOptions);
      for (const outcome of closed) {
        outcomes.push({ ...outcome, exchange: exchange.name });
        const position = positions.find((p) => p.symbol === outcome.symbol);
        if (!outcome.ok && position) deps.mustClose(exchange, position, "emergency stop", outcome.error ?? "unknown error");
      }
      const failed = closed.filter((o) => !o.ok);
      if (failed.length > 0) throw new Error(`${failed.length} of ${closed.length} close(s) failed (the closing duty keeps trying): ${failed.map((f) => `${f.symbol}: ${f.error}`).join("; ")}`);
      return `closed ${closed.length} position(s)`;
    });
  }
  await attempt("write the lockfile", async () => {
    await deps.writeLock();
    return "live-trader-lock.json written";
  });
  await attempt("save OFF", async () => {
    await deps.saveOff();
    return "trader_state.json says OFF";
  });
  await attempt("set mode paused", async () => {
    await deps.pauseConfig();
    return "trader_config.json says paused";
  });
  return { outcomes, steps };
}
