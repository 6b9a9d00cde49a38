/**
 * One trading cycle, in the order the safety rules require:
 *  1. read trader_config.json;  `paused` returns here, before any exchange call;
 *  2. pick the exchange for the mode (live needs credentials, a real market and
 *     the owner's confirmation: `exchangeFor` refuses otherwise);
 *  3. balance and positions; record what the exchange closed on its own
 *     (stops, liquidation) since the last look;
 *  4. kill switch: drawdown from the baseline ≥ threshold → close all, lock, pause;
 *  5. TP/SL per position (P&L % of margin) — the second line behind the stops
 *     placed on the exchange — then keep each position's exchange-side stops
 *     where the config says (they move when tp_pct / sl_pct change);
 *  6. opening blocked (Redis unreachable, see CyclePorts.openingBlocked) or
 *     lockfile set → no new orders (closing still allowed above);
 *  7. signals (closed candles only) → coin lists → max positions → cooldowns
 *     and stale data → resolve the leverage the exchange grants → size with it →
 *     market order with a deterministic client_id → exchange-side stops.
 * A failure while opening one coin is contained to that coin (a coin refused
 * twice in a row rests, see risk/rejection-cooldown.ts); the circuit breaker
 * counts failed reads and failed orders apart and trips on either. Positions
 * that cannot be closed go to the closing duty. Every signal and the cycle
 * summary are logged; the signals max_positions turns away share one line
 * per cycle that names them all.
 */
import type { TraderConfig } from "../config/schema.ts";
import type { Balance, Exchange, MarketInfo, Position } from "../exchange/types.ts";
import { formatAmount, formatPrice, formatUsd } from "../util/number-format.ts";
import { formatScoreWithBonus } from "../util/score-format.ts";
import { openOrderClientId, scanSlot } from "./client-id.ts";
import { closeAll, closeWithRetries } from "./closing.ts";
import type { CyclePorts } from "./ports.ts";
import { type CallKind, CircuitBreaker } from "./risk/circuit-breaker.ts";
import { reentryBlocked, staleData } from "./risk/entry-gates.ts";
import { desiredStops, stopsDiffer } from "./risk/exchange-stops.ts";
import { readKillSwitch } from "./risk/kill-switch.ts";
import { RejectionCooldown } from "./risk/rejection-cooldown.ts";
import { readTakeProfitStopLoss } from "./risk/take-profit-stop-loss.ts";
import { findSignals, type ScoredCoin, type Signal } from "./signals.ts";
import { requestedLeverage, sizePosition } from "./sizing.ts";

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

/** What outlives one cycle: the breaker's counts and the coins resting after rejections. */
export interface CycleMemory {
  breaker: CircuitBreaker;
  rejections: RejectionCooldown;
}

export function freshCycleMemory(): CycleMemory {
  return { breaker: new CircuitBreaker(), rejections: new RejectionCooldown() };
}

/** Thrown inside the cycle when the circuit breaker trips, to stop at once. */
class CircuitOpen extends Error {}

