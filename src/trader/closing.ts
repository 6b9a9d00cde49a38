/**
 * Closing positions, shared by TP/SL, the kill switch, emergency stop and the
 * owner's Close / Close All buttons. Each close is retried (the exchange may be
 * busy exactly when it matters most) and every outcome is recorded.
 */
import type { Exchange, Position } from "../exchange/types.ts";
import { closeOrderClientId } from "./client-id.ts";
import type { CyclePorts, Origin } from "./ports.ts";

export interface CloseOutcome {
  symbol: string;
  ok: boolean;
  attempts: number;
  pnl?: number;
  price?: number;
  error?: string;
}

type ClosePorts = Pick<CyclePorts, "journal" | "emit" | "now" | "sleep">;

export async function closeWithRetries(
  exchange: Exchange,
  position: Position,
  reason: string,
  ports: ClosePorts,
  options: { attempts?: number; retryDelayMs?: number; origin?: Origin } = {},
): Promise<CloseOutcome> {
  const attempts = options.attempts ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  let lastError = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const at = ports.now();
      const result = await exchange.closePosition(position.symbol, closeOrderClientId(position.symbol, reason, at));
      const message = `Closed ${position.side} ${position.symbol} at ${result.price} (${reason}), P&L ${result.realized_pnl.toFixed(2)} USDT`;
      ports.journal.tradeClosed(message, {
        symbol: position.symbol,
        exit_price: result.price,
        fee: result.fee,
        pnl: result.realized_pnl,
        reason,
        at,
        exchange: exchange.name,
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
          pnl: result.realized_pnl,
          side: position.side,
          size: position.size,
          entry_price: position.entry_price,
          exit_price: result.price,
          fee: result.fee,
          opened_at: position.opened_at,
        },
      });
      return { symbol: position.symbol, ok: true, attempts: attempt, pnl: result.realized_pnl, price: result.price };
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
      ports.journal.log("error", `Close ${position.symbol} attempt ${attempt}/${attempts} failed: ${lastError}`, { symbol: position.symbol, reason }, options.origin);
      if (attempt < attempts) await ports.sleep(retryDelayMs * attempt);
    }
  }
  ports.emit({ type: "error", at: ports.now(), symbol: position.symbol, message: `Could not close ${position.symbol}: ${lastError}` });
  return { symbol: position.symbol, ok: false, attempts, error: lastError };
}

/** Closes every position; returns one outcome per position (never throws). */
export async function closeAll(
  exchange: Exchange,
  positions: Position[],
  reason: string,
  ports: ClosePorts,
  options: { attempts?: number; retryDelayMs?: number; origin?: Origin } = {},
): Promise<CloseOutcome[]> {
  const outcomes: CloseOutcome[] = [];
  for (const position of positions) outcomes.push(await closeWithRetries(exchange, position, reason, ports, options));
  return outcomes;
}
