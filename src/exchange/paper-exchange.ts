/**
 * The paper exchange: simulated USDT-M perpetual fills at real prices, so
 * dry-run shows what live on CoinEx would have done without sending orders.
 *
 * Model (isolated margin, one position per symbol, exchange-api.md §6):
 * - Market: amount precision = one step ≤ 0.01 USDT; price precision = one
 *   tick ≤ 1/100 000 of the price; minimum ≈ 5 USDT; leverage only CoinEx's
 *   usual levels 1 2 3 5 8 10 15 20 30 50 100 up to `maxLeverage`
 *   (setLeverage grants the largest level ≤ the request; an order at any other
 *   leverage is refused, as CoinEx would).
 * - Fills: market orders fill at the current price ± slippage, always worse
 *   for the taker (buy p·(1 + bps/10 000), sell p·(1 − bps/10 000)); fee =
 *   notional · takerFeeRate on every fill (open, close, stop).
 * - Open: initial margin = entry · size / leverage; margin + fee leave `available`.
 * - Mark price = the feed's latest price (priceOf / the latest update); CoinEx
 *   uses its own mark price, which can differ slightly from the last trade.
 * - Unrealized P&L = price P&L from entry, unclamped; equity = available +
 *   Σ current margin + Σ unrealized, current margin = initial margin + funding.
 * - Funding (paper-funding.ts): at 00:00, 08:00, 16:00 UTC a position open at
 *   that instant gets −direction · size · mark · rate (rate from `fundingRateOf`,
 *   default 0.01 %), booked into its isolated margin (CoinEx takes isolated
 *   funding from the position, first from its realized P&L — paper does not
 *   keep that apart), which moves its liquidation price. A position opened
 *   exactly at an instant is not charged for it. Checked on onMarketUpdate and
 *   on getBalance / getPositions / closePosition / setPositionStops against
 *   now(); each boundary is charged once, also across restarts
 *   (last_funding_at is saved). Mark for a boundary: the open of the update's
 *   candle when it began at or after the boundary, else the latest price.
 *   If paying leaves the position at or beyond its liquidation price at that
 *   mark, it is liquidated.
 * - Liquidation price: margin.ts (CoinEx's linear formula with the entry price
 *   as settlement price, i.e. Auto-Settlement off) with the current margin and
 *   the maintenance margin rate of the smallest tier (option, default 0.5 %).
 * - Triggers between trader cycles (paper-triggers.ts): every onMarketUpdate
 *   (each 5m candle event, forming or closed) checks the prices met since the
 *   previous update, in this order: liquidation, stop-loss, take-profit. One
 *   update that reaches both stops closes at the stop-loss, and one that
 *   reaches both a stop and the liquidation price liquidates: the order of
 *   prices inside an update is unknown, so the worse outcome is assumed.
 *   Stops fill as taker market orders at the trigger ± slippage, or at the
 *   open of a new candle that opened beyond the trigger (a gap). Prices met
 *   since the last update = a new high/low of the same candle plus the way
 *   from the last close to the new close (continuous movement assumed); a
 *   candle first seen whole counts whole, except one that began before the
 *   position's fill or stop change; the first update after a restart counts
 *   only its close; an update of an older candle is ignored.
 *   getBalance, getPositions, closePosition, setPositionStops (and
 *   placeMarketOrder on a symbol with a position) check the current mark too,
 *   so an unwired feed still cannot leave a position open beyond its
 *   liquidation price.
 * - Liquidation: exit price = liquidation price, the whole remaining margin is
 *   lost, no close fee, nothing paid back: pnl = −(initial margin + open fee).
 *   ASSUMED: CoinEx documents neither a futures liquidation fee nor whether
 *   leftover margin above bankruptcy is returned (§6.3, UNVERIFIED); losing it
 *   all is the cautious reading. For a liquidation, exit price − entry does not
 *   explain the pnl: the margin left at the liquidation price is lost too.
 * - Closing (ours or a stop) pays back current margin + price P&L − close fee,
 *   never less than 0 (isolated). Every close's pnl = the position's whole
 *   effect on the balance = price P&L − open fee − close fee + funding; the
 *   closed history shows the same figure with fees, funding and kind.
 * - Stops: setPositionStops refuses a stop on the wrong side of the mark (it
 *   would trigger at once). CoinEx's 2021 rule that a long's stop-loss must lie
 *   between liquidation and entry (§6.1, UNVERIFIED for v2) is NOT enforced, so
 *   break-even and trailing stops work on paper; live may refuse them.
 *
 * Every change is saved atomically before it takes effect in memory, and a
 * client_id already seen returns the original result (duplicate: true) — also
 * after a restart, because the recent results are part of the saved state.
 * Exchange-side changes (funding, stops, liquidations) are made only while
 * `drivesAccount()` is true: a standby process sharing the state file must not
 * write its stale copy over the holder's.
 */
