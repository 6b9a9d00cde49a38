/**
 * Closing positions, shared by TP/SL, the kill switch, emergency stop, the
 * closing duty and the owner's Close / Close All buttons. Each close is retried
 * (the exchange may be busy exactly when it matters most) and every outcome is
 * recorded with one P&L figure: the whole position's net (fees and funding
 * included), the same in the flash, the history and the events.
 */
import { ExchangeError, type Exchange, type Position } from "../exchange/types.ts";
import { formatPrice, formatSignedUsd } from "../util/number-format.ts";
import { closeOrderClientId } from "./client-id.ts";
import type { CyclePorts, Origin } from "./ports.ts";

export interface CloseOutcome {
  symbol: string;
  ok: boolean;
  attempts: number;
  pnl?: number;
  price?: number;
  error?: string;
  /** The exchange had no such position any more (closed meanwhile, e.g. by its own stop): nothing to record here. */
  gone?: boolean;
}

export type ClosePorts = Pick<CyclePorts, "journal" | "emit" | "now" | "sleep">;

export interface CloseOptions {
  attempts?: number;
  retryDelayMs?: number;
  origin?: Origin;
}

export async function closeWithRetries(exchange: Exchange, position: Position, reason: string, ports: ClosePorts, options: CloseOptions = {}): Promise<CloseOutcome> {
  const attempts = options.attempts ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  let lastError = "";
  // Before any close order: if its record is cut off, the restart still knows why (reconcile.ts).
  ports.journal.noteClosing?.(exchange.name, position.symbol, reason, ports.now());
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const at = ports.now();
      const result = await exchange.closePosition(position.symbol, closeOrderClientId(position.symbol, reason, at));
      recordClose(exchange.name, position, reason, at, result, ports);
      return { symbol: position.symbol, ok: true, attempts: attempt, pnl: result.pnl, price: result.exit_price };
    } catch (error) {
      if (error instanceof ExchangeError && error.code === "no_position") {
        // An earlier attempt that timed out may have closed it, or an exchange-side stop did;
        // reconciling with the exchange's history records how it ended.
        return { symbol: position.symbol, ok: true, attempts: attempt, gone: true };
      }
      lastError = error instanceof Error ? error.message : String(error);
      ports.journal.log("error", `Close ${position.symbol} attempt ${attempt}/${attempts} failed: ${lastError}`, { symbol: position.symbol, reason }, options.origin);
      if (attempt < attempts) await ports.sleep(retryDelayMs * attempt);
    }
  }
  ports.emit({ type: "error", at: ports.now(), symbol: position.symbol, message: `Could not close ${position.symbol}: ${lastError}` });
  return { symbol: position.symbol, ok: false, attempts, error: lastError };
}

/** Closes every position; returns one outcome per position (never throws). */
export async function closeAll(exchange: Exchange, positions: Position[], reason: string, ports: ClosePorts, options: CloseOptions = {}): Promise<CloseOutcome[]> {
  const outcomes: CloseOutcome[] = [];
  for (const position of positions) outcomes.push(await closeWithRetries(exchange, position, reason, ports, options));
  return outcomes;
}

/** The record of one close: the journal row (and its "trade" log line) and the trade_close event. */
export function recordClose(
  exchangeName: string,
  position: Pick<Position, "symbol" | "side" | "size" | "entry_price" | "opened_at">,
  reason: string,
  at: number,
  result: { exit_price: number; close_fee: number; funding: number; pnl: number },
  ports: Pick<ClosePorts, "journal" | "emit">,
): void {
  const message = `Closed ${position.side} ${position.symbol} at ${formatPrice(result.exit_price)} (${reason}), P&L ${formatSignedUsd(result.pnl)} USDT`;
  ports.journal.tradeClosed(message, {
    symbol: position.symbol,
    exit_price: result.exit_price,
    fee: result.close_fee,
    funding: result.funding,
    pnl: result.pnl,
    reason,
    at,
    exchange: exchangeName,
  });
  // Everything a closed-trade row needs, so a reader of trader:events (a `web`
  // instance, which has no SQLite) can show the history without the journal.
  ports.emit({
    type: "trade_close",
    at,
    symbol: position.symbol,
    message,
    data: {
      reason,
      pnl: result.pnl,
      side: position.side,
      size: position.size,
      entry_price: position.entry_price,
      exit_price: result.exit_price,
      fee: result.close_fee,
      funding: result.funding,
      opened_at: position.opened_at,
    },
  });
}
