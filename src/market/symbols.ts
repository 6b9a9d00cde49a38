/**
 * The coins the suite tracks by default: 29 liquid USDT pairs.
 *
 * Why these 29: each must be quoted on Binance US spot as `XXXUSDT` (where the
 * candles come from) AND listed as a CoinEx USDT-M perpetual under the very same
 * name (where orders go), so one symbol string means one coin end to end and no
 * mapping table can silently pair the wrong prices with an order. Chosen for
 * liquidity on both venues (large, long-listed coins).
 *
 * Deliberately left out:
 * - coins CoinEx futures quotes per 1000 units (1000SHIB, 1000PEPE, 1000FLOKI, 1000BONK):
 *   the name and the price scale differ from Binance US `SHIBUSDT`/`PEPEUSDT`;
 * - renamed or migrating tickers (MATIC→POL, MKR→SKY, EOS→A, FTM→S): the two venues
 *   may not have switched on the same day;
 * - USDT pairs Binance US removed in June 2023 (ATOM, MANA, AXS, COTI);
 * - BNB: not listed on every venue in the same form, and its Binance US liquidity is thin.
 *
 * Listing facts change. This list is the maintainers' best knowledge, not read
 * from an API here (no exchange is reachable from the build machine): the Binance
 * source reports a symbol Binance US rejects ("Invalid symbol.") in its status and
 * keeps the others running, and the list is an option wherever it is used.
 */
export const DEFAULT_SYMBOLS: readonly string[] = Object.freeze([
  "BTCUSDT",
  "ETHUSDT",
  "SOLUSDT",
  "XRPUSDT",
  "DOGEUSDT",
  "ADAUSDT",
  "AVAXUSDT",
  "LINKUSDT",
  "DOTUSDT",
  "LTCUSDT",
  "BCHUSDT",
  "UNIUSDT",
  "XLMUSDT",
  "ALGOUSDT",
  "FILUSDT",
  "NEARUSDT",
  "AAVEUSDT",
  "SUIUSDT",
  "HBARUSDT",
  "ETCUSDT",
  "APTUSDT",
  "ARBUSDT",
  "OPUSDT",
  "ICPUSDT",
  "GRTUSDT",
  "CRVUSDT",
  "INJUSDT",
  "VETUSDT",
  "EGLDUSDT",
]);

const SYMBOL_PATTERN = /^[A-Z0-9]{1,20}USDT$/;

/**
 * The most coins one process watches: every CoinEx USDT perpetual (about 250)
 * fits. Measured in BENCHMARKS.md (`scale.symbols`): memory, cycle time and
 * pushes grow with the count, and the scanner pages its cards.
 */
export const MAX_SYMBOLS = 300;

/**
 * Checks a symbol list given by a caller (CLI, config): upper-case USDT pairs,
 * no duplicates, not empty, at most MAX_SYMBOLS. Throws an error naming the bad entry.
 */
export function validateSymbols(symbols: readonly string[], where = "symbols"): string[] {
  if (symbols.length === 0) throw new Error(`${where}: the symbol list is empty`);
  if (symbols.length > MAX_SYMBOLS) {
    throw new Error(`${where}: ${symbols.length} symbols is more than one process watches (at most ${MAX_SYMBOLS}); split them over several processes or drop some`);
  }
  const seen = new Set<string>();
  symbols.forEach((symbol, index) => {
    if (typeof symbol !== "string" || !SYMBOL_PATTERN.test(symbol)) {
      throw new Error(
        `${where}[${index}]: ${JSON.stringify(symbol)} is not an upper-case USDT pair such as BTCUSDT`,
      );
    }
    if (seen.has(symbol)) throw new Error(`${where}[${index}]: ${symbol} is listed twice`);
    seen.add(symbol);
  });
  return [...symbols];
}