import { logger } from "../log.ts";
import { formatAmount, formatPrice, formatUsd } from "../util/number-format.ts";
import { floorToDecimals } from "./decimal.ts";
import { DEFAULT_MAINTENANCE_MARGIN_RATE, DEFAULT_TAKER_FEE_RATE, initialMargin, pricePnl } from "./margin.ts";
import { assertClientId, assertOrderRequest, assertSymbol, chooseLeverageLevel } from "./order-validation.ts";
import {
  closedRow,
  currentMargin,
  exitSide,
  positionLiquidationPrice,
  type Settlement,
  settleClose,
  settleLiquidation,
  takerFill,
} from "./paper-accounting.ts";
import { type PaperEventListener, PaperEvents } from "./paper-events.ts";
import { fundingAmount, fundingBoundariesDue, fundingBoundaryAtOrBefore, resolveFundingRate } from "./paper-funding.ts";
import { leverageLevels, MIN_NOTIONAL_USDT, paperMarketInfo, pricePrecision, roundPrice } from "./paper-market.ts";
import { freshPaperState, loadPaperState, type PaperOrderRecord, type PaperPosition, type PaperState, savePaperState } from "./paper-state.ts";
import { findTrigger, type MarketUpdate, point, type PriceRange, PricePaths, type Trigger } from "./paper-triggers.ts";
import {
  type Balance,
  type CloseResult,
  type ClosedPosition,
  type Exchange,
  ExchangeError,
  type MarketInfo,
  type OrderRequest,
  type OrderResult,
  type Position,
  type PositionStops,
} from "./types.ts";

export type { PaperEvent, PaperEventListener } from "./paper-events.ts";
export type { MarketUpdate } from "./paper-triggers.ts";

const log = logger("exchange.paper");

/** How many client_ids (with their results) are remembered for duplicate detection. */
export const PAPER_REMEMBERED_ORDERS = 1000;
/** How many closed positions are kept in the state file (the store keeps the full trade history). */
export const PAPER_CLOSED_HISTORY = 1000;

export interface PaperExchangeOptions {
  /** Current price of a symbol (e.g. the latest candle close); undefined when unknown. */
  priceOf: (symbol: string) => number | undefined;
  /** JSON file holding the paper account (ignored when `store` is given). */
  statePath: string;
  /**
   * Where the account lives; default the JSON file at `statePath`. A backtest
   * passes an in-memory store: a simulated run never writes a file per event.
   */
  store?: PaperStateStore;
  /** USDT for a fresh account; default 10 000. Ignored when the state file exists. */
  startingBalance?: number;
  /** Default 0.0005 (0.05 %). */
  takerFeeRate?: number;
  /** Default 5 (0.05 %). */
  slippageBps?: number;
  /** Default 50; the levels granted are CoinEx's up to this. */
  maxLeverage?: number;
  /** Maintenance margin rate for liquidation prices; default DEFAULT_MAINTENANCE_MARGIN_RATE (0.5 %). */
  maintenanceMarginRate?: number;
  /** Funding rate per 8 h of a symbol (e.g. CoinEx's public funding endpoint); undefined → DEFAULT_FUNDING_RATE. */
  fundingRateOf?: (symbol: string) => number | undefined;
  /**
   * Whether this process simulates the exchange's own actions (funding,
   * stops, liquidation). False on a standby sharing the state file. Default: always.
   */
  drivesAccount?: () => boolean;
  now?: () => number;
}

