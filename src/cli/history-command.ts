/**
 * `history fetch --days N [--symbols A,B] [--timeframes 5m,1h] [--data-dir DIR]`
 * `history export --out DIR [--symbols A,B] [--timeframes 5m,1h] [--from DATE] [--to DATE] [--data-dir DIR]`
 *
 * The candle history in `<data-dir>/history.db` (src/history/): the server
 * records the closed 5m and 1h candles it receives; `fetch` fills in the last
 * N days from Binance US klines (only what is not stored yet; gaps reported,
 * never filled; a progress bar on stderr); `export` writes SYMBOL-5m.json /
 * SYMBOL-1h.json in the shared format for `backtest --data DIR` and other
 * tools. `backtest --data history` reads history.db directly.
 *
 * Defaults: --data-dir from DATA_DIR, else ./data; --symbols from SYMBOLS,
 * else the 29-coin list; Binance US at BINANCE_BASE_URL (tests point it at a
 * local stand-in). Exit codes: 0 done (gaps included, they are reported); 2
 * bad usage, a symbol Binance US does not list, Binance US unreachable or
 * failing, nothing to export — one line on stderr saying what; 1 the disk
 * refused history.db. What a fetch stored before a failure is kept: run the
 * same command again to resume.
 */
import { resolve } from "node:path";
import { BINANCE_US_BASE_URL, BinanceUsClient, BinanceUsError, type BinanceUsClientOptions } from "../market/binance-client.ts";
import { systemClock, type Clock } from "../market/clock.ts";
import { runLimited } from "../market/run-limited.ts";
import { DEFAULT_SYMBOLS } from "../market/symbols.ts";
import { exportHistory } from "../history/export.ts";
import { fetchHistory, FetchError, type SeriesResult } from "../history/fetch.ts";
import { HistoryDb, HistoryError, historyDbPath, HISTORY_TIMEFRAMES, type HistoryTimeframe } from "../history/history-db.ts";
import type { DataGap } from "../backtest/data.ts";
import { setQuiet } from "../log.ts";

const FETCH_USAGE = "history fetch --days N [--symbols A,B] [--timeframes 5m,1h] [--data-dir DIR]";
const EXPORT_USAGE = "history export --out DIR [--symbols A,B] [--timeframes 5m,1h] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--data-dir DIR]";
const USAGE = `usage: ${FETCH_USAGE} | ${EXPORT_USAGE}`;
const MAX_DAYS = 1000;

export interface HistoryCommandDeps {
  env: Record<string, string | undefined>;
  clock: Clock;
  /** Extra client options (tests: back-off). */
  client: Partial<BinanceUsClientOptions>;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Redraw the progress bar in place. Default: stderr is a terminal. */
  tty: boolean;
}

class UsageError extends Error {}

interface CommonArgs {
  dataDir: string;
  symbols: string[] | null;
  timeframes: HistoryTimeframe[];
}

interface FetchArgs extends CommonArgs {
  days: number;
}

interface ExportArgs extends CommonArgs {
  out: string;
  from: number | null;
  to: number | null;
}

