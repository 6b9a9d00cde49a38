/**
 * The sample a backtest runs on without --data (sample/PROVENANCE.md): four
 * coins, four weeks of January 2022, gzip-compressed. The files are imported
 * `with { type: "file" }`, so `npm run build` embeds them in the single
 * binary, which then backtests out of the box too.
 */
import { join } from "node:path";
import ada from "./sample/ADAUSDT-5m.json.gz" with { type: "file" };
import btc from "./sample/BTCUSDT-5m.json.gz" with { type: "file" };
import eth from "./sample/ETHUSDT-5m.json.gz" with { type: "file" };
import sol from "./sample/SOLUSDT-5m.json.gz" with { type: "file" };

/** How the sample is named where a folder would be (the CLI's default --data, the dashboard's "sample"). */
export const SAMPLE_DATA_DIR = join(import.meta.dir, "sample");

/** The sample's 5m files by symbol (paths inside the binary once compiled). */
export const SAMPLE_FILES: Readonly<Record<string, string>> = { ADAUSDT: ada, BTCUSDT: btc, ETHUSDT: eth, SOLUSDT: sol };