/** Where the paper account is kept between changes. */
export interface PaperStateStore {
  /** Null when there is no account yet; throws naming the place when it is unreadable. */
  load(): PaperState | null;
  save(state: PaperState): void;
  /** For log lines: the file, or "memory". */
  readonly where: string;
}

export function filePaperStore(path: string): PaperStateStore {
  return { load: () => loadPaperState(path), save: (state) => savePaperState(path, state), where: path };
}

/** An account kept in memory only (backtests). */
export function memoryPaperStore(): PaperStateStore {
  let kept: PaperState | null = null;
  return { load: () => kept, save: (state) => void (kept = state), where: "memory" };
}

export class PaperExchange implements Exchange {
  readonly name = "paper" as const;
  private state: PaperState;
  /** True while the state in memory holds a change the disk refused (see commit). */
  private unsaved = false;
  private readonly priceOf: (symbol: string) => number | undefined;
  private readonly store: PaperStateStore;
  private readonly takerFeeRate: number;
  private readonly slippage: number;
  private readonly maxLeverage: number;
  private readonly maintenanceMarginRate: number;
  private readonly fundingRateOf: (symbol: string) => number | undefined;
  private readonly drivesAccount: () => boolean;
  private readonly now: () => number;
  /** Last good price seen per symbol, used when the price feed has none right now. */
  private readonly lastPrices = new Map<string, number>();
  private readonly paths = new PricePaths();
  private readonly events = new PaperEvents();

  constructor(options: PaperExchangeOptions) {
    const startingBalance = options.startingBalance ?? 10_000;
    this.takerFeeRate = options.takerFeeRate ?? DEFAULT_TAKER_FEE_RATE;
    const slippageBps = options.slippageBps ?? 5;
    this.maxLeverage = options.maxLeverage ?? 50;
    this.maintenanceMarginRate = options.maintenanceMarginRate ?? DEFAULT_MAINTENANCE_MARGIN_RATE;
    checkOption("startingBalance", startingBalance, Number.isFinite(startingBalance) && startingBalance > 0, "a number > 0");
    checkOption("takerFeeRate", this.takerFeeRate, this.takerFeeRate >= 0 && this.takerFeeRate < 0.1, "a rate in [0, 0.1)");
    checkOption("slippageBps", slippageBps, slippageBps >= 0 && slippageBps <= 1000, "basis points in [0, 1000]");
    checkOption("maxLeverage", this.maxLeverage, Number.isInteger(this.maxLeverage) && this.maxLeverage >= 1 && this.maxLeverage <= 200, "an integer 1–200");
    checkOption(
      "maintenanceMarginRate",
      this.maintenanceMarginRate,
      this.maintenanceMarginRate >= 0 && this.maintenanceMarginRate < 0.5,
      "a rate in [0, 0.5)",
    );
    this.slippage = slippageBps / 10_000;
    this.priceOf = options.priceOf;
    this.store = options.store ?? filePaperStore(options.statePath);
    this.fundingRateOf = options.fundingRateOf ?? (() => undefined);
    this.drivesAccount = options.drivesAccount ?? (() => true);
    this.now = options.now ?? Date.now;

    const saved = this.store.load();
    if (saved) {
      if (saved.starting_balance !== startingBalance) {
        log.warn("paper account already exists; keeping its starting balance", { saved: saved.starting_balance, configured: startingBalance });
      }
      this.state = saved;
    } else {
      this.state = freshPaperState(startingBalance);
      this.store.save(this.state);
      if (this.store.where !== "memory") log.info("new paper account", { starting_balance: startingBalance, state: this.store.where });
    }
  }

  /**
   * Re-reads the account from its state file: a standby that takes over the
   * trader lease continues the account as the previous holder left it.
   */
  reload(): void {
    const saved = this.store.load();
    if (saved) this.state = saved;
  }

  /** The USDT the paper account started with (the kill switch measures drawdown from it). */
  get startingBalance(): number {
    return this.state.starting_balance;
  }

