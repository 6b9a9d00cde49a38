/**
 * The ta process's own TA results, for processes that build their market view
 * from the bus (roles trader and web): ta:latest:{symbol} at start and after a
 * reconnect, signals:ta:{symbol} as they come; in the spec's shape on the bus,
 * converted back here to the internal TaResult (src/bus/ta-payload.ts). The
 * pipeline prefers these over its own recomputation for the same candle
 * (market-pipeline.ts), because the ta process computed them on its full
 * history while a bus-fed process warms up on the ~300 cached candles, so long
 * EMAs and Stoch RSI could differ a little.
 */
import type { Bus, Unsubscribe } from "../bus/bus.ts";
import { keys } from "../bus/keys.ts";
import { fromTaPayload, type TaPayload } from "../bus/ta-payload.ts";
import type { TaResult } from "../ta/result.ts";
import type { TaFeed } from "./market-pipeline.ts";

export class BusTaFeed implements TaFeed {
  private readonly results = new Map<string, TaResult>();
  private readonly listeners = new Set<(symbol: string) => void>();
  private readonly wanted: Set<string>;
  private unsubscribe: Unsubscribe | null = null;
  private offReconnect: (() => void) | null = null;
  private stopped = false;

  constructor(
    private readonly bus: Bus,
    symbols: readonly string[],
  ) {
    this.wanted = new Set(symbols);
  }

  async start(): Promise<void> {
    this.offReconnect = this.bus.onReconnect(() => void this.readLatest());
    const unsubscribe = await this.bus.psubscribe("signals:ta:*", (payload) => this.accept(payload));
    if (this.stopped) unsubscribe();
    else this.unsubscribe = unsubscribe;
    await this.readLatest();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.offReconnect?.();
  }

  latest(symbol: string): TaResult | null {
    return this.results.get(symbol) ?? null;
  }

  onUpdate(listener: (symbol: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async readLatest(): Promise<void> {
    await Promise.all(
      [...this.wanted].map(async (symbol) => {
        const payload = await this.bus.get(keys.taLatest(symbol));
        if (payload) this.accept(payload);
      }),
    );
  }

  /** Keeps the newest result per coin (by candle time): a late ta:latest read never replaces a newer signal. */
  private accept(payload: TaPayload): void {
    if (this.stopped || !this.wanted.has(payload.symbol)) return;
    const result = fromTaPayload(payload);
    const known = this.results.get(result.symbol);
    if (known && known.timestamp > result.timestamp) return;
    this.results.set(result.symbol, result);
    for (const listener of this.listeners) listener(result.symbol);
  }
}
