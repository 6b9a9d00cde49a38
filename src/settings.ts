/**
 * Server settings from command-line flags and environment variables (flags
 * win). Validated with zod; a bad value is a one-line error naming the flag.
 *
 * | flag                | env                      | default               |
 * |---------------------|--------------------------|-----------------------|
 * | --port              | PORT                     | 8891                  |
 * | --host              | HOST                     | 127.0.0.1             |
 * | --market            | MARKET                   | auto (binance→sim)    |
 * | --exchange          | EXCHANGE                 | auto (coinex if credentials, else paper) |
 * | --data-dir          | DATA_DIR                 | ./data                |
 * | --config            | TRADER_CONFIG            | <data-dir>/trader_config.json (seeded from the shipped defaults) |
 * | --role              | ROLE                     | all                   |
 * | --redis             | REDIS_URL                | (none: in-process bus)|
 * | --symbols           | SYMBOLS                  | the 29-coin list      |
 * | --replay-dir        | REPLAY_DIR               | (none)                |
 * | --paper-balance     | PAPER_STARTING_BALANCE   | 10000                 |
 * |                     | BINANCE_BASE_URL         | https://api.binance.us|
 * |                     | COINEX_BASE_URL          | https://api.coinex.com/v2 |
 * |                     | DASHBOARD_TOKEN          | (none: no auth, loopback only) |
 * |                     | COINEX_ACCESS_ID / COINEX_SECRET_KEY | (none) |
 * |                     | CYCLE_INTERVAL_MS        | (none: scan_interval_minutes) |
 * |                     | CLOSE_RETRY_DELAY_MS     | 1000 (first wait between close retries) |
 * | --backtest-data     | BACKTEST_DATA            | (none: the shipped sample only) |
 * | --scoring           | SCORING_MODULE           | (none: the built-in base score) |
 * |                     | SCORING_TIMEOUT_MS       | 2000 (per coin; slower = no score) |
 * | --history-days      | HISTORY_DAYS             | 90 (candle history in <data-dir>/history.db; 0 = off) |
 * |                     | SIM_TICK_MS              | 1000                  |
 * |                     | SIM_STEP_MS              | 60000 (sim time per tick; 30000 = the real market's 30 s polls) |
 * |                     | LEASE_TTL_MS             | 15000 (role leases in Redis) |
 * |                     | TELEGRAM_BASE_URL        | https://api.telegram.org (notifications; credentials: src/notify/credentials.ts) |
 */
import { join } from "node:path";
import { z } from "zod";
import { MAX_SYMBOLS } from "./market/symbols.ts";

const SettingsSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  market: z.enum(["auto", "binance", "replay", "sim"]),
  exchange: z.enum(["auto", "paper", "coinex"]),
  dataDir: z.string().min(1),
  /** null: `<dataDir>/trader_config.json` (configFilePath). */
  configPath: z.string().min(1).nullable(),
  role: z.enum(["all", "ta", "trader", "web"]),
  redisUrl: z.string().regex(/^rediss?:\/\//, "must start with redis:// or rediss://").nullable(),
  symbols: z.array(z.string().regex(/^[A-Z0-9]{1,20}USDT$/, "each symbol must look like BTCUSDT")).min(1).max(MAX_SYMBOLS, `at most ${MAX_SYMBOLS} symbols in one process`).nullable(),
  replayDir: z.string().nullable(),
  paperStartingBalance: z.coerce.number().positive(),
  binanceBaseUrl: z.string().url(),
  coinexBaseUrl: z.string().url(),
  dashboardToken: z.string().min(16, "DASHBOARD_TOKEN must be at least 16 characters").nullable(),
  cycleIntervalMs: z.coerce.number().int().min(100).nullable(),
  /** First wait between close retries (then 2×, 3×); the closing duty starts at 5× this and doubles. */
  closeRetryDelayMs: z.coerce.number().int().min(1).max(60_000),
  /** Folders of recorded candles the dashboard's backtests may use (besides the shipped sample). */
  backtestData: z.array(z.string().min(1)),
  /** An owner's scoring module (.ts/.js exporting score(input)); null: the built-in base score. */
  scoring: z.string().min(1).nullable(),
  scoringTimeoutMs: z.coerce.number().int().min(10).max(60_000),
  simTickMs: z.coerce.number().int().min(10),
  /** Simulated market time per tick (must divide 5 minutes): 60000 forms a 5m candle in five ticks; 30000 polls as often as the real market source. */
  simStepMs: z.coerce.number().int().min(1000).max(300_000).refine((ms) => 300_000 % ms === 0, "must divide 5 minutes (300000 ms) evenly"),
  /** How long a role lease (lease:ta, lease:trader:…) outlives its holder: a standby takes over within about this long. */
  leaseTtlMs: z.coerce.number().int().min(1000).max(300_000),
  /** The Telegram Bot API for notifications (tests point it at a loopback stand-in); the token and chat id are read in src/notify/credentials.ts. */
  telegramBaseUrl: z.string().url(),
  /** Days of closed 5m and 1h candles kept in <dataDir>/history.db (src/history/); 0 records nothing. */
  historyDays: z.coerce.number().int("must be a whole number of days").min(0, "must be 0 (off) or more days").max(3650),
});