  /** Hears stops, take-profits, liquidations and funding as they happen; returns the unsubscribe. */
  onEvent(listener: PaperEventListener): () => void {
    return this.events.on(listener);
  }

  /**
   * Feeds one price update: every 5m candle event, forming or closed (`t` =
   * the candle's open time). Charges funding that fell due and fires the
   * symbol's liquidation, stop-loss or take-profit on the prices met since the
   * previous update. Never throws: a bad update is ignored, a failed save is
   * logged and changes nothing (the next update tries again).
   */
  onMarketUpdate(update: MarketUpdate): void {
    const clean = cleanUpdate(update);
    if (!clean) {
      log.warn("ignored a malformed price update", { update });
      return;
    }
    const range = this.paths.observe(clean);
    this.lastPrices.set(clean.symbol, clean.close);
    if (!this.drivesAccount() || !this.position(clean.symbol)) return;
    try {
      const now = this.now();
      // Funding instants at or before this candle's start came before any price in it …
      this.chargeFunding(clean.symbol, Math.min(now, clean.t), () => clean.open);
      if (range) this.checkTriggers(clean.symbol, range);
      // … and instants after its start (a late final update of the previous candle) after them.
      this.chargeFunding(clean.symbol, now, () => clean.close);
    } catch (error) {
      log.error("paper exchange could not apply a price update", { symbol: clean.symbol, error: error instanceof Error ? error.message : String(error) });
    }
  }

  async getBalance(): Promise<Balance> {
    this.retryUnsavedSave();
    this.settleAll();
    let margin = 0;
    let unrealized = 0;
    for (const position of this.state.positions) {
      margin += currentMargin(position);
      unrealized += this.view(position).unrealized_pnl;
    }
    return { equity: this.state.available + margin + unrealized, available: this.state.available, margin, unrealized_pnl: unrealized };
  }

  async getPositions(): Promise<Position[]> {
    this.settleAll();
    return this.state.positions.map((position) => this.view(position));
  }

  async getMarketInfo(symbol: string): Promise<MarketInfo> {
    assertSymbol(symbol);
    return this.marketInfoAt(symbol, this.currentPrice(symbol));
  }

  async getPrice(symbol: string): Promise<number> {
    assertSymbol(symbol);
    return this.currentPrice(symbol);
  }

  /** Grants the largest of CoinEx's levels (up to maxLeverage) ≤ `leverage`. */
  async setLeverage(symbol: string, leverage: number): Promise<number> {
    assertSymbol(symbol);
    return chooseLeverageLevel(symbol, leverage, leverageLevels(this.maxLeverage));
  }

