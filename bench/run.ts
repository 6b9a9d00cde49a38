/**
 * `npm run bench` (= `bun bench/run.ts`): every benchmark, one JSON object per
 * line on stdout. `--only ta,http,ws,push,rss,scale` (any comma-separated subset) runs
 * only those groups; `--http-client bun|wrk` forces the HTTP load generator
 * (default: wrk when installed, else bench/load-client.ts); `--sim-tick-ms N`
 * starts the http and ws servers with SIM_TICK_MS=N (e.g. 3600000 to take
 * the simulated market's 1 s ticks out of the picture when looking for a cause).
 *
 *   ta    ta.stream.full, ta.stream.trading-signals   (bench/ta.ts, in this process)
 *   http  http.status, http.trader_page                (bench/http.ts)
 *   ws    ws.fanout at 200 and 500 clients             (bench/ws-fanout.ts)
 *   push  push.bytes.sim, push.bytes.real_cadence      (bench/push-bytes.ts)
 *   rss   rss.steady                                   (bench/rss.ts)
 *   scale scale.symbols at 29, 100 and 300 symbols     (bench/scale.ts)
 *   backtest backtest.run                             (bench/backtest.ts; reads ../shared/data)
 *
 * The server under test always runs as its own process on 127.0.0.1; a group
 * that fails prints {"name":"<group>.error","error":…} and the run exits 1.
 */
import { benchBacktest } from "./backtest.ts";
import { benchHttp } from "./http.ts";
import { benchPushBytes } from "./push-bytes.ts";
import type { LoadTool } from "./http-load.ts";
import { benchRss } from "./rss.ts";
import { benchScale } from "./scale.ts";
import { benchTa } from "./ta.ts";
import { benchWsFanout } from "./ws-fanout.ts";

const GROUPS = ["ta", "http", "ws", "push", "rss", "scale", "backtest"] as const;
type Group = (typeof GROUPS)[number];

interface Options {
  groups: Group[];
  httpClient: LoadTool | null;
  serverEnv: Record<string, string> | undefined;
}

export function parseArgs(args: string[]): Options {
  const options: Options = { groups: [...GROUPS], httpClient: null, serverEnv: undefined };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = inline ?? args[++i];
    if (flag === "--only") {
      if (!value) throw new Error(`--only needs a list such as ta,http (groups: ${GROUPS.join(", ")})`);
      const names = value.split(",").map((s) => s.trim()).filter(Boolean);
      const unknown = names.filter((n) => !(GROUPS as readonly string[]).includes(n));
      if (unknown.length > 0 || names.length === 0) throw new Error(`--only: unknown group ${unknown.join(", ") || "(none)"} (groups: ${GROUPS.join(", ")})`);
      options.groups = GROUPS.filter((g) => names.includes(g));
    } else if (flag === "--http-client") {
      if (value !== "bun" && value !== "wrk") throw new Error(`--http-client must be bun or wrk, not ${JSON.stringify(value)}`);
      options.httpClient = value;
    } else if (flag === "--sim-tick-ms") {
      if (!value || !/^\d+$/.test(value) || Number(value) < 10) throw new Error(`--sim-tick-ms must be a whole number of ms ≥ 10, not ${JSON.stringify(value)}`);
      options.serverEnv = { SIM_TICK_MS: value };
    } else {
      throw new Error(`unknown option ${flag} (use --only ${GROUPS.join(",")}, --http-client bun|wrk, --sim-tick-ms N)`);
    }
  }
  return options;
}

async function runGroup(group: Group, options: Options): Promise<object[]> {
  switch (group) {
    case "ta": return benchTa();
    case "http": return benchHttp({ tool: options.httpClient, serverEnv: options.serverEnv });
    case "ws": return benchWsFanout({ serverEnv: options.serverEnv });
    case "push": return benchPushBytes();
    case "rss": return benchRss();
    case "scale": return benchScale();
    case "backtest": return benchBacktest();
  }
}

if (import.meta.main) {
  let options: Options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exit(2);
  }
  let failed = false;
  for (const group of options.groups) {
    try {
      for (const row of await runGroup(group, options)) console.log(JSON.stringify(row));
    } catch (error) {
      failed = true;
      console.log(JSON.stringify({ name: `${group}.error`, error: (error as Error).message }));
    }
  }
  process.exit(failed ? 1 : 0);
}
