/**
 * Every Redis key and channel name of the bus, spelled exactly as the product's
 * Redis contract (DESIGN.md), with the TTL each key carries. This is the only
 * place a name is written: publishers, readers, the payload map and the tests
 * all build names through these functions, so a typo cannot split one stream
 * into two.
 *
 * Symbols are validated (upper-case letters and digits, e.g. BTCUSDT) because a
 * `:` would make `cache:candles:X:1h` ambiguous and a `*`, `?` or `[` would turn a
 * channel name into a glob for pattern subscribers.
 */
import type { Timeframe } from "../market/candle.ts";

/** Every lease key starts with "lease:"; lease.ts refuses other keys. */
export const KEY_PREFIX = {
  lease: "lease:",
} as const;

/** Seconds each cached key lives; keys not listed here have no TTL. */
export const TTL_SECONDS = {
  candles: { "5m": 60, "1h": 300, "4h": 600 } as Readonly<Record<Timeframe, number>>,
  taLatest: 120,
} as const;

const SYMBOL_PATTERN = /^[A-Z0-9]{2,30}$/;
const ACCOUNT_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** Throws a message saying which name was being built and what a valid symbol looks like. */
export function assertBusSymbol(symbol: string, where: string): void {
  if (!SYMBOL_PATTERN.test(symbol)) {
    throw new Error(
      `Invalid symbol ${JSON.stringify(symbol)} for ${where}: expected 2–30 upper-case letters and digits, such as BTCUSDT`,
    );
  }
}

export type CandleCacheKey = `cache:candles:${string}`;
export type TaLatestKey = `ta:latest:${string}`;
export type LeaseKey = `lease:${string}`;

export const keys = {
  /** 5m candles live at `cache:candles:{symbol}`; 1h and 4h carry a `:1h` / `:4h` suffix. */
  candles(symbol: string, timeframe: Timeframe): CandleCacheKey {
    assertBusSymbol(symbol, "a candle cache key");
    return timeframe === "5m" ? `cache:candles:${symbol}` : `cache:candles:${symbol}:${timeframe}`;
  },
  taLatest(symbol: string): TaLatestKey {
    assertBusSymbol(symbol, "a ta:latest key");
    return `ta:latest:${symbol}`;
  },
  positions: "state:positions",
  balance: "state:balance",
  traderConfig: "state:trader:config",
  traderStatus: "state:trader:status",
  /** Held by the one process that fetches candles and computes TA. */
  leaseTa: "lease:ta",
  /** Held by the one trader allowed to trade `account`. */
  leaseTrader(account: string): LeaseKey {
    if (!ACCOUNT_PATTERN.test(account)) {
      throw new Error(
        `Invalid account name ${JSON.stringify(account)} for a trader lease: use 1–64 letters, digits, '.', '_' or '-'`,
      );
    }
    return `lease:trader:${account}`;
  },
} as const;

export const channels = {
  marketCandles(symbol: string): `market:candles:${string}` {
    assertBusSymbol(symbol, "a market:candles channel");
    return `market:candles:${symbol}`;
  },
  taSignals(symbol: string): `signals:ta:${string}` {
    assertBusSymbol(symbol, "a signals:ta channel");
    return `signals:ta:${symbol}`;
  },
  scan: "signals:scan",
  traderEvents: "trader:events",
} as const;

const CANDLE_KEY = /^cache:candles:([A-Z0-9]{2,30})(?::(1h|4h))?$/;
const TA_LATEST_KEY = /^ta:latest:[A-Z0-9]{2,30}$/;
const MARKET_CANDLES_CHANNEL = /^market:candles:[A-Z0-9]{2,30}$/;
const TA_SIGNALS_CHANNEL = /^signals:ta:[A-Z0-9]{2,30}$/;

export type KeyKind = "candles" | "taLatest" | "positions" | "balance" | "traderConfig" | "traderStatus";
export type ChannelKind = "marketCandles" | "taSignals" | "scan" | "traderEvents";

const STATE_KEY_KINDS: Readonly<Record<string, KeyKind>> = {
  [keys.positions]: "positions",
  [keys.balance]: "balance",
  [keys.traderConfig]: "traderConfig",
  [keys.traderStatus]: "traderStatus",
};

/** Which contract key `key` is, or null when it is not one (a typo, a foreign key). */
export function classifyKey(key: string): KeyKind | null {
  if (CANDLE_KEY.test(key)) return "candles";
  if (TA_LATEST_KEY.test(key)) return "taLatest";
  return STATE_KEY_KINDS[key] ?? null;
}

/** Which contract channel `channel` is, or null when it is not one. */
export function classifyChannel(channel: string): ChannelKind | null {
  if (MARKET_CANDLES_CHANNEL.test(channel)) return "marketCandles";
  if (TA_SIGNALS_CHANNEL.test(channel)) return "taSignals";
  if (channel === channels.scan) return "scan";
  if (channel === channels.traderEvents) return "traderEvents";
  return null;
}

/**
 * The TTL the contract gives `key`, in seconds, or null for keys kept until
 * overwritten. Used when a caller does not pass its own TTL.
 */
export function ttlForKey(key: string): number | null {
  const candle = CANDLE_KEY.exec(key);
  if (candle) {
    const timeframe = candle[2];
    return timeframe === "1h" || timeframe === "4h" ? TTL_SECONDS.candles[timeframe] : TTL_SECONDS.candles["5m"];
  }
  if (TA_LATEST_KEY.test(key)) return TTL_SECONDS.taLatest;
  return null;
}