  async placeMarketOrder(order: OrderRequest): Promise<OrderResult> {
    assertOrderRequest(order);
    const seen = this.rememberedOrder(order.client_id);
    if (seen) return asOrderResult(seen);

    const price = this.currentPrice(order.symbol);
    const info = this.marketInfoAt(order.symbol, price);
    const amount = floorToDecimals(order.amount, info.amount_precision);
    if (amount < info.min_amount) {
      throw new ExchangeError(
        `order amount ${formatAmount(order.amount)} ${order.symbol} (${formatAmount(amount, info.amount_precision)} after rounding down to ${info.amount_precision} decimals) is below the paper minimum ${formatAmount(info.min_amount, info.amount_precision)} (about ${MIN_NOTIONAL_USDT} USDT)`,
        3127,
      );
    }
    if (!info.leverage_levels.includes(order.leverage)) {
      throw new ExchangeError(
        `leverage ${order.leverage} is not a level ${order.symbol} allows (${info.leverage_levels.join(", ")}): use the level setLeverage granted`,
        "invalid_request",
      );
    }
    // A position that live would have lost to its stop or liquidation by now no longer blocks the market.
    if (this.position(order.symbol)) this.settle(order.symbol, price);
    const open = this.position(order.symbol);
    if (open) {
      throw new ExchangeError(
        `refused ${order.side} ${formatAmount(amount, info.amount_precision)} ${order.symbol}: a ${open.side} position of ${formatAmount(open.size, info.amount_precision)} is already open (one position per market; close it first)`,
        "position_exists",
      );
    }
    const leverage = order.leverage;
    const fillPrice = takerFill(order.side, price, this.slippage);
    const margin = initialMargin(fillPrice, amount, leverage);
    const fee = amount * fillPrice * this.takerFeeRate;
    const cost = margin + fee;
    if (cost > this.state.available) {
      throw new ExchangeError(
        `balance not enough: ${order.side} ${formatAmount(amount, info.amount_precision)} ${order.symbol} at ${leverage}x needs ${formatUsd(margin)} USDT margin + ${formatUsd(fee)} USDT fee, only ${formatUsd(this.state.available)} USDT available`,
        3109,
      );
    }
    const result: OrderResult = {
      order_id: `paper-${this.state.next_order_id}`,
      client_id: order.client_id,
      symbol: order.symbol,
      side: order.side,
      amount,
      price: fillPrice,
      fee,
      realized_pnl: 0,
      duplicate: false,
    };
    const now = this.now();
    this.commit((next) => {
      next.available = next.available - cost;
      next.positions.push({
        symbol: order.symbol,
        side: order.side === "buy" ? "long" : "short",
        size: amount,
        entry_price: fillPrice,
        leverage,
        margin,
        open_fee: fee,
        opened_at: now,
        stop_loss_price: null,
        take_profit_price: null,
        funding: 0,
        // Funding instants up to the opening are not this position's.
        last_funding_at: fundingBoundaryAtOrBefore(now),
      });
      rememberOrder(next, result);
    });
    this.paths.anchor(order.symbol, price, now);
    log.info("paper order filled", { symbol: order.symbol, side: order.side, amount, price: fillPrice, leverage, fee, client_id: order.client_id });
    return result;
  }

  async closePosition(symbol: string, client_id: string): Promise<CloseResult> {
    assertSymbol(symbol);
    assertClientId(client_id);
    const seen = this.rememberedOrder(client_id);
    if (seen) {
      if (!seen.close) {
        throw new ExchangeError(`client_id ${client_id} was already used for an opening order on ${seen.symbol}; a close needs its own client_id`, "invalid_request");
      }
      return { order: asOrderResult(seen), exit_price: seen.price, close_fee: seen.fee, funding: seen.close.funding, pnl: seen.close.pnl };
    }
    const price = this.currentPrice(symbol);
    // Funding and triggers that fell due come first: live, they would have happened already.
    this.settle(symbol, price);
    const position = this.position(symbol);
    if (!position) throw this.noPosition(symbol, "to close");

    const side = exitSide(position.side);
    const settlement = settleClose(position, takerFill(side, price, this.slippage), this.takerFeeRate);
    const result: OrderResult = {
      order_id: `paper-${this.state.next_order_id}`,
      client_id,
      symbol,
      side,
      amount: position.size,
      price: settlement.exit_price,
      fee: settlement.close_fee,
      // The fill's own result (as before): what it paid back beyond the margin it released.
      realized_pnl: settlement.payout - currentMargin(position),
      duplicate: false,
    };
    const closed = closedRow(position, settlement, "close", this.now());
    this.commit((next) => {
      finishPosition(next, settlement, closed);
      rememberOrder(next, { ...result, close: { funding: position.funding, pnl: settlement.pnl } });
    }, "apply-in-memory");
    log.info("paper position closed", { symbol, side: position.side, size: position.size, exit_price: closed.exit_price, pnl: settlement.pnl });
    return { order: result, exit_price: settlement.exit_price, close_fee: settlement.close_fee, funding: position.funding, pnl: settlement.pnl };
  }

