/**
 * `ta --input FILE [--symbol SYMBOL]`: runs the TA engine over a file of 5m candles
 * and prints ONE JSON object: every indicator series aligned with the input (null
 * during warm-up; the squeeze flags are false there, as pandas-ta's), and `latest`,
 * the TA result for the last candle. The 1h ribbon of `latest` is built from the
 * input itself, grouped into clock hours (UTC).
 *
 * Exit codes: 0 ok; 2 bad usage or bad input, with one line on stderr saying what
 * and where (e.g. `candle 17: high 1.2 < low 1.5`; candles are numbered from 0 as
 * in the array). Runnable on its own: `bun src/cli/ta-command.ts --input FILE`.
 */
import { basename } from "node:path";
import { TIMEFRAME_MS, type Candle } from "../market/candle.ts";
import { CANDLE_OUTPUTS } from "../ta/candle-indicators.ts";
import { parseCandles } from "../market/candle-input.ts";
import type { TaResult } from "../ta/result.ts";
import { SymbolTa } from "../ta/symbol-ta.ts";

/** The output series, in print order: `t`, then the engine's outputs. */
export const TA_SERIES = ["t", ...CANDLE_OUTPUTS] as const;

export type TaSeriesName = (typeof TA_SERIES)[number];
export type TaOutput = Record<TaSeriesName, (number | boolean | null)[]> & { latest: TaResult };

const FLAGS: ReadonlySet<string> = new Set(["squeeze_on", "squeeze_off"]);

const USAGE = "usage: ta --input FILE [--symbol SYMBOL]";

interface TaArgs {
  input: string;
  symbol: string | null;
}

function parseArgs(args: string[]): TaArgs | string {
  let input: string | null = null;
  let symbol: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const [name, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    if (name !== "--input" && name !== "--symbol") return `unknown argument ${JSON.stringify(arg)}; ${USAGE}`;
    const value = inline ?? args[++i];
    if (value === undefined || value === "") return `${name} needs a value; ${USAGE}`;
    if (name === "--input") input = value;
    else symbol = value;
  }
  if (input === null) return `missing --input FILE; ${USAGE}`;
  return { input, symbol };
}

/** "BTCUSDT-5m.json" → "BTCUSDT"; "UNKNOWN" when nothing usable is left. */
export function symbolFromFileName(path: string): string {
  const stem = basename(path).replace(/\.json$/i, "").split("-")[0] ?? "";
  const cleaned = stem.toUpperCase().replace(/[^A-Z0-9_]/g, "");
  return cleaned === "" ? "UNKNOWN" : cleaned;
}

/** Runs the engine over `candles` (5m, strictly increasing, already validated). */
export function computeTaSeries(candles: Candle[], symbol: string): TaOutput {
  const ta = new SymbolTa(symbol);
  const n = candles.length;
  const width = CANDLE_OUTPUTS.length;
  const table = new Float64Array(n * width);
  const hourMs = TIMEFRAME_MS["1h"];
  let hour: Candle | null = null;
  for (let i = 0; i < n; i++) {
    const c = candles[i] as Candle;
    ta.update({ symbol, timeframe: "5m", candle: c, closed: true });
    const hourOpen = Math.floor(c.t / hourMs) * hourMs;
    hour = hour !== null && hour.t === hourOpen
      ? { t: hourOpen, o: hour.o, h: Math.max(hour.h, c.h), l: Math.min(hour.l, c.l), c: c.c, v: hour.v + c.v }
      : { t: hourOpen, o: c.o, h: c.h, l: c.l, c: c.c, v: c.v };
    ta.update({ symbol, timeframe: "1h", candle: hour, closed: false });
    ta.fiveMinute.writeRow(table, i * width);
  }
  const latest = ta.result();
  if (latest === null) throw new Error("no candles");
  const output: Record<string, unknown> = { t: candles.map((c) => c.t) };
  CANDLE_OUTPUTS.forEach((name, j) => {
    const column = new Array<number | boolean | null>(n);
    for (let i = 0; i < n; i++) {
      const x = table[i * width + j] as number;
      column[i] = FLAGS.has(name) ? x === 1 : Number.isNaN(x) ? null : x;
    }
    output[name] = column;
  });
  output.latest = latest;
  return output as TaOutput;
}

async function fail(message: string): Promise<number> {
  await Bun.write(Bun.stderr, `ta: ${message}\n`);
  return 2;
}

export async function runTaCommand(args: string[]): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === "string") return fail(parsed);
  const file = Bun.file(parsed.input);
  if (!(await file.exists())) return fail(`input file ${parsed.input} not found`);
  let json: unknown;
  try {
    json = JSON.parse(await file.text());
  } catch (error) {
    return fail(`${parsed.input} is not valid JSON: ${(error as Error).message}`);
  }
  const input = parseCandles(json);
  if (!input.ok) return fail(`${parsed.input}: ${input.error}`);
  if (input.candles.length === 0) return fail(`${parsed.input}: no candles (empty array)`);
  const output = computeTaSeries(input.candles, parsed.symbol ?? symbolFromFileName(parsed.input));
  await Bun.write(Bun.stdout, JSON.stringify(output) + "\n");
  return 0;
}

if (import.meta.main) {
  process.exit(await runTaCommand(process.argv.slice(2)));
}
