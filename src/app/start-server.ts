/**
 * Builds a process for its role from settings and starts it; returns a handle
 * that stops everything in order. Used by `serve` and by the integration and
 * browser tests (on a temp data dir, sim market).
 *
 * | role   | market data                          | trades          | dashboard        |
 * |--------|--------------------------------------|-----------------|------------------|
 * | all    | fetches it (publishes while holding lease:ta) | yes (lease:trader:… with Redis) | full |
 * | ta     | fetches and publishes it while holding lease:ta | no   | /health only     |
 * | trader | from Redis                           | while holding lease:trader:… | full |
 * | web    | from Redis; Binance US while Redis is down | no        | read-only mirror |
 *
 * Roles other than `all` need Redis (serve.ts refuses them without it).
 */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { Bus } from "../bus/bus.ts";
import { createBus } from "../bus/create-bus.ts";
import type { PaperExchange } from "../exchange/paper-exchange.ts";
import { logger, registerSecret } from "../log.ts";
import { DEFAULT_SYMBOLS } from "../market/symbols.ts";
import type { Settings } from "../settings.ts";
import { configFilePath, parseSettings } from "../settings.ts";
import { legacyConfigNotice } from "../config/shipped-defaults.ts";
import type { TraderController } from "../trader/controller.ts";
import { VERSION } from "../version.ts";
import { recordMarketHistory } from "../history/record-market.ts";
import { BacktestRuns, dataSetsFrom } from "./backtest-runs.ts";
import { healthBody } from "./health.ts";
import { scorerFor, startBusMarket, startLocalMarket } from "./market-parts.ts";
import type { MarketPipeline } from "./market-pipeline.ts";
import { publishMarketWhileHeld } from "./market-lease.ts";
import type { RoleLease } from "./role-lease.ts";
import { startTrader } from "./trader-part.ts";
import { serveDashboard } from "./web-server.ts";

const log = logger("server");

export interface RunningServer {
  url: string;
  port: number;
  settings: Settings;
  controller: TraderController;
  market: MarketPipeline;
  bus: Bus;
  paper: PaperExchange;
  stop(): Promise<void>;
}

/** Role all (everything in one process) or trader (market data from Redis). Settings from an object (tests) or parsed flags (serve). */
export async function startServer(input: Partial<Settings> = {}): Promise<RunningServer> {
  const settings = settingsFrom(input);
  if (settings.role !== "all" && settings.role !== "trader") throw new Error(`startServer runs roles all and trader, not ${settings.role}`);
  const started = Date.now();
  const dataDir = resolve(settings.dataDir);
  mkdirSync(dataDir, { recursive: true });
  registerSecret(settings.dashboardToken ?? undefined);
  const symbols = settings.symbols ?? [...DEFAULT_SYMBOLS];
  const bus = createBus({ redisUrl: settings.redisUrl ?? undefined });

  // Give Redis a moment so a trader's first read of the candle caches finds them.
  if (bus.kind === "redis" && !(await bus.ready(3000))) log.warn("Redis not reachable at start: working on local data until it is");
  const market = settings.role === "all" ? await startLocalMarket(settings, symbols) : await startBusMarket(bus, settings, symbols, { fallbackToBinance: false });
  // Closed 5m/1h candles of real prices into <dataDir>/history.db (--history-days; never on a simulated market).
  const history = recordMarketHistory(market, { dataDir, days: settings.historyDays });
  const configPath = resolve(configFilePath(settings));
  const legacy = legacyConfigNotice(process.cwd(), configPath);
  if (legacy) log.warn(legacy);
  const trader = await startTrader({ ...settings, configPath }, dataDir, market, bus);
  // An all-in-one process publishes its market data only while it is the one TA fetcher,
  // so a ta process or a second all on the same Redis never doubles the stream.
  // Without Redis nobody else could read it: encoding every coin's TA and scan on every
  // tick for an in-process bus was a third of the server's work at 300 coins, for no reader.
  const taLease: RoleLease | null =
    settings.role === "all" && bus.kind === "redis" ? await publishMarketWhileHeld(bus, market, settings, () => trader.currentConfig().use_ta_signals) : null;

  const backtests = new BacktestRuns({ dataDir, dataSets: dataSetsFrom(settings.backtestData), currentConfig: () => trader.currentConfig(), scorer: await scorerFor(settings) });
  const web = serveDashboard(settings, {
    backtests,
    controller: trader.controller,
    market,
    record: trader.record,
    trades: trader.trades,
    notifications: trader.notifier,
    health: () =>
      healthBody({
        role: settings.role,
        started,
        bus,
        market: market.status(),
        scoring: market.scorerLabel(),
        leases: bus.kind === "redis" ? { [trader.leaseKey]: trader.holdsLease(), ...(taLease ? { [taLease.key]: taLease.isHeld() } : {}) } : undefined,
      }),
    security: { dashboardToken: settings.dashboardToken, host: settings.host },
    version: VERSION,
  });
  log.info(`${settings.role}: serving on ${web.url} (market ${market.status().source}, exchange ${trader.hasCoinex ? "coinex+paper" : "paper"}, data ${dataDir})`);

  return {
    url: web.url,
    port: web.port,
    settings,
    controller: trader.controller,
    market,
    paper: trader.paper,
    bus,
    stop: async () => {
      web.stop();
      await backtests.settled().catch(() => undefined);
      backtests.close();
      await trader.stop();
      await taLease?.release();
      market.stop();
      history?.stop();
      await bus.close();
    },
  };
}

export function settingsFrom(input: Partial<Settings>): Settings {
  return { ...parseSettings([], {}), ...input };
}