  /**
   * Sets (or with null removes) the position's stop-loss and take-profit,
   * rounded to the price precision. A stop on the wrong side of the mark would
   * trigger at once and is refused ("stop_invalid").
   */
  async setPositionStops(symbol: string, stops: PositionStops): Promise<PositionStops> {
    assertSymbol(symbol);
    for (const [name, value] of [["stop_loss_price", stops.stop_loss_price], ["take_profit_price", stops.take_profit_price]] as const) {
      if (value !== null && (typeof value !== "number" || !Number.isFinite(value) || value <= 0)) {
        throw new ExchangeError(`invalid ${name} ${String(value)} for ${symbol}: expected a price > 0 or null`, "invalid_request");
      }
    }
    if (!this.position(symbol)) throw this.noPosition(symbol, "to protect");
    const mark = this.currentPrice(symbol);
    this.settle(symbol, mark);
    const position = this.position(symbol);
    if (!position) throw this.noPosition(symbol, "to protect");

    const decimals = pricePrecision(mark);
    const held: PositionStops = {
      stop_loss_price: stops.stop_loss_price === null ? null : roundPrice(stops.stop_loss_price, decimals),
      take_profit_price: stops.take_profit_price === null ? null : roundPrice(stops.take_profit_price, decimals),
    };
    const long = position.side === "long";
    const below = long ? "below" : "above";
    const above = long ? "above" : "below";
    if (held.stop_loss_price !== null && (long ? held.stop_loss_price >= mark : held.stop_loss_price <= mark)) {
      throw new ExchangeError(
        `stop-loss ${formatPrice(held.stop_loss_price, decimals)} for the ${position.side} ${symbol} position must be ${below} the mark price ${formatPrice(mark, decimals)}: it would trigger at once`,
        "stop_invalid",
      );
    }
    if (held.take_profit_price !== null && (long ? held.take_profit_price <= mark : held.take_profit_price >= mark)) {
      throw new ExchangeError(
        `take-profit ${formatPrice(held.take_profit_price, decimals)} for the ${position.side} ${symbol} position must be ${above} the mark price ${formatPrice(mark, decimals)}: it would trigger at once`,
        "stop_invalid",
      );
    }
    this.commit((next) => {
      const target = next.positions.find((p) => p.symbol === symbol);
      if (target) Object.assign(target, held);
    });
    // Prices the forming candle met before now are not this stop's business.
    this.paths.anchor(symbol, mark, this.now());
    log.info("paper stops set", { symbol, ...held, mark });
    return held;
  }

  async getClosedPositions(limit: number): Promise<ClosedPosition[]> {
    if (!Number.isInteger(limit) || limit < 1) throw new ExchangeError(`closed-position limit must be an integer ≥ 1, got ${limit}`, "invalid_request");
    return this.state.closed.slice(-limit).reverse().map((row) => ({ ...row }));
  }

  /** Funding due and triggers at the current mark, for every open position. */
  private settleAll(): void {
    for (const { symbol } of [...this.state.positions]) {
      const position = this.position(symbol);
      if (position) this.settle(symbol, this.markPrice(position));
    }
  }

  /** Funding due by now(), then the triggers at `mark`, for one symbol. */
  private settle(symbol: string, mark: number): void {
    if (!this.drivesAccount()) return;
    this.chargeFunding(symbol, this.now(), () => mark);
    this.checkTriggers(symbol, point(mark));
  }

  /**
   * Charges the funding instants after the position's last one up to `upTo`,
   * each once and saved, at the mark `markAt` gives; liquidates when a payment
   * leaves the position at or beyond its liquidation price.
   */
  private chargeFunding(symbol: string, upTo: number, markAt: () => number): void {
    for (;;) {
      const position = this.position(symbol);
      const boundary = position ? fundingBoundariesDue(position.last_funding_at, upTo)[0] : undefined;
      if (!position || boundary === undefined) return;
      const mark = markAt();
      const rate = resolveFundingRate(this.liveFundingRate(symbol));
      const amount = fundingAmount(position.side, position.size, mark, rate);
      this.commit((next) => {
        const target = next.positions.find((p) => p.symbol === symbol);
        if (!target) return;
        target.funding += amount;
        target.last_funding_at = boundary;
      }, "apply-in-memory");
      log.info("paper funding", { symbol, side: position.side, rate, mark, amount, at: new Date(boundary).toISOString() });
      this.events.emit({ type: "funding", symbol, amount, rate, at: boundary });
      const after = this.position(symbol);
      if (!after) return;
      const liquidation_price = positionLiquidationPrice(after, this.maintenanceMarginRate);
      const trigger = findTrigger({ side: after.side, liquidation_price, stop_loss_price: null, take_profit_price: null }, point(mark));
      if (trigger) this.closeByTrigger(after, trigger);
    }
  }

