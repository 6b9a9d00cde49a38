/**
 * The trader's journal during a backtest: in memory, never a disk write per
 * event. It keeps what the report needs — every trade from open to close, the
 * signals max_positions turned away, the errors — and counts the rest (a run
 * of 29,000 cycles would otherwise keep half a million signal lines).
 */
import type { LogKind, OpenTradeRecord, TraderJournal } from "../trader/ports.ts";

type OpenEntry = Parameters<TraderJournal["tradeOpened"]>[1];
type CloseEntry = Parameters<TraderJournal["tradeClosed"]>[1];

export interface JournalTrade {
  open: OpenEntry;
  close: CloseEntry | null;
}

const KEPT_ERRORS = 200;

export class BacktestJournal implements TraderJournal {
  readonly trades: JournalTrade[] = [];
  private readonly open = new Map<string, JournalTrade>();
  private readonly clientIds = new Set<string>();
  private readonly lastClose = new Map<string, number>();
  readonly counts: Record<LogKind, number> = { trade: 0, error: 0, signal: 0, cycle: 0, control: 0 };
  /** Signals not acted on because max_positions was reached. */
  rejectedByMaxPositions = 0;
  readonly errors: { at: number; message: string }[] = [];

  constructor(private readonly now: () => number) {}

  log(kind: LogKind, message: string, data?: unknown): void {
    this.counts[kind] += 1;
    if (kind === "signal") {
      const signal = data as { skip_reason?: unknown; coins?: unknown[] } | undefined;
      // One line per cycle names every coin max_positions turned away.
      if (typeof signal?.skip_reason === "string" && signal.skip_reason.startsWith("max positions reached")) this.rejectedByMaxPositions += Array.isArray(signal.coins) ? signal.coins.length : 1;
    } else if (kind === "error") {
      this.errors.push({ at: this.now(), message });
      if (this.errors.length > KEPT_ERRORS) this.errors.shift();
    }
  }

  tradeOpened(message: string, entry: OpenEntry): void {
    this.log("trade", message);
    if (this.clientIds.has(entry.client_id)) return;
    this.clientIds.add(entry.client_id);
    const trade: JournalTrade = { open: entry, close: null };
    this.trades.push(trade);
    this.open.set(key(entry.symbol, entry.exchange), trade);
  }

  tradeClosed(message: string, entry: CloseEntry): void {
    this.log("trade", message);
    this.lastClose.set(key(entry.symbol, entry.exchange), entry.at);
    const trade = this.open.get(key(entry.symbol, entry.exchange));
    if (!trade) return;
    trade.close = entry;
    this.open.delete(key(entry.symbol, entry.exchange));
  }

  hasOrderWithClientId(clientId: string): boolean {
    return this.clientIds.has(clientId);
  }

  openTrades(exchange: string): OpenTradeRecord[] {
    const out: OpenTradeRecord[] = [];
    for (const trade of this.open.values()) {
      const o = trade.open;
      if (o.exchange === exchange) out.push({ symbol: o.symbol, side: o.side, size: o.size, entry_price: o.entry_price, fees: o.fee, opened_at: o.at, exchange });
    }
    return out;
  }

  lastCloseAt(symbol: string, exchange: string): number | null {
    return this.lastClose.get(key(symbol, exchange)) ?? null;
  }

  equitySnapshot(): void {
    // The engine samples equity itself, once per simulated hour.
  }
}

function key(symbol: string, exchange: string): string {
  return `${exchange}:${symbol}`;
}
