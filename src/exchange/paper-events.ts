/**
 * What the paper exchange did on its own, between the trader's calls: a
 * stop, a take-profit, a liquidation or a funding settlement. Listeners hear
 * each after it was saved; one listener's failure does not stop the others.
 */
import { logger } from "../log.ts";
import type { ClosedPosition } from "./types.ts";

const log = logger("exchange.paper");

export type PaperEvent =
  | { type: "stop_loss" | "take_profit" | "liquidation"; symbol: string; closed: ClosedPosition; at: number }
  /** `amount`: + received, − paid; `at`: the funding instant. */
  | { type: "funding"; symbol: string; amount: number; rate: number; at: number };

export type PaperEventListener = (event: PaperEvent) => void;

export class PaperEvents {
  private readonly listeners = new Set<PaperEventListener>();

  /** Adds `listener`; the returned function removes it. */
  on(listener: PaperEventListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  emit(event: PaperEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        log.error("paper event listener failed", { type: event.type, symbol: event.symbol, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }
}