  /** The rate source's answer; a failing source counts as "unknown" (the default rate applies). */
  private liveFundingRate(symbol: string): number | undefined {
    try {
      return this.fundingRateOf(symbol);
    } catch (error) {
      log.warn("funding rate source failed; using the default rate", { symbol, error: error instanceof Error ? error.message : String(error) });
      return undefined;
    }
  }

  /** Liquidation, stop-loss or take-profit on the prices in `range`, if any is hit. */
  private checkTriggers(symbol: string, range: PriceRange): void {
    const position = this.position(symbol);
    if (!position) return;
    const liquidation_price = positionLiquidationPrice(position, this.maintenanceMarginRate);
    const trigger = findTrigger({ ...position, liquidation_price }, range);
    if (trigger) this.closeByTrigger(position, trigger);
  }

  private closeByTrigger(position: PaperPosition, trigger: Trigger): void {
    const settlement: Settlement =
      trigger.kind === "liquidation"
        ? settleLiquidation(position, trigger.price)
        : settleClose(position, takerFill(exitSide(position.side), trigger.price, this.slippage), this.takerFeeRate);
    const at = this.now();
    const closed = closedRow(position, settlement, trigger.kind, at);
    this.commit((next) => finishPosition(next, settlement, closed), "apply-in-memory");
    log.info(`paper ${trigger.kind.replace("_", "-")}`, { symbol: position.symbol, side: position.side, trigger: trigger.price, exit_price: closed.exit_price, pnl: closed.realized_pnl });
    // A copy: a listener that edits its event must not edit the account.
    this.events.emit({ type: trigger.kind, symbol: position.symbol, closed: { ...closed }, at });
  }

  /** Applies `change` to a copy, saves it, and only then makes it the current state. */
  /**
   * Applies `change` to a copy, saves it, and only then makes it the current
   * state. A change that only reduces risk (a close, a triggered stop, a
   * liquidation, funding) is applied even when the disk refuses the file: a
   * failing disk must never keep a position open. It is then saved with the
   * next change that can be written (or by `retryUnsavedSave`), and said once
   * in the log; a restart before that would reload the last saved account.
   */
  private commit(change: (next: PaperState) => void, whenDiskFails: "refuse" | "apply-in-memory" = "refuse"): void {
    const next = copyForChange(this.state);
    change(next);
    try {
      this.store.save(next);
      if (this.unsaved) log.info(`paper account saved again to ${this.store.where}`);
      this.unsaved = false;
    } catch (error) {
      if (whenDiskFails === "refuse") throw error;
      if (!this.unsaved) log.error(`could not save the paper account to ${this.store.where} (${(error as Error).message}); the close takes effect in memory and is saved once the disk allows`);
      this.unsaved = true;
    }
    this.state = next;
  }

  /** Saves a state that a failing disk left only in memory; true when the file is up to date. */
  retryUnsavedSave(): boolean {
    if (!this.unsaved) return true;
    try {
      this.store.save(this.state);
      this.unsaved = false;
      log.info(`paper account saved again to ${this.store.where}`);
    } catch {
      // Still failing: said once already; the next change or call tries again.
    }
    return !this.unsaved;
  }

  private position(symbol: string): PaperPosition | undefined {
    return this.state.positions.find((p) => p.symbol === symbol);
  }

  /** "No position", saying how it ended when the exchange just closed it itself. */
  private noPosition(symbol: string, purpose: string): ExchangeError {
    const last = [...this.state.closed].reverse().find((c) => c.symbol === symbol);
    const ended = last && last.kind !== "close" ? ` (the last one ended by ${last.kind.replace("_", "-")} at ${formatPrice(last.exit_price)} on ${new Date(last.closed_at).toISOString()})` : "";
    return new ExchangeError(`no open paper position on ${symbol} ${purpose}${ended}`, "no_position");
  }

  private rememberedOrder(clientId: string): PaperOrderRecord | null {
    return this.state.orders.find((o) => o.client_id === clientId) ?? null;
  }

