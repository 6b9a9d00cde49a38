/**
 * `backtest [--data DIR | --data history [--data-dir DIR]] [--symbols A,B] [--from DATE] [--to DATE]
 *           [--config FILE] [--compare ta] [--holdout PCT] [--balance USDT] [--out DIR]`
 *
 * Replays recorded candles through the live trader (src/backtest/), prints the
 * report and writes result.json, trades.csv and equity.csv to --out (default
 * ./backtest-out). Without --data it runs on the sample shipped with the
 * program (4 coins, 4 weeks of January 2022). `--data history` runs on the
 * candle history the server records (`<data-dir>/history.db`, --data-dir or
 * DATA_DIR, default ./data; filled and exported by `history fetch` /
 * `history export`); a folder named history is `--data ./history`.
 * Progress goes to stderr.
 *
 * Exit codes: 0 done; 2 bad usage or bad input (a data file, the config, a
 * date), with one line saying what and where; nothing is written then.
 */
import { readFileSync } from "node:fs";
import { parseConfigText } from "../config/config-file.ts";
import { DEFAULT_TRADER_CONFIG, type TraderConfig } from "../config/schema.ts";
import { BacktestDataError, loadBacktestData } from "../backtest/data.ts";
import { SAMPLE_DATA_DIR } from "../backtest/sample.ts";
import { loadHistoryData } from "../history/load.ts";
import { formatReport, writeStudyFiles } from "../backtest/report.ts";
import { runStudy } from "../backtest/study.ts";
import { setQuiet } from "../log.ts";
import { loadScorerModule, ScorerLoadError } from "../scanner/scorer-module.ts";
import type { Scorer } from "../scanner/scoring.ts";

export { SAMPLE_DATA_DIR };

/** `--data history`: the recorded candle history instead of a folder. */
export const HISTORY_DATA = "history";

const USAGE = "usage: backtest [--data DIR | --data history [--data-dir DIR]] [--symbols A,B] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--config FILE] [--compare ta] [--holdout PCT] [--balance USDT] [--out DIR]";

export interface BacktestArgs {
  data: string;
  /** For --data history: the data dir holding history.db (null: DATA_DIR or ./data). */
  dataDir: string | null;
  symbols: string[] | null;
  from: number | null;
  to: number | null;
  configPath: string | null;
  compare: boolean;
  holdoutPct: number | null;
  balance: number;
  out: string;
  scoring: string | null;
}

class UsageError extends Error {}

export function parseBacktestArgs(args: string[]): BacktestArgs {
  const parsed: BacktestArgs = { data: SAMPLE_DATA_DIR, dataDir: null, symbols: null, from: null, to: null, configPath: null, compare: false, holdoutPct: null, balance: 10_000, out: "backtest-out", scoring: null };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [name, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined || v === "") throw new UsageError(`${name} needs a value; ${USAGE}`);
      return v;
    };
    switch (name) {
      case "--data": parsed.data = value(); break;
      case "--data-dir": parsed.dataDir = value(); break;
      case "--symbols": parsed.symbols = value().split(",").map((s) => s.trim().toUpperCase()).filter(Boolean); break;
      case "--from": parsed.from = date(name, value()); break;
      case "--to": parsed.to = date(name, value()); break;
      case "--config": parsed.configPath = value(); break;
      case "--out": parsed.out = value(); break;
      case "--scoring": parsed.scoring = value(); break;
      case "--compare": {
        const what = value();
        if (what !== "ta") throw new UsageError(`--compare takes "ta" (the run with the TA bonus off and on), got ${JSON.stringify(what)}`);
        parsed.compare = true;
        break;
      }
      case "--holdout": {
        const pct = Number(value());
        if (!Number.isFinite(pct) || pct < 1 || pct > 90) throw new UsageError(`--holdout must be a percentage from 1 to 90, got ${JSON.stringify(args[i])}`);
        parsed.holdoutPct = pct;
        break;
      }
      case "--balance": {
        const balance = Number(value());
        if (!Number.isFinite(balance) || balance < 10) throw new UsageError(`--balance must be at least 10 USDT, got ${JSON.stringify(args[i])}`);
        parsed.balance = balance;
        break;
      }
      default:
        throw new UsageError(`unknown argument ${JSON.stringify(arg)}; ${USAGE}`);
    }
  }
  if (parsed.dataDir !== null && parsed.data !== HISTORY_DATA) throw new UsageError(`--data-dir goes with --data history (the recorded candle history in DIR/history.db); a folder of candle files is --data DIR`);
  if (parsed.from !== null && parsed.to !== null && parsed.to <= parsed.from) throw new UsageError(`--to (${iso(parsed.to)}) must be after --from (${iso(parsed.from)})`);
  for (const symbol of parsed.symbols ?? []) if (!/^[A-Z0-9]{1,20}USDT$/.test(symbol)) throw new UsageError(`--symbols: ${JSON.stringify(symbol)} is not a USDT pair such as BTCUSDT`);
  return parsed;
}

