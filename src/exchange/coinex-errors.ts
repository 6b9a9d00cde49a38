/**
 * CoinEx v2 error codes → ExchangeError messages a trader can act on
 * (exchange-api.md §1 "Error codes"). `retryable` marks the ones where waiting
 * and trying again may succeed (busy, rate limit, gateway trouble).
 */
import { ExchangeError } from "./types.ts";

interface CodeMeaning {
  text: string;
  retryable: boolean;
}

const SIGNATURE = "signature rejected: check COINEX_SECRET_KEY (and that the key pair belongs together)";
const PRICE_TOO_FAR = "price or estimated fill too far from the last/index price";
const DEPTH_TOO_LOW = "order book too thin for this market order: reduce the amount";
const TRADING_PROHIBITED = "trading is prohibited for this account: check the account status on CoinEx";

const MEANINGS: Record<number, CodeMeaning> = {
  3008: { text: "CoinEx service busy: retry in a few seconds", retryable: true },
  3109: { text: "balance not enough for this order (margin + fee exceed the available futures balance)", retryable: false },
  3127: { text: "order amount below the market minimum", retryable: false },
  3600: { text: "order not found", retryable: false },
  3620: { text: DEPTH_TOO_LOW, retryable: false },
  3621: { text: "order could not fully fill and was cancelled", retryable: false },
  3622: { text: "order could not be placed as maker-only", retryable: false },
  4001: { text: "CoinEx service unavailable: retry later", retryable: true },
  4002: { text: "CoinEx service timed out: check positions, then retry", retryable: true },
  4003: { text: "CoinEx internal error: retry later", retryable: true },
  4004: { text: "CoinEx rejected a parameter (parameter error)", retryable: false },
  4005: {
    text: "access_id not accepted: check COINEX_ACCESS_ID (a new API key takes about 10 minutes to activate)",
    retryable: false,
  },
  4006: { text: SIGNATURE, retryable: false },
  4007: { text: "this IP address is not on the API key's whitelist", retryable: false },
  4008: { text: SIGNATURE, retryable: false },
  4009: { text: "request method not accepted", retryable: false },
  4010: { text: "request expired: the local clock differs from CoinEx's (timestamp outside the window)", retryable: true },
  4011: { text: TRADING_PROHIBITED, retryable: false },
  4017: { text: "signature expired: the local clock differs from CoinEx's", retryable: true },
  4115: { text: TRADING_PROHIBITED, retryable: false },
  4117: { text: "trading is prohibited in this market", retryable: false },
  4123: { text: "rate limit hit: too many requests, slow down", retryable: true },
  4130: { text: "futures trading is prohibited for this account", retryable: false },
  4158: { text: "futures trading is prohibited for this account", retryable: false },
  4213: { text: "rate limit hit: too many requests, slow down", retryable: true },
  11005: { text: SIGNATURE, retryable: false },
};
for (const code of [3606, 3612, 3613, 3614, 3615, 3616, 3617, 3618, 3619, 3632, 3633, 3634, 3635]) {
  MEANINGS[code] = { text: PRICE_TOO_FAR, retryable: false };
}
for (const code of [3627, 3628, 3629]) MEANINGS[code] = { text: DEPTH_TOO_LOW, retryable: false };

/** Codes after which the client re-measures the clock offset and retries once. */
export const CLOCK_SKEW_CODES: ReadonlySet<number> = new Set([4010, 4017]);

/**
 * The error for a non-zero `code` in a CoinEx response to `what` (e.g. "POST /futures/order").
 * The server's own message is quoted too, because CoinEx sometimes says more than the code.
 */
export function coinexError(code: number, serverMessage: string, what: string): ExchangeError {
  const known = MEANINGS[code];
  const quoted = serverMessage ? `: "${serverMessage.slice(0, 200)}"` : "";
  if (known) return new ExchangeError(`CoinEx ${what} failed: ${known.text} (code ${code}${quoted})`, code, known.retryable);
  // ccxt also matches these texts; both clear up on their own.
  const lower = serverMessage.toLowerCase();
  const transient = lower.includes("service too busy") || lower.includes("funding fee settlement");
  return new ExchangeError(`CoinEx ${what} failed with code ${code}${quoted}`, code, transient);
}