export async function runCycle(ports: CyclePorts, memory: CycleMemory): Promise<CycleSummary> {
  const { breaker, rejections } = memory;
  const started = ports.now();
  const config = await ports.readConfig();
  const summary: CycleSummary = { at: started, mode: config.mode, exchange: null, skipped: null, scanned: 0, signals: 0, actions: [], errors: [], duration_ms: 0 };
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

  const { read, order, prepare, marketOf } = exchangeGuards(exchange, config, ports, breaker, summary);

  try {
    // 3–4. Account, then the kill switch.
    const account = await readAccountThroughKillSwitch(exchange, read, config, ports, summary);
    if (account.tripped) return finish();
    const balance = account.balance;
    let positions = account.positions;
    // An open cut off before its record (a restart, a lost answer): record it before anything counts positions.
    if (ports.intents) await ports.intents.settle(exchange, positions);

    // 5. TP / SL: the cycle's own check, then the exchange-side stops.
    let closedAny = false;
    for (const position of positions) closedAny = (await exitIfPastTakeProfitOrStop(position, config, exchange, ports, summary)) || closedAny;
    if (closedAny) {
      positions = await read("positions", () => exchange.getPositions());
      await read("position history", () => ports.reconcile(exchange, positions));
    }
    for (const position of positions) await keepStops(position, config, marketOf, { order: prepare, read }, ports, summary, exchange);

    // 6–7. Signals and new orders — unless opening is blocked (protect-only: what is open stays managed above).
    const blocked = ports.openingBlocked?.() ?? null;
    if (blocked) {
      summary.skipped = `no new positions: ${blocked}`;
      await snapshotEquity(exchange, config, ports, read);
      return finish();
    }
    const coins = await ports.coins(config);
    summary.scanned = coins.length;
    const signals = findSignals(coins, config);
    summary.signals = signals.length;
    const held = new Set(positions.map((p) => p.symbol));
    let open = positions.length;
    const slot = scanSlot(started, config.scan_interval_minutes);
    // Signals turned away because max_positions is reached: one line for the cycle, not one per coin.
    const crowdedOut: Signal[] = [];
    // "Not acted" lines wait here and are written together (one commit) before
    // anything is ordered and when the loop ends, so the log keeps their order.
    const waitingLines: [string, Record<string, unknown>][] = [];
    const writeWaitingLines = () => {
      if (waitingLines.length === 0) return;
      const lines = waitingLines.splice(0);
      const write = () => { for (const [message, data] of lines) ports.journal.log("signal", message, data); };
      if (ports.journal.together) ports.journal.together(write);
      else write();
    };

    // The lock as of now for every signal, and read again right before each order: an
    // emergency stop may set it, or the owner write the lockfile, while this cycle runs.
    // (Read per signal, the lockfile cost most of a cycle on 300 coins.)
    let lock = signals.length > 0 ? await ports.lock.current() : null;
    try {
      for (const signal of signals) {
        const label = `${signal.side} ${signal.symbol} ${formatScoreWithBonus(signal.score)} (threshold ${signal.threshold})`;
        const clientId = openOrderClientId(signal.symbol, signal.side, slot);
        const signalData = { symbol: signal.symbol, direction: signal.side, score: signal.score.total, base: signal.score.base, bonus: signal.score.bonus, threshold: signal.threshold, price: signal.price };
        const notActed = (why: string) => void waitingLines.push([`Signal ${label}: not acted — ${why}`, { ...signalData, acted: false, skip_reason: why }]);
        const now = ports.now();
        if (lock) { notActed(`lockfile set (${lock.reason})`); continue; }
        // Per signal: Redis may go away while this cycle runs.
        const nowBlocked = ports.openingBlocked?.() ?? null;
        if (nowBlocked) { notActed(`no new positions: ${nowBlocked}`); continue; }
        if (signal.excluded) { notActed(signal.excluded); continue; }
        const coin = coins.find((c) => c.symbol === signal.symbol);
        if (coin?.simulated && exchange.name !== "paper") { notActed("prices are simulated"); continue; }
        if (held.has(signal.symbol)) { notActed("a position is already open"); continue; }
        if (open >= config.max_positions) { crowdedOut.push(signal); continue; }
        if (ports.journal.hasOrderWithClientId(clientId)) { notActed(`decision already executed (client_id ${clientId})`); continue; }
        const gate = entryGate(signal, coin, config, exchange, ports, rejections, now);
        if (gate) { notActed(gate); continue; }
        lock = await ports.lock.current();
        if (lock) { notActed(`lockfile set (${lock.reason})`); continue; }

        writeWaitingLines();
        try {
          const opened = await openPosition(signal, clientId, label, balance, config, exchange, marketOf, { read, order, prepare }, ports);
          if (typeof opened === "string") { notActed(opened); continue; }
          rejections.succeeded(signal.symbol);
          held.add(signal.symbol);
          if (opened.duplicate) { notActed(`exchange already has order ${clientId}`); continue; }
          open += 1;
          ports.journal.log("signal", `Signal ${label}: acted`, { ...signalData, acted: true, skip_reason: null, client_id: clientId });
          summary.actions.push(`opened ${signal.side} ${signal.symbol}`);
          await keepStops(opened.position, config, marketOf, { order: prepare, read }, ports, summary, exchange);
        } catch (error) {
          if (error instanceof CircuitOpen) throw error;
          // Contained to this coin: the other signals still get their turn.
          const message = error instanceof Error ? error.message : String(error);
          const resting = rejections.rejected(signal.symbol, message, ports.now());
          notActed(`the exchange refused: ${message}`);
          writeWaitingLines();
          if (resting) ports.journal.log("error", `${signal.symbol} refused ${rejections.limit}× in a row: no new orders on it for ${rejections.cooldownMs / 60_000} min (last: ${message})`, { symbol: signal.symbol });
        }
      }
    } finally {
      writeWaitingLines();
    }

    logCrowdedOut(crowdedOut, config, ports);
    await snapshotEquity(exchange, config, ports, read);
  } catch (error) {
    // Exchange failures were already logged by `guarded`; the cycle stops and the next one starts fresh.
    summary.skipped = error instanceof CircuitOpen ? error.message : `stopped after an exchange error (${summary.errors.at(-1) ?? String(error)})`;
  }
  return finish();
}

