/**
 * One trading cycle, in the order the safety rules require:
 *  1. read trader_config.json;  `paused` returns here, before any exchange call;
 *  2. pick the exchange for the mode (live needs credentials, a real market and
 *     the owner's confirmation: `exchangeFor` refuses otherwise);
 *  3. balance and positions;
 *  4. kill switch: drawdown ≥ threshold → close all, lock, pause;
 *  5. TP/SL per position (P&L % of margin);
 *  6. opening blocked (Redis unreachable, see CyclePorts.openingBlocked) or
 *     lockfile set → no new orders (closing still allowed above);
 *  7. signals → whitelist/blacklist → max positions → size → market order with a
 *     deterministic client_id, never a second order for a decision already made.
 * Every exchange call goes through the circuit breaker: N consecutive failures
 * write the lockfile. Every signal and the cycle summary are logged.
 */
import type { TraderConfig } from "../config/schema.ts";
import type { Balance, Exchange, Position } from "../exchange/types.ts";
import { openOrderClientId, scanSlot } from "./client-id.ts";
import { closeAll, closeWithRetries } from "./closing.ts";
import type { CyclePorts } from "./ports.ts";
import { CircuitBreaker } from "./risk/circuit-breaker.ts";
import { readKillSwitch } from "./risk/kill-switch.ts";
import { readTakeProfitStopLoss } from "./risk/take-profit-stop-loss.ts";
import { findSignals } from "./signals.ts";
import { sizePosition } from "./sizing.ts";

export interface CycleSummary {
  at: number;
  mode: TraderConfig["mode"];
  exchange: string | null;
  /** Why the cycle stopped early, if it did (paused, refused, locked by circuit breaker …). */
  skipped: string | null;
  scanned: number;
  signals: number;
  actions: string[];
  errors: string[];
  duration_ms: number;
}

/** Thrown inside the cycle when the circuit breaker trips, to stop at once. */
class CircuitOpen extends Error {}