function date(flag: string, text: string): number {
  const t = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?Z?)?$/.test(text) ? Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text.endsWith("Z") ? text : `${text}Z`) : Number.NaN;
  if (!Number.isFinite(t)) throw new UsageError(`${flag} must be a UTC date such as 2022-02-01 (or 2022-02-01T12:00Z), got ${JSON.stringify(text)}`);
  return t;
}

/** The config of --config (its mode is ignored), or the product's defaults. */
function loadConfig(path: string | null): TraderConfig {
  if (path === null) return { ...DEFAULT_TRADER_CONFIG };
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`--config: cannot read ${path}: ${(error as Error).message}`);
  }
  const parsed = parseConfigText(text, path);
  if (!parsed.ok) throw new UsageError(parsed.error);
  return parsed.config;
}

export async function runBacktestCommand(args: string[]): Promise<number> {
  setQuiet(true);
  let parsed: BacktestArgs;
  let config: TraderConfig;
  let data;
  let scorer: Scorer | undefined;
  try {
    parsed = parseBacktestArgs(args);
    config = loadConfig(parsed.configPath);
    scorer = parsed.scoring ? await loadScorerModule(parsed.scoring) : undefined;
    const only = parsed.symbols ? { symbols: parsed.symbols } : {};
    data = parsed.data === HISTORY_DATA ? loadHistoryData(parsed.dataDir ?? (process.env.DATA_DIR || "./data"), only) : loadBacktestData(parsed.data, only);
  } catch (error) {
    if (error instanceof UsageError || error instanceof BacktestDataError || error instanceof ScorerLoadError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const progress = progressBar();
  let study;
  try {
    study = await runStudy({
      data,
      config,
      from: parsed.from ?? undefined,
      to: parsed.to ?? undefined,
      compare: parsed.compare,
      holdoutPct: parsed.holdoutPct,
      startingBalance: parsed.balance,
      scorer,
      onProgress: progress,
    });
  } catch (error) {
    process.stderr.write(`\nerror: ${(error as Error).message}\n`);
    return 2;
  }
  process.stderr.write("\n");
  process.stdout.write(formatReport(study));
  const files = writeStudyFiles(study, parsed.out);
  process.stdout.write(`\nWrote ${files.join(", ")}\n`);
  return 0;
}

/** One line on stderr, redrawn in place on a terminal, a few lines otherwise. */
function progressBar(): (label: string, done: number, total: number) => void {
  const tty = process.stderr.isTTY === true;
  let lastPrinted = -1;
  return (label, done, total) => {
    const fraction = total > 0 ? done / total : 1;
    const width = 30;
    const filled = Math.round(fraction * width);
    const text = `${label.padEnd(13)} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${Math.round(fraction * 100)}%`;
    if (tty) process.stderr.write(`\r${text}`);
    else {
      const decile = Math.floor(fraction * 4);
      if (decile !== lastPrinted) {
        lastPrinted = decile;
        process.stderr.write(`${text}\n`);
      }
    }
  };
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

if (import.meta.main) process.exit(await runBacktestCommand(process.argv.slice(2)));