/** "3 signals not acted — max positions reached (2): long XRPUSDT 70, short DOGEUSDT 58 (+20 TA, not used), …", strongest first. */
function logCrowdedOut(signals: Signal[], config: TraderConfig, ports: CyclePorts): void {
  if (signals.length === 0) return;
  const reason = `max positions reached (${config.max_positions})`;
  const names = signals.map((s) => `${s.side} ${s.symbol} ${formatScoreWithBonus(s.score)}`).join(", ");
  const coins = signals.map((s) => ({ symbol: s.symbol, direction: s.side, score: s.score.total, base: s.score.base, bonus: s.score.bonus, threshold: s.threshold, price: s.price }));
  ports.journal.log("signal", `${signals.length} signal${signals.length === 1 ? "" : "s"} not acted — ${reason}: ${names}`, { acted: false, skip_reason: reason, coins });
}

type Guard = <T>(what: string, call: () => Promise<T>) => Promise<T>;

/**
 * Every exchange call of a cycle goes through these: the breaker counts reads
 * and orders apart, and a trip writes the lock and stops the cycle at once.
 * Market info is read once per symbol per cycle.
 */
function exchangeGuards(exchange: Exchange, config: TraderConfig, ports: CyclePorts, breaker: CircuitBreaker, summary: CycleSummary) {
  const guarded = async <T>(kind: CallKind, what: string, call: () => Promise<T>, resets = true): Promise<T> => {
    try {
      const value = await call();
      if (resets) breaker.recordSuccess(kind);
      return value;
    } catch (error) {
      const message = `${what}: ${error instanceof Error ? error.message : String(error)}`;
      summary.errors.push(message);
      ports.journal.log("error", `Exchange call failed: ${message}`, { kind, failures: breaker.failuresOf(kind) + 1 });
      ports.emit({ type: "error", at: ports.now(), message: `Exchange call failed: ${message}`, data: { call: what, kind, failures: breaker.failuresOf(kind) + 1 } });
      if (breaker.recordFailure(kind, message, config.circuit_breaker_threshold)) {
        const count = breaker.failuresOf(kind);
        const reason = `circuit breaker: ${count} consecutive failed exchange ${kind === "order" ? "orders" : "reads"} (last: ${message})`;
        await ports.lock.set({ reason, source: "circuit_breaker", count });
        ports.journal.log("error", `Circuit breaker tripped — ${reason}`);
        ports.emit({ type: "circuit_breaker", at: ports.now(), message: reason, data: { count, kind } });
        throw new CircuitOpen(reason);
      }
      throw error;
    }
  };
  const read: Guard = (what, call) => guarded("read", what, call);
  const order: Guard = (what, call) => guarded("order", what, call);
  // Leverage and stops are order calls whose failure counts, but whose success says
  // nothing about whether orders go through: only a filled order resets the count.
  const prepare: Guard = (what, call) => guarded("order", what, call, false);
  const markets = new Map<string, MarketInfo>();
  const marketOf = async (symbol: string): Promise<MarketInfo> => {
    const known = markets.get(symbol);
    if (known) return known;
    const info = await read(`market ${symbol}`, () => exchange.getMarketInfo(symbol));
    markets.set(symbol, info);
    return info;
  };
  return { read, order, prepare, marketOf };
}

/**
 * What one step of a cycle run on its own (moving the stops, the kill switch's
 * check) starts from: the config, the exchange of its mode and the guarded
 * calls — or null while paused, on standby or refused, when a cycle would not run either.
 */
