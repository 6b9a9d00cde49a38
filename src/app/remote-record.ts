/**
 * The activity log, closed trades and equity curve of a `web` instance, which
 * has no SQLite: rebuilt from what this process has seen on the bus since it
 * started (the trader:events channel and the state:balance values). Same
 * shapes, order and limits as the SQLite view (src/app/record.ts), so the
 * dashboard renders both alike.
 *
 * What it cannot know: anything from before this process started, events sent
 * while Redis was unreachable (pub/sub does not replay), and the signal and
 * cycle logs (the trader does not publish them), so those tabs stay empty.
 */
import { z } from "zod";
import type { BalanceState, TraderEvent as BusTraderEvent } from "../bus/payloads.ts";
import { logger } from "../log.ts";
import type { LogKind } from "../trader/ports.ts";
import type { ClosedTradeView, EquityPoint, LogEntry, RecordView } from "../web/deps.ts";

const log = logger("remote-record");

/** The largest page a view returns, as in the SQLite store. */
export const MAX_PAGE = 1000;

export interface RemoteRecordLimits {
  /** Entries kept per log kind (default 1000, the largest page). */
  maxLogsPerKind?: number;
  /** Closed trades kept (default 1000). */
  maxClosedTrades?: number;
  /** Equity points kept (default 10 000, as the SQLite store keeps). */
  maxEquityPoints?: number;
}

/** The activity-log kind each trader event is filed under (as the journal files it on the trader); null for an unknown type. */
export function logKindOf(type: string): LogKind | null {
  switch (type as BusTraderEvent["type"]) {
    case "trade_open":
    case "trade_close":
    case "tp_hit":
    case "sl_hit":
    case "liquidation":
    case "funding":
      return "trade";
    case "error":
    case "kill_switch":
    case "circuit_breaker":
      return "error";
    case "control":
      return "control";
    default:
      return null;
  }
}

/** What a trade_close event carries (src/trader/closing.ts); an older trader sends only reason and pnl. */
const TradeCloseDataSchema = z.object({
  side: z.enum(["long", "short"]),
  size: z.number().positive(),
  entry_price: z.number().positive(),
  exit_price: z.number().positive().nullable().optional(),
  fee: z.number(),
  opened_at: z.number().int().nonnegative(),
  pnl: z.number().nullable().optional(),
  reason: z.string().nullable().optional(),
});

interface StoredTrade extends ClosedTradeView {
  seq: number;
}

export class RemoteRecord implements RecordView {
  private seq = 0;
  /** Per kind, oldest first; ids grow with arrival, as SQLite row ids do. */
  private readonly logsByKind = new Map<LogKind, LogEntry[]>();
  /** Oldest first. */
  private readonly trades: StoredTrade[] = [];
  /** Opening fee per open symbol, when the trade_open event carries one (see noteEvent). */
  private readonly openFees = new Map<string, number>();
  /** Oldest first, strictly increasing `at`. */
  private readonly equity: EquityPoint[] = [];
  private readonly maxLogsPerKind: number;
  private readonly maxClosedTrades: number;
  private readonly maxEquityPoints: number;
  private warnedIncompleteClose = false;

  constructor(limits: RemoteRecordLimits = {}) {
    this.maxLogsPerKind = positiveInteger(limits.maxLogsPerKind ?? MAX_PAGE, "maxLogsPerKind");
    this.maxClosedTrades = positiveInteger(limits.maxClosedTrades ?? MAX_PAGE, "maxClosedTrades");
    this.maxEquityPoints = positiveInteger(limits.maxEquityPoints ?? 10_000, "maxEquityPoints");
  }

  /**
   * Files one trader event: a log line always, a closed-trade row for a
   * trade_close that says enough. Never throws (a bad event is logged and skipped).
   */
  noteEvent(event: BusTraderEvent): void {
    try {
      this.fileEvent(event);
    } catch (error) {
      log.error(`ignored a trader event it could not file: ${(error as Error).message}`);
    }
  }