export type Settings = z.infer<typeof SettingsSchema>;

const FLAGS: Record<string, keyof Settings> = {
  "--port": "port",
  "--host": "host",
  "--market": "market",
  "--exchange": "exchange",
  "--data-dir": "dataDir",
  "--config": "configPath",
  "--role": "role",
  "--redis": "redisUrl",
  "--symbols": "symbols",
  "--replay-dir": "replayDir",
  "--paper-balance": "paperStartingBalance",
  "--backtest-data": "backtestData",
  "--scoring": "scoring",
  "--history-days": "historyDays",
};

export class SettingsError extends Error {}

export function parseSettings(args: string[], env: Record<string, string | undefined> = process.env): Settings {
  const raw: Record<string, unknown> = {
    port: env.PORT ?? 8891,
    host: env.HOST ?? "127.0.0.1",
    market: env.MARKET ?? "auto",
    exchange: env.EXCHANGE ?? "auto",
    dataDir: env.DATA_DIR ?? "./data",
    configPath: env.TRADER_CONFIG || null,
    role: env.ROLE ?? "all",
    redisUrl: env.REDIS_URL || null,
    symbols: env.SYMBOLS ? splitSymbols(env.SYMBOLS) : null,
    replayDir: env.REPLAY_DIR || null,
    paperStartingBalance: env.PAPER_STARTING_BALANCE ?? 10000,
    binanceBaseUrl: env.BINANCE_BASE_URL || "https://api.binance.us",
    coinexBaseUrl: env.COINEX_BASE_URL || "https://api.coinex.com/v2",
    dashboardToken: env.DASHBOARD_TOKEN || null,
    cycleIntervalMs: env.CYCLE_INTERVAL_MS || null,
    closeRetryDelayMs: env.CLOSE_RETRY_DELAY_MS ?? 1000,
    backtestData: env.BACKTEST_DATA ? splitList(env.BACKTEST_DATA) : [],
    scoring: env.SCORING_MODULE || null,
    scoringTimeoutMs: env.SCORING_TIMEOUT_MS ?? 2000,
    simTickMs: env.SIM_TICK_MS ?? 1000,
    simStepMs: env.SIM_STEP_MS ?? 60_000,
    leaseTtlMs: env.LEASE_TTL_MS ?? 15_000,
    telegramBaseUrl: env.TELEGRAM_BASE_URL || "https://api.telegram.org",
    historyDays: env.HISTORY_DAYS ?? 90,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const key = FLAGS[flag];
    if (!key) throw new SettingsError(`unknown option ${flag} (see --help)`);
    const value = inline ?? args[++i];
    if (value === undefined) throw new SettingsError(`option ${flag} needs a value`);
    raw[key] = key === "symbols" ? splitSymbols(value) : key === "backtestData" ? splitList(value) : value;
  }
  const parsed = SettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0]);
    const flag = Object.entries(FLAGS).find(([, k]) => k === key)?.[0] ?? key;
    throw new SettingsError(`${flag}: ${issue.message}`);
  }
  return parsed.data;
}