export async function runHistoryCommand(args: string[], partial: Partial<HistoryCommandDeps> = {}): Promise<number> {
  const deps: HistoryCommandDeps = {
    env: process.env,
    clock: systemClock,
    client: {},
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    tty: process.stderr.isTTY === true,
    ...partial,
  };
  setQuiet(true);
  const [command, ...rest] = args;
  try {
    if (command === "fetch") return await runFetch(parseFetchArgs(rest, deps.env), deps);
    if (command === "export") return runExport(parseExportArgs(rest, deps.env), deps);
    if (command === "--help" || command === "-h" || command === "help") {
      deps.out(`usage: ${FETCH_USAGE}\n       ${EXPORT_USAGE}\n(README, "Candle history")\n`);
      return 0;
    }
    if (command === undefined || command.startsWith("-")) throw new UsageError(`history needs a command, fetch or export; ${USAGE}`);
    throw new UsageError(`unknown history command ${JSON.stringify(command)}; ${USAGE}`);
  } catch (error) {
    if (error instanceof UsageError || error instanceof HistoryError) {
      deps.err(`error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

// ---------------------------------------------------------------- fetch

async function runFetch(args: FetchArgs, deps: HistoryCommandDeps): Promise<number> {
  const baseUrl = deps.env.BINANCE_BASE_URL || BINANCE_US_BASE_URL;
  let client: BinanceUsClient;
  try {
    client = new BinanceUsClient({ baseUrl, clock: deps.clock, ...deps.client });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const symbols = args.symbols ?? defaultSymbols(deps.env);
  await checkSymbols(client, symbols, args.timeframes[0]!);

  let db: HistoryDb;
  try {
    db = HistoryDb.open(args.dataDir);
  } catch (error) {
    deps.err(`error: cannot open ${historyDbPath(args.dataDir)}: ${(error as Error).message}\n`);
    return 1;
  }
  const progress = progressBar("fetching", deps);
  let results: SeriesResult[];
  try {
    results = await fetchHistory({ db, client, symbols, timeframes: args.timeframes, days: args.days, now: deps.clock.now(), onProgress: progress });
  } catch (error) {
    if (deps.tty) deps.err("\n");
    if (error instanceof FetchError) {
      const what = error.reason instanceof BinanceUsError ? describeBinanceFailure(client, error.reason) : `cannot store candles in ${db.path}: ${error.reason.message}`;
      deps.err(`error: ${what}; the ${error.kept} candle(s) stored before it are kept, run the same command again to resume\n`);
      db.close();
      return error.reason instanceof BinanceUsError ? 2 : 1;
    }
    db.close();
    throw error;
  }
  if (deps.tty) deps.err("\n");
  let fetched = 0;
  for (const r of results) {
    fetched += r.fetched;
    const span = r.first === null ? "none stored (Binance US has no candles in this period)" : `${r.stored} stored from ${iso(r.first)} to ${iso(r.last!)}`;
    const late = r.first !== null && r.first > r.period.from ? ` (none before ${iso(r.first)} on Binance US)` : "";
    deps.out(`${r.symbol} ${r.timeframe}: ${r.fetched} new candle(s); ${span}${late}; ${r.gaps.length === 0 ? "no gaps" : `${r.gaps.length} gap(s)`}\n`);
  }
  printGaps(results.flatMap((r) => r.gaps), deps);
  deps.out(`${fetched} new candle(s) in ${db.path}\n`);
  db.close();
  return 0;
}

/** One request per symbol (1 candle) before fetching anything: names every symbol Binance US does not list, or says it cannot be reached. */
async function checkSymbols(client: BinanceUsClient, symbols: readonly string[], timeframe: HistoryTimeframe): Promise<void> {
  const unknown: string[] = [];
  let detail = "";
  let unreachable: BinanceUsError | null = null;
  await runLimited(symbols, 4, async (symbol) => {
    if (unreachable) return;
    try {
      await client.klines(symbol, timeframe, { limit: 1, retries: 1 });
    } catch (error) {
      if (!(error instanceof BinanceUsError)) throw error;
      if (error.kind === "bad-request" && error.status === 400) {
        unknown.push(symbol);
        detail ||= error.message.replace(/^.*\(HTTP 400\)\s*/, "");
      } else unreachable ??= error;
    }
  });
  if (unreachable) throw new UsageError(describeBinanceFailure(client, unreachable));
  if (unknown.length > 0) {
    const ordered = symbols.filter((s) => unknown.includes(s));
    throw new UsageError(`Binance US does not list ${ordered.join(", ")} (HTTP 400 ${detail})`);
  }
}

function describeBinanceFailure(client: BinanceUsClient, error: BinanceUsError): string {
  const reach = error.kind === "network" || error.kind === "timeout" || error.kind === "refused";
  return `${reach ? "cannot reach" : "request failed at"} Binance US at ${client.baseUrl}: ${error.message}`;
}

// ---------------------------------------------------------------- export

function runExport(args: ExportArgs, deps: HistoryCommandDeps): number {
  const result = exportHistory(args.dataDir, args.out, {
    ...(args.symbols ? { symbols: args.symbols } : {}),
    timeframes: args.timeframes,
    ...(args.from !== null ? { from: args.from } : {}),
    ...(args.to !== null ? { to: args.to } : {}),
  });
  for (const f of result.files) deps.out(`${f.name}: ${f.rows} candle(s) from ${iso(f.first)} to ${iso(f.last)}\n`);
  printGaps(result.gaps, deps);
  deps.out(`Wrote ${result.files.length} file(s) to ${args.out}\n`);
  return 0;
}

// ---------------------------------------------------------------- arguments

function parseFetchArgs(args: string[], env: Record<string, string | undefined>): FetchArgs {
  let days: number | null = null;
  const common = parseCommon(args, env, FETCH_USAGE, (name, value) => {
    if (name !== "--days") return false;
    const text = value();
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < 1 || n > MAX_DAYS) throw new UsageError(`--days must be a whole number of days from 1 to ${MAX_DAYS}, got ${JSON.stringify(text)}`);
    days = n;
    return true;
  });
  if (days === null) throw new UsageError(`fetch needs --days N (how many days back to fetch); usage: ${FETCH_USAGE}`);
  return { ...common, days };
}

function parseExportArgs(args: string[], env: Record<string, string | undefined>): ExportArgs {
  let out: string | null = null;
  let from: number | null = null;
  let to: number | null = null;
  const common = parseCommon(args, env, EXPORT_USAGE, (name, value) => {
    if (name === "--out") out = value();
    else if (name === "--from") from = date(name, value());
    else if (name === "--to") to = date(name, value());
    else return false;
    return true;
  });
  if (out === null) throw new UsageError(`export needs --out DIR (where SYMBOL-5m.json files go); usage: ${EXPORT_USAGE}`);
  if (from !== null && to !== null && to <= from) throw new UsageError(`--to (${iso(to)}) must be after --from (${iso(from)})`);
  return { ...common, out, from, to };
}

/** The options both commands take; `own` handles the command's own (true when it did). */
function parseCommon(args: string[], env: Record<string, string | undefined>, usage: string, own: (name: string, value: () => string) => boolean): CommonArgs {
  const parsed: CommonArgs = { dataDir: env.DATA_DIR || "./data", symbols: null, timeframes: [...HISTORY_TIMEFRAMES] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [name, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined || v === "") throw new UsageError(`${name} needs a value; usage: ${usage}`);
      return v;
    };
    if (own(name, value)) continue;
    switch (name) {
      case "--data-dir":
        parsed.dataDir = value();
        break;
      case "--symbols":
        parsed.symbols = symbolList(value(), "--symbols");
        break;
      case "--timeframes": {
        const text = value();
        const list = [...new Set(text.split(",").map((s) => s.trim()).filter(Boolean))];
        if (list.length === 0 || !list.every((tf): tf is HistoryTimeframe => (HISTORY_TIMEFRAMES as readonly string[]).includes(tf))) {
          throw new UsageError(`--timeframes takes 5m and/or 1h (e.g. 5m,1h), got ${JSON.stringify(text)}`);
        }
        parsed.timeframes = HISTORY_TIMEFRAMES.filter((tf) => list.includes(tf));
        break;
      }
      default:
        throw new UsageError(`unknown argument ${JSON.stringify(arg)}; usage: ${usage}`);
    }
  }
  parsed.dataDir = resolve(parsed.dataDir);
  return parsed;
}

function symbolList(text: string, what: string): string[] {
  const symbols = [...new Set(text.split(",").map((s) => s.trim().toUpperCase()).filter(Boolean))];
  if (symbols.length === 0) throw new UsageError(`${what} needs at least one symbol such as BTCUSDT`);
  for (const symbol of symbols) if (!/^[A-Z0-9]{1,20}USDT$/.test(symbol)) throw new UsageError(`${what}: ${JSON.stringify(symbol)} is not a USDT pair such as BTCUSDT`);
  return symbols;
}

function defaultSymbols(env: Record<string, string | undefined>): string[] {
  return env.SYMBOLS ? symbolList(env.SYMBOLS, "SYMBOLS") : [...DEFAULT_SYMBOLS];
}

function date(flag: string, text: string): number {
  const t = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?Z?)?$/.test(text) ? Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text.endsWith("Z") ? text : `${text}Z`) : Number.NaN;
  if (!Number.isFinite(t)) throw new UsageError(`${flag} must be a UTC date such as 2022-02-01 (or 2022-02-01T12:00Z), got ${JSON.stringify(text)}`);
  return t;
}

// ---------------------------------------------------------------- output

function printGaps(gaps: readonly DataGap[], deps: HistoryCommandDeps): void {
  for (const g of gaps) deps.out(`gap: ${g.symbol} ${g.timeframe}: ${g.missing} candle(s) missing from ${iso(g.from)}\n`);
}

/** One line on stderr, redrawn in place on a terminal, a few lines otherwise. */
function progressBar(label: string, deps: HistoryCommandDeps): (done: number, total: number) => void {
  let lastPrinted = -1;
  return (done, total) => {
    const fraction = total > 0 ? done / total : 1;
    const width = 30;
    const filled = Math.round(fraction * width);
    const text = `${label.padEnd(13)} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${Math.round(fraction * 100)}% (${done}/${total} requests)`;
    if (deps.tty) deps.err(`\r${text}`);
    else {
      const quarter = Math.floor(fraction * 4);
      if (quarter !== lastPrinted) {
        lastPrinted = quarter;
        deps.err(`${text}\n`);
      }
    }
  };
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

if (import.meta.main) process.exit(await runHistoryCommand(process.argv.slice(2)));