  private view(position: PaperPosition): Position {
    const current = this.markPrice(position);
    return {
      symbol: position.symbol,
      side: position.side,
      size: position.size,
      entry_price: position.entry_price,
      current_price: current,
      // + 0 turns a short's −0 into 0.
      unrealized_pnl: pricePnl(position.side, position.entry_price, current, position.size) + 0,
      margin: position.margin,
      leverage: position.leverage,
      opened_at: position.opened_at,
      stop_loss_price: position.stop_loss_price,
      take_profit_price: position.take_profit_price,
      liquidation_price: positionLiquidationPrice(position, this.maintenanceMarginRate),
      funding: position.funding,
    };
  }

  private currentPrice(symbol: string): number {
    const price = this.priceOf(symbol);
    if (typeof price !== "number" || !Number.isFinite(price) || price <= 0) {
      throw new ExchangeError(`no current price for ${symbol} (the market feed has none yet)`, "no_price", true);
    }
    this.lastPrices.set(symbol, price);
    return price;
  }

  /** Current price for valuing a position: the feed, else the last price seen, else the entry price. */
  private markPrice(position: PaperPosition): number {
    const price = this.priceOf(position.symbol);
    if (typeof price === "number" && Number.isFinite(price) && price > 0) {
      this.lastPrices.set(position.symbol, price);
      return price;
    }
    return this.lastPrices.get(position.symbol) ?? position.entry_price;
  }

  private marketInfoAt(symbol: string, price: number): MarketInfo {
    return paperMarketInfo(symbol, price, {
      maxLeverage: this.maxLeverage,
      takerFeeRate: this.takerFeeRate,
      maintenanceMarginRate: this.maintenanceMarginRate,
      slippage: this.slippage,
    });
  }
}

/** Pays the settlement back, drops the position and records it (history bounded). */
function finishPosition(state: PaperState, settlement: Settlement, closed: ClosedPosition): void {
  state.available = state.available + settlement.payout;
  state.positions = state.positions.filter((p) => p.symbol !== closed.symbol);
  state.closed.push({ ...closed });
  if (state.closed.length > PAPER_CLOSED_HISTORY) state.closed.splice(0, state.closed.length - PAPER_CLOSED_HISTORY);
}

/**
 * A copy a change may edit without touching the current state: positions are
 * flat records and are copied; the closed and order lists are only ever
 * appended to and trimmed (their entries never change once written), so a
 * copy of each list suffices. (structuredClone of the whole state cost a
 * backtest 84 % of its time: both lists hold up to 1000 entries.)
 */
function copyForChange(state: PaperState): PaperState {
  return { ...state, positions: state.positions.map((p) => ({ ...p })), closed: [...state.closed], orders: [...state.orders] };
}

function rememberOrder(state: PaperState, result: PaperOrderRecord): void {
  state.orders.push(result);
  if (state.orders.length > PAPER_REMEMBERED_ORDERS) state.orders.splice(0, state.orders.length - PAPER_REMEMBERED_ORDERS);
  state.next_order_id += 1;
}

/** A remembered order as the duplicate answer (without the close bookkeeping). */
function asOrderResult(record: PaperOrderRecord): OrderResult {
  const { close: _close, ...order } = record;
  return { ...order, duplicate: true };
}

/** A usable update (finite, positive prices; low/high widened to include open and close), else null. */
function cleanUpdate(update: MarketUpdate): MarketUpdate | null {
  const { symbol, t, open, high, low, close } = update ?? ({} as MarketUpdate);
  if (typeof symbol !== "string" || typeof t !== "number" || !Number.isFinite(t)) return null;
  for (const price of [open, high, low, close]) if (typeof price !== "number" || !Number.isFinite(price) || price <= 0) return null;
  return { symbol, t, open, close, high: Math.max(high, open, close), low: Math.min(low, open, close) };
}

function checkOption(name: string, value: number, ok: boolean, expected: string): void {
  if (typeof value !== "number" || Number.isNaN(value) || !ok) throw new Error(`PaperExchange option ${name} must be ${expected}, got ${value}`);
}