/** The config file a server reads and saves: --config / TRADER_CONFIG, else `<data-dir>/trader_config.json`. */
export function configFilePath(settings: Pick<Settings, "configPath" | "dataDir">): string {
  return settings.configPath ?? join(settings.dataDir, "trader_config.json");
}

function splitList(text: string): string[] {
  return text.split(",").map((s) => s.trim()).filter(Boolean);
}

function splitSymbols(text: string): string[] {
  return text.split(",").map((s) => s.trim().toUpperCase()).filter(Boolean);
}

export const HELP = `Usage (from source: bun src/main.ts …; compiled: coinex-trader …):
  coinex-trader [serve] [options]       start the server (default)
  coinex-trader ta --input FILE [--symbol S]
                                        compute TA for a JSON array of candles and print JSON
  coinex-trader backtest [--data DIR | --data history] [--from DATE] [--to DATE] [--config FILE]
                         [--scoring FILE] [--compare ta] [--holdout PCT] [--out DIR]
                                        replay recorded candles through the trader and report (README, "Backtesting")
  coinex-trader history fetch --days N [--symbols A,B] [--timeframes 5m,1h] [--data-dir DIR]
  coinex-trader history export --out DIR [--symbols A,B] [--from DATE] [--to DATE] [--data-dir DIR]
                                        fill the candle history from Binance US / write it as SYMBOL-5m.json files
  coinex-trader --help | --version

Options (env in parentheses):
  --port N            listen port (PORT, 8891)
  --host ADDR         listen address (HOST, 127.0.0.1); a non-loopback address needs DASHBOARD_TOKEN
  --market M          auto | binance | replay | sim (MARKET, auto: Binance US, else simulated)
  --exchange E        auto | paper | coinex (EXCHANGE, auto: coinex when credentials are set)
  --data-dir DIR      SQLite record, trader_state.json, lockfile, paper account (DATA_DIR, ./data)
  --config FILE       trader_config.json to read and hot-reload (TRADER_CONFIG, <data-dir>/trader_config.json,
                        created from the shipped defaults on first start)
  --role R            all | ta | trader | web (ROLE, all); roles other than all need Redis:
                        ta     fetches candles and computes TA (one at a time: lease:ta)
                        trader trades on the TA from Redis (one per account: lease:trader:…)
                        web    dashboard from Redis, read-only, calls no exchange
  --redis URL         redis://host:port/db (REDIS_URL); without it an in-process bus is used
  --symbols A,B       override the 29-coin list (SYMBOLS)
  --replay-dir DIR    recorded candles for --market replay (REPLAY_DIR)
  --paper-balance N   paper account starting balance in USDT (PAPER_STARTING_BALANCE, 10000)
  --backtest-data D,E folders of recorded candles for the dashboard's backtests (BACKTEST_DATA)
  --scoring FILE      an owner's scoring module exporting score(input) (SCORING_MODULE); README, "Bring your own scoring"
  --history-days N    keep N days of the closed 5m/1h candles received, in <data-dir>/history.db
                        (HISTORY_DAYS, 90; 0 = record nothing; never on a simulated market)
Environment only: DASHBOARD_TOKEN, COINEX_ACCESS_ID, COINEX_SECRET_KEY, BINANCE_BASE_URL,
  COINEX_BASE_URL, CYCLE_INTERVAL_MS (override the scan interval), CLOSE_RETRY_DELAY_MS, SIM_TICK_MS, SIM_STEP_MS, LOG_LEVEL,
  LEASE_TTL_MS (15000: a standby ta/trader takes over within about this long).
Notifications (environment only, README "Notifications"): TELEGRAM_BOT_TOKEN, TELEGRAM_CHAT_ID,
  TELEGRAM_BASE_URL, WEBHOOK_URL, WEBHOOK_SECRET, NTFY_URL.
`;