async function stepOutsideCycle(ports: CyclePorts, memory: CycleMemory) {
  const config = await ports.readConfig();
  if (config.mode === "paused" || ports.standby?.()) return null;
  const choice = ports.exchangeFor(config.mode);
  if ("refused" in choice) return null;
  const exchange = choice.exchange;
  const summary: CycleSummary = { at: ports.now(), mode: config.mode, exchange: exchange.name, skipped: null, scanned: 0, signals: 0, actions: [], errors: [], duration_ms: 0 };
  return { config, exchange, summary, guards: exchangeGuards(exchange, config, ports, memory.breaker, summary) };
}

/**
 * Moves the exchange-side stops of every open position to where the config now
 * says, at once (the owner changed tp_pct / sl_pct / max_leverage): the same
 * step a cycle runs, without opening anything. Skipped while paused or standby,
 * like a cycle; the next cycle after a resume does it.
 */
export async function syncStops(ports: CyclePorts, memory: CycleMemory): Promise<CycleSummary | null> {
  const step = await stepOutsideCycle(ports, memory);
  if (!step) return null;
  const { config, exchange, summary, guards: { read, prepare, marketOf } } = step;
  try {
    const positions = await read("positions", () => exchange.getPositions());
    for (const position of positions) await keepStops(position, config, marketOf, { order: prepare, read }, ports, summary, exchange);
  } catch (error) {
    summary.skipped = error instanceof Error ? error.message : String(error);
  }
  return summary;
}

/**
 * The kill switch's check, now, outside a cycle (the owner just lowered
 * kill_switch_drawdown_pct): the same reading and the same trip a cycle runs
 * (close all, lockfile, pause), and nothing else — no new orders. Skipped
 * while paused or standby, like a cycle. Returns why it tripped, or null.
 */
export async function enforceKillSwitch(ports: CyclePorts, memory: CycleMemory): Promise<string | null> {
  const step = await stepOutsideCycle(ports, memory);
  if (!step) return null;
  const { config, exchange, summary, guards: { read } } = step;
  try {
    const account = await readAccountThroughKillSwitch(exchange, read, config, ports, summary);
    return account.tripped ? summary.skipped : null;
  } catch {
    // A failed read was logged (and counted) by the guard; the next cycle checks again.
    return null;
  }
}

/** Cooldowns and stale data: reasons not to open this coin now, or null. */
function entryGate(signal: Signal, coin: ScoredCoin | undefined, config: TraderConfig, exchange: Exchange, ports: CyclePorts, rejections: RejectionCooldown, now: number): string | null {
  const resting = rejections.blocked(signal.symbol, now);
  if (resting) return resting;
  const reentry = reentryBlocked(ports.journal.lastCloseAt(signal.symbol, exchange.name), now, config.reentry_cooldown_minutes);
  if (reentry) return reentry;
  if (!coin) return "no market data for the coin";
  return staleData(coin, now);
}

/**
 * Opens one position: the leverage the exchange grants first, then the size at
 * that leverage, then the order. Returns why not (a string) when the size is
 * below the market minimum.
 */