  /** Adds one equity point per distinct `updated_at`; true when a point was added. */
  noteBalance(balance: BalanceState): boolean {
    const last = this.equity.at(-1);
    // An older or repeated reading (the same publish read twice) adds nothing.
    if (last && balance.updated_at <= last.at) return false;
    this.equity.push({ at: balance.updated_at, equity: balance.equity });
    if (this.equity.length > this.maxEquityPoints) this.equity.splice(0, this.equity.length - this.maxEquityPoints);
    return true;
  }

  /** Newest first, as the SQLite view returns them. */
  logs(query: { kind?: LogKind; limit: number }): LogEntry[] {
    const limit = checkLimit(query.limit, "logs", MAX_PAGE);
    const lists = query.kind === undefined ? [...this.logsByKind.values()] : [this.logsByKind.get(query.kind) ?? []];
    const entries = lists.length === 1 ? [...(lists[0] ?? [])] : lists.flat().sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
    return entries.slice(-limit).reverse();
  }

  /** Most recently closed first (closed_at, then arrival), as the SQLite view. */
  closedTrades(limit: number): ClosedTradeView[] {
    const count = checkLimit(limit, "closedTrades", MAX_PAGE);
    return [...this.trades]
      .sort((a, b) => (b.closed_at ?? 0) - (a.closed_at ?? 0) || b.seq - a.seq)
      .slice(0, count)
      .map(({ seq: _seq, ...trade }) => trade);
  }

  /** The newest `limit` points, oldest first (ready to plot). */
  equityCurve(limit: number): EquityPoint[] {
    const count = checkLimit(limit, "equityCurve", this.maxEquityPoints);
    return this.equity.slice(-count).map((p) => ({ ...p }));
  }

  private fileEvent(event: BusTraderEvent): void {
    const kind = logKindOf(event.type);
    if (kind === null) throw new Error(`unknown event type ${JSON.stringify(event.type)}`);
    const id = ++this.seq;
    const entry: LogEntry = {
      id,
      at: event.at,
      kind,
      message: event.message,
      data: { ...event.data, ...(event.symbol ? { symbol: event.symbol } : {}), event: event.type },
      // The bus does not say who asked (page, api, system).
      origin: null,
    };
    let list = this.logsByKind.get(kind);
    if (!list) this.logsByKind.set(kind, (list = []));
    list.push(entry);
    if (list.length > this.maxLogsPerKind) list.splice(0, list.length - this.maxLogsPerKind);

    if (event.type === "trade_open" && event.symbol && typeof event.data?.fee === "number") {
      this.openFees.set(event.symbol, event.data.fee);
    }
    if (event.type === "trade_close" && event.symbol) this.fileClosedTrade(id, event.at, event.symbol, event.data);
  }

  private fileClosedTrade(seq: number, at: number, symbol: string, data: Record<string, unknown> | undefined): void {
    const parsed = TradeCloseDataSchema.safeParse(data ?? {});
    if (!parsed.success) {
      if (!this.warnedIncompleteClose) {
        const issue = parsed.error.issues[0];
        log.warn(`a trade_close event for ${symbol} lacks what a history row needs (${issue?.path.join(".") || "data"}: ${issue?.message}); it is in the log but not in the history`);
      }
      this.warnedIncompleteClose = true;
      return;
    }
    const close = parsed.data;
    // The event's P&L is already the whole trade's net (both fees and funding), as
    // SQLite keeps it; the opening fee, known only when this process saw the open,
    // completes the fees column.
    const openFee = this.openFees.get(symbol);
    this.openFees.delete(symbol);
    const pnl = close.pnl ?? null;
    this.trades.push({
      seq,
      symbol,
      side: close.side,
      size: close.size,
      entry_price: close.entry_price,
      exit_price: close.exit_price ?? null,
      pnl,
      fees: close.fee + (openFee ?? 0),
      opened_at: close.opened_at,
      closed_at: at,
      close_reason: close.reason ?? null,
    });
    if (this.trades.length > this.maxClosedTrades) this.trades.splice(0, this.trades.length - this.maxClosedTrades);
  }
}

function checkLimit(limit: number, call: string, max: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new RangeError(`${call}: limit must be an integer from 1 to ${max}, got ${limit}`);
  }
  return limit;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`RemoteRecord: ${name} must be a positive integer, got ${value}`);
  return value;
}