export async function runCycle(ports: CyclePorts, breaker: CircuitBreaker): Promise<CycleSummary> {
  const started = ports.now();
  const config = await ports.readConfig();
  const summary: CycleSummary = {
    at: started,
    mode: config.mode,
    exchange: null,
    skipped: null,
    scanned: 0,
    signals: 0,
    actions: [],
    errors: [],
    duration_ms: 0,
  };
  const finish = (): CycleSummary => {
    summary.duration_ms = ports.now() - started;
    const text = summary.skipped
      ? `Cycle skipped: ${summary.skipped}`
      : `Cycle (${summary.mode}): scanned ${summary.scanned}, signals ${summary.signals}, actions ${summary.actions.length}`;
    ports.journal.log("cycle", text, { ...summary, actions: summary.actions.length, action_list: summary.actions });
    return summary;
  };

  if (config.mode === "paused") {
    summary.skipped = "mode is paused";
    return finish();
  }
  const standby = ports.standby?.() ?? null;
  if (standby) {
    summary.skipped = `standby: ${standby}`;
    return finish();
  }
  const choice = ports.exchangeFor(config.mode);
  if ("refused" in choice) {
    summary.skipped = `${config.mode} refused: ${choice.refused}`;
    summary.errors.push(summary.skipped);
    ports.journal.log("error", `Cycle not run: ${summary.skipped}`);
    return finish();
  }
  const exchange = choice.exchange;
  summary.exchange = exchange.name;

  const guarded = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      const value = await call();
      breaker.recordSuccess();
      return value;
    } catch (error) {
      const message = `${what}: ${error instanceof Error ? error.message : String(error)}`;
      summary.errors.push(message);
      ports.journal.log("error", `Exchange call failed: ${message}`, { failures: breaker.failures + 1 });
      if (breaker.recordFailure(message, config.circuit_breaker_threshold)) {
        const at = ports.now();
        const reason = `circuit breaker: ${breaker.failures} consecutive exchange failures (last: ${message})`;
        await ports.lock.set({ reason, source: "circuit_breaker", count: breaker.failures });
        ports.journal.log("error", `Circuit breaker tripped — ${reason}`);
        ports.emit({ type: "circuit_breaker", at, message: reason, data: { count: breaker.failures } });
        throw new CircuitOpen(reason);
      }
      throw error;
    }
  };

  const snapshotEquity = async () => {
    const after = await guarded("balance", () => exchange.getBalance());
    ports.journal.equitySnapshot({ at: ports.now(), equity: after.equity, available: after.available, margin: after.margin, unrealized_pnl: after.unrealized_pnl, mode: config.mode });
  };

  try {
    const balance = await guarded("balance", () => exchange.getBalance());
    let positions = await guarded("positions", () => exchange.getPositions());

    // 4. Kill switch.
    const starting = ports.startingBalance(exchange, balance.equity);
    const kill = readKillSwitch(balance.equity, starting, config.kill_switch_drawdown_pct);
    if (kill.tripped) {
      await tripKillSwitch(exchange, positions, balance, starting, kill.drawdown_pct, config, ports, summary);
      return finish();
    }

    // 5. TP / SL.
    for (const position of positions) {
      const reading = readTakeProfitStopLoss(position.unrealized_pnl, position.margin, config.tp_pct, config.sl_pct);
      if (!reading.exit) continue;
      const reason = reading.exit === "tp" ? `take profit ${reading.pnl_pct.toFixed(2)}% ≥ ${config.tp_pct}%` : `stop loss ${reading.pnl_pct.toFixed(2)}% ≤ −${config.sl_pct}%`;
      const outcome = await closeWithRetries(exchange, position, reason, ports);
      if (outcome.ok) {
        breaker.recordSuccess();
        summary.actions.push(`closed ${position.symbol} (${reason})`);
        ports.emit({ type: reading.exit === "tp" ? "tp_hit" : "sl_hit", at: ports.now(), symbol: position.symbol, message: reason, data: { pnl: outcome.pnl } });
      } else {
        summary.errors.push(`close ${position.symbol}: ${outcome.error}`);
      }
    }
    if (summary.actions.length > 0) positions = await guarded("positions", () => exchange.getPositions());

    // 6–7. Signals and new orders — unless opening is blocked (protect-only: what is open stays managed above).
    const blocked = ports.openingBlocked?.() ?? null;
    if (blocked) {
      summary.skipped = `no new positions: ${blocked}`;
      await snapshotEquity();
      return finish();
    }
    const coins = ports.coins(config);
    summary.scanned = coins.length;
    const signals = findSignals(coins, config);
    summary.signals = signals.length;
    const held = new Set(positions.map((p) => p.symbol));
    let open = positions.length;
    const slot = scanSlot(started, config.scan_interval_minutes);

    for (const signal of signals) {
      const label = `${signal.side} ${signal.symbol} ${signal.score.base} + ${signal.score.bonus} = ${signal.score.total} (threshold ${signal.threshold})`;
      const clientId = openOrderClientId(signal.symbol, signal.side, slot);
      const signalData = { symbol: signal.symbol, direction: signal.side, score: signal.score.total, base: signal.score.base, bonus: signal.score.bonus, threshold: signal.threshold, price: signal.price };
      const notActed = (why: string) => ports.journal.log("signal", `Signal ${label}: not acted — ${why}`, { ...signalData, acted: false, skip_reason: why });
      // Re-read per signal: an emergency stop may write the lockfile while this cycle runs.
      const lock = await ports.lock.current();
      if (lock) { notActed(`lockfile set (${lock.reason})`); continue; }
      if (signal.excluded) { notActed(signal.excluded); continue; }
      if (coins.find((c) => c.symbol === signal.symbol)?.simulated && exchange.name !== "paper") { notActed("prices are simulated"); continue; }
      if (held.has(signal.symbol)) { notActed("a position is already open"); continue; }
      if (open >= config.max_positions) { notActed(`max positions reached (${config.max_positions})`); continue; }
      if (ports.journal.hasOrderWithClientId(clientId)) { notActed(`decision already executed (client_id ${clientId})`); continue; }

      const market = await guarded(`market ${signal.symbol}`, () => exchange.getMarketInfo(signal.symbol));
      const price = await guarded(`price ${signal.symbol}`, () => exchange.getPrice(signal.symbol));
      const size = sizePosition(balance.equity, config.position_size_pct, config.max_leverage, price, market);
      if (!size.ok) { notActed(size.reason); continue; }
      const leverage = await guarded(`leverage ${signal.symbol}`, () => exchange.setLeverage(signal.symbol, size.leverage));
      const order = await guarded(`order ${signal.symbol}`, () =>
        exchange.placeMarketOrder({ symbol: signal.symbol, side: signal.side === "long" ? "buy" : "sell", amount: size.amount, leverage, client_id: clientId }),
      );
      held.add(signal.symbol);
      if (order.duplicate) { notActed(`exchange already has order ${clientId}`); continue; }
      open += 1;
      const at = ports.now();
      const message = `Opened ${signal.side} ${signal.symbol} ${order.amount} @ ${order.price} ×${leverage} (${label})`;
      ports.journal.tradeOpened(message, {
        symbol: signal.symbol, side: signal.side, size: order.amount, entry_price: order.price, fee: order.fee,
        margin: (order.amount * order.price) / leverage, leverage, client_id: clientId, reason: label,
        exchange: exchange.name, mode: config.mode, at,
      });
      ports.journal.log("signal", `Signal ${label}: acted`, { ...signalData, acted: true, skip_reason: null, client_id: clientId });
      ports.emit({ type: "trade_open", at, symbol: signal.symbol, message, data: { side: signal.side, amount: order.amount, price: order.price, leverage, fee: order.fee } });
      summary.actions.push(`opened ${signal.side} ${signal.symbol}`);
    }

    await snapshotEquity();
  } catch (error) {
    // Exchange failures were already logged by `guarded`; the cycle stops and the next one starts fresh.
    summary.skipped = error instanceof CircuitOpen ? error.message : `stopped after an exchange error (${summary.errors.at(-1) ?? String(error)})`;
  }
  return finish();
}

async function tripKillSwitch(
  exchange: Exchange,
  positions: Position[],
  balance: Balance,
  starting: number,
  drawdownPct: number,
  config: TraderConfig,
  ports: CyclePorts,
  summary: CycleSummary,
): Promise<void> {
  const at = ports.now();
  const reason = `kill switch: equity ${balance.equity.toFixed(2)} is ${drawdownPct.toFixed(2)}% below the starting balance ${starting.toFixed(2)} (limit ${config.kill_switch_drawdown_pct}%)`;
  ports.journal.log("error", `Kill switch tripped — ${reason}`);
  const outcomes = await closeAll(exchange, positions, "kill switch", ports);
  await ports.lock.set({ reason, source: "kill_switch" });
  await ports.pause(reason);
  ports.emit({ type: "kill_switch", at, message: reason, data: { outcomes } });
  summary.skipped = reason;
  summary.actions.push(...outcomes.map((o) => (o.ok ? `closed ${o.symbol} (kill switch)` : `FAILED to close ${o.symbol}: ${o.error}`)));
}