async function openPosition(
  signal: Signal,
  clientId: string,
  label: string,
  balance: Balance,
  config: TraderConfig,
  exchange: Exchange,
  marketOf: (symbol: string) => Promise<MarketInfo>,
  guards: { read: Guard; order: Guard; prepare: Guard },
  ports: CyclePorts,
): Promise<string | { duplicate: boolean; position: Position }> {
  const { read, order, prepare } = guards;
  const market = await marketOf(signal.symbol);
  const price = await read(`price ${signal.symbol}`, () => exchange.getPrice(signal.symbol));
  const leverage = await prepare(`leverage ${signal.symbol}`, () => exchange.setLeverage(signal.symbol, requestedLeverage(config.max_leverage, market)));
  const size = sizePosition({ equity: balance.equity, position_size_pct: config.position_size_pct, leverage, price, market });
  if (!size.ok) return size.reason;
  // No note, no order: a fill whose record is cut off must be findable after a restart.
  await ports.intents?.note({ exchange: exchange.name, client_id: clientId, symbol: signal.symbol, side: signal.side, reason: label, mode: config.mode === "live" ? "live" : "dry-run", at: ports.now() });
  // A thrown order keeps its note (it may have filled unseen): the next cycle's settle decides.
  const filled = await order(`order ${signal.symbol}`, () =>
    exchange.placeMarketOrder({ symbol: signal.symbol, side: signal.side === "long" ? "buy" : "sell", amount: size.amount, leverage, client_id: clientId }),
  );
  const margin = (filled.amount * filled.price) / leverage;
  const position: Position = {
    symbol: signal.symbol, side: signal.side, size: filled.amount, entry_price: filled.price, current_price: filled.price, unrealized_pnl: 0,
    margin, leverage, opened_at: ports.now(), stop_loss_price: null, take_profit_price: null, liquidation_price: null, funding: 0,
  };
  if (filled.duplicate) return { duplicate: true, position };
  const at = ports.now();
  const message = `Opened ${signal.side} ${signal.symbol} ${formatAmount(filled.amount, market.amount_precision)} @ ${formatPrice(filled.price, market.price_precision)} ×${leverage}, margin ${formatUsd(margin)} USDT (${label})`;
  ports.journal.tradeOpened(message, {
    symbol: signal.symbol, side: signal.side, size: filled.amount, entry_price: filled.price, fee: filled.fee,
    margin, leverage, client_id: clientId, reason: label, exchange: exchange.name, mode: config.mode, at,
    signal: { base: signal.score.base, bonus: signal.score.bonus, total: signal.score.total, threshold: signal.threshold },
  });
  await ports.intents?.drop(clientId);
  const score = { base: signal.score.base, bonus: signal.score.bonus, total: signal.score.total, threshold: signal.threshold };
  ports.emit({ type: "trade_open", at, symbol: signal.symbol, message, data: { side: signal.side, amount: filled.amount, price: filled.price, leverage, margin, fee: filled.fee, score } });
  return { duplicate: false, position };
}

/**
 * The cycle's own TP/SL check for one position: past its take-profit or stop
 * (P&L in % of margin), it is closed now, retried, and handed to the closing
 * duty if it still will not close. True when it tried to close.
 */
async function exitIfPastTakeProfitOrStop(position: Position, config: TraderConfig, exchange: Exchange, ports: CyclePorts, summary: CycleSummary): Promise<boolean> {
  const reading = readTakeProfitStopLoss(position.unrealized_pnl, position.margin, config.tp_pct, config.sl_pct);
  if (!reading.exit) return false;
  const reason = reading.exit === "tp" ? `take profit ${reading.pnl_pct.toFixed(2)} % ≥ ${config.tp_pct} %` : `stop loss ${reading.pnl_pct.toFixed(2)} % ≤ −${config.sl_pct} %`;
  const outcome = await closeWithRetries(exchange, position, reason, ports);
  if (outcome.ok) {
    summary.actions.push(`closed ${position.symbol} (${reason})`);
    if (!outcome.gone) ports.emit({ type: reading.exit === "tp" ? "tp_hit" : "sl_hit", at: ports.now(), symbol: position.symbol, message: reason, data: { pnl: outcome.pnl } });
  } else {
    summary.errors.push(`close ${position.symbol}: ${outcome.error}`);
    ports.mustClose(exchange, position, reason, outcome.error ?? "unknown error");
  }
  return true;
}

/**
 * Puts (or moves, or removes) a position's exchange-side stops where the config
 * says: right after an open, and every cycle after (so they follow a config
 * change). A failure leaves the cycle's own TP/SL check as the only line, so
 * that check runs at once on a fresh reading of the position: the usual
 * refusal is a stop the price has already passed ("it would trigger at
 * once"), and waiting for the next cycle would leave that position without
 * any stop for a whole scan interval.
 */
async function keepStops(
  position: Position,
  config: TraderConfig,
  marketOf: (symbol: string) => Promise<MarketInfo>,
  guards: { order: Guard; read: Guard },
  ports: CyclePorts,
  summary: CycleSummary,
  exchange: Exchange,
): Promise<void> {
  const { order, read } = guards;
  try {
    const market = await marketOf(position.symbol);
    const wanted = desiredStops(position, config.tp_pct, config.sl_pct, market.price_precision);
    if (!stopsDiffer(position, wanted, market.price_precision)) return;
    const held = await order(`stops ${position.symbol}`, () => exchange.setPositionStops(position.symbol, wanted));
    const text = (price: number | null) => (price === null ? "none" : formatPrice(price, market.price_precision));
    summary.actions.push(`stops ${position.symbol}: SL ${text(held.stop_loss_price)}, TP ${text(held.take_profit_price)}`);
    ports.journal.log("trade", `Exchange stops for ${position.side} ${position.symbol}: stop-loss ${text(held.stop_loss_price)}, take-profit ${text(held.take_profit_price)} (mark price)`, { symbol: position.symbol, ...held });
  } catch (error) {
    if (error instanceof CircuitOpen) throw error;
    ports.journal.log("error", `Exchange stops for ${position.symbol} not set: ${error instanceof Error ? error.message : String(error)}; the cycle's own TP/SL check applies, now and every cycle`, { symbol: position.symbol });
    try {
      const fresh = (await read("positions", () => exchange.getPositions())).find((p) => p.symbol === position.symbol);
      if (fresh) await exitIfPastTakeProfitOrStop(fresh, config, exchange, ports, summary);
    } catch (readError) {
      // A failed read was logged by its guard; the next cycle checks again.
      if (readError instanceof CircuitOpen) throw readError;
    }
  }
}

async function snapshotEquity(exchange: Exchange, config: TraderConfig, ports: CyclePorts, read: Guard): Promise<void> {
  const after = await read("balance", () => exchange.getBalance());
  ports.journal.equitySnapshot({ at: ports.now(), equity: after.equity, available: after.available, margin: after.margin, unrealized_pnl: after.unrealized_pnl, mode: config.mode });
}

/**
 * Balance and positions (recording what the exchange closed on its own), then
 * the kill switch: drawdown from the baseline ≥ the limit trips it (close all,
 * lockfile, pause; `summary.skipped` says why).
 */
async function readAccountThroughKillSwitch(exchange: Exchange, read: Guard, config: TraderConfig, ports: CyclePorts, summary: CycleSummary): Promise<{ tripped: boolean; balance: Balance; positions: Position[] }> {
  const balance = await read("balance", () => exchange.getBalance());
  const positions = await read("positions", () => exchange.getPositions());
  await read("position history", () => ports.reconcile(exchange, positions));
  const baseline = ports.startingBalance(exchange, balance.equity);
  const kill = readKillSwitch(balance.equity, baseline, config.kill_switch_drawdown_pct);
  if (kill.tripped) await tripKillSwitch(exchange, positions, balance, baseline, kill.drawdown_pct, config, ports, summary);
  return { tripped: kill.tripped, balance, positions };
}

async function tripKillSwitch(
  exchange: Exchange,
  positions: Position[],
  balance: Balance,
  baseline: number,
  drawdownPct: number,
  config: TraderConfig,
  ports: CyclePorts,
  summary: CycleSummary,
): Promise<void> {
  const at = ports.now();
  const reason = `kill switch: equity ${formatUsd(balance.equity)} is ${drawdownPct.toFixed(2)} % below the baseline ${formatUsd(baseline)} (limit ${config.kill_switch_drawdown_pct} %)`;
  ports.journal.log("error", `Kill switch tripped — ${reason}`);
  const outcomes = await closeAll(exchange, positions, "kill switch", ports);
  for (const outcome of outcomes) {
    const position = positions.find((p) => p.symbol === outcome.symbol);
    if (!outcome.ok && position) ports.mustClose(exchange, position, "kill switch", outcome.error ?? "unknown error");
  }
  // Each step runs whatever the others did: a failing disk must not keep the trader unpaused.
  for (const [what, step] of [["write the lockfile", () => ports.lock.set({ reason, source: "kill_switch" })], ["pause", () => ports.pause(reason)]] as const) {
    try {
      await step();
    } catch (error) {
      const message = `Kill switch could not ${what}: ${error instanceof Error ? error.message : String(error)}`;
      summary.errors.push(message);
      ports.journal.log("error", message);
    }
  }
  ports.emit({ type: "kill_switch", at, message: reason, data: { outcomes } });
  summary.skipped = reason;
  summary.actions.push(...outcomes.map((o) => (o.ok ? `closed ${o.symbol} (kill switch)` : `FAILED to close ${o.symbol}: ${o.error} (the closing duty keeps trying)`)));
}
