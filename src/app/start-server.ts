/**
 * Builds the whole product from settings and starts it: market pipeline (TA +
 * scores), SQLite record, trader_config.json with hot reload, paper and CoinEx
 * exchanges, the one TraderController, the bus publishers, and the web app on
 * Bun.serve. Returns a handle that stops everything in order. Used by `serve`
 * and by the integration and browser tests (on a temp data dir, sim market).
 */
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Bus } from "../bus/bus.ts";
import { createBus } from "../bus/create-bus.ts";
import { keys } from "../bus/keys.ts";
import { acquireLease, type Lease } from "../bus/lease.ts";
import type { RedisBus } from "../bus/redis-bus.ts";
import { ConfigFile } from "../config/config-file.ts";
import { CoinexExchange, loadCoinexCredentials } from "../exchange/coinex-client.ts";
import { PaperExchange } from "../exchange/paper-exchange.ts";
import type { Exchange } from "../exchange/types.ts";
import { logger, registerSecret } from "../log.ts";
import { CandleStore } from "../market/candle-store.ts";
import { createMarketSource } from "../market/create-source.ts";
import { MarketFeed } from "../market/market-feed.ts";
import { DEFAULT_SYMBOLS } from "../market/symbols.ts";
import type { Settings } from "../settings.ts";
import { parseSettings } from "../settings.ts";
import { clearLock, readLock, readTraderState, writeLock, writeTraderState } from "../store/state-files.ts";
import { openStore } from "../store/trader-store.ts";
import { TraderController } from "../trader/controller.ts";
import { VERSION } from "../version.ts";
import { createApp } from "../web/app.ts";
import { MarketPipeline } from "./market-pipeline.ts";
import { publishMarket, publishTrader } from "./bus-publishers.ts";
import { journalFor, recordViewFor } from "./record.ts";

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

/** Settings from an object (tests) or from parsed CLI flags (serve). */
export async function startServer(input: Partial<Settings> = {}): Promise<RunningServer> {
  const settings: Settings = { ...parseSettings([], {}), ...input };
  const started = Date.now();
  const dataDir = resolve(settings.dataDir);
  mkdirSync(dataDir, { recursive: true });
  registerSecret(settings.dashboardToken ?? undefined);

  // Market data and analysis.
  const symbols = settings.symbols ?? [...DEFAULT_SYMBOLS];
  const source = await createMarketSource(settings.market, {
    symbols,
    binance: { baseUrl: settings.binanceBaseUrl },
    sim: { tickMs: settings.simTickMs },
    ...(settings.market === "replay" ? { replay: { dir: settings.replayDir ?? undefined } } : {}),
  });
  const feed = new MarketFeed(source, new CandleStore());
  const market = new MarketPipeline(feed, symbols);
  await market.start();

  // Record, config, exchanges.
  const store = openStore(dataDir);
  const config = new ConfigFile(resolve(settings.configPath));
  await config.load();
  const paper = new PaperExchange({
    priceOf: (symbol) => market.priceOf(symbol),
    statePath: join(dataDir, "paper_account.json"),
    startingBalance: settings.paperStartingBalance,
  });
  const credentials = settings.exchange === "paper" ? null : loadCoinexCredentials();
  const coinex = buildCoinex(settings, credentials);

  // The bus: Redis when configured, else in-process. With Redis, only the holder
  // of the account's trader lease may trade; another process stays on standby.
  const bus = createBus({ redisUrl: settings.redisUrl ?? undefined });
  let traderLease: Lease | null = null;
  const leaseKey = keys.leaseTrader(accountName(credentials?.accessId ?? null, dataDir));
  if (settings.redisUrl) {
    // Wait briefly for the connection so the first lease attempt can win; if Redis is
    // down at start the lease keeps trying and this process trades only once it holds it.
    if (!(await bus.ready(3000))) log.warn("Redis not reachable at start: trading waits for the trader lease");
    traderLease = await acquireLease(bus as RedisBus, leaseKey, {
      ttlMs: 15_000,
      renewEveryMs: 3_000,
      owner: `${settings.host}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`,
      onAcquired: () => log.info(`holding ${leaseKey}: this process trades`),
      onLost: () => log.warn(`lost ${leaseKey}: standby, no trading until it is held again`),
    });
  }

  let controller!: TraderController;
  const journal = journalFor(store);
  controller = new TraderController({
    config: {
      current: () => config.current,
      read: async () => (await config.read()).config,
      update: async (patch, origin) => {
        const result = await config.update(patch, origin);
        if (result.ok) return result;
        return { ok: false, error: result.issues.map((i) => `${i.path}: ${i.message}`).join("; "), issues: result.issues };
      },
    },
    state: {
      load: async () => {
        const state = await readTraderState(dataDir);
        if (state.error) log.error(state.error);
        return state;
      },
      save: async ({ running, live_confirmed_at, last_exchange, coinex_starting_balance }) =>
        void (await writeTraderState(dataDir, { running, live_confirmed_at, last_exchange, coinex_starting_balance })),
    },
    lockFile: {
      read: async () => {
        const status = await readLock(dataDir);
        if (!status.locked) return null;
        return status.lock ?? { reason: status.message, at: new Date().toISOString(), source: "corrupt-lockfile" };
      },
      write: async (info) => void (await writeLock(dataDir, info)),
      clear: () => clearLock(dataDir),
    },
    journal,
    paper,
    coinex,
    market: () => {
      const status = market.status();
      return { name: status.source, simulated: status.simulated, banner: status.banner };
    },
    coins: (cfg) => market.scoredCoins(cfg),
    cycleIntervalMs: settings.cycleIntervalMs ?? undefined,
    standby: () => (traderLease && !traderLease.isHeld() ? `another trader process holds ${leaseKey}` : null),
  });
  const stopWatching = config.watch((event) => {
    if (event.kind === "changed") void controller.onConfigFileChanged(event.config);
    else controller.onConfigFileRejected(event.error);
  });
  await controller.boot();
  const stopPublishing = [publishMarket(bus, market, () => config.current.use_ta_signals), publishTrader(bus, controller)];

  const record = recordViewFor(store);
  const web = createApp({
    controller,
    market,
    record,
    health: () => {
      const status = market.status();
      return {
        status: "ok",
        version: VERSION,
        market_source: status.source,
        simulated: status.simulated,
        last_update: status.lastUpdate,
        last_error: status.lastError,
        symbols_tracked: status.symbols.length,
        uptime_s: Math.round((Date.now() - started) / 1000),
      };
    },
    security: { dashboardToken: settings.dashboardToken, host: settings.host },
    version: VERSION,
  });
  const server = Bun.serve({ port: settings.port, hostname: settings.host, fetch: web.app.fetch, websocket: web.websocket });
  const url = `http://${settings.host.includes(":") ? `[${settings.host}]` : settings.host}:${server.port}`;
  log.info(`serving on ${url} (market ${market.status().source}, exchange ${coinex ? "coinex+paper" : "paper"}, data ${dataDir})`);

  return {
    url,
    port: server.port ?? settings.port,
    settings,
    controller,
    market,
    paper,
    bus,
    stop: async () => {
      web.hub.close();
      server.stop(true);
      stopWatching();
      config.close();
      await controller.shutdown();
      for (const stop of stopPublishing) stop();
      await traderLease?.release();
      market.stop();
      await bus.close();
      store.close();
    },
  };
}

/** CoinEx is used when credentials are set (auto) or demanded (--exchange coinex); never with --exchange paper. */
function buildCoinex(settings: Settings, credentials: { accessId: string; secretKey: string } | null): Exchange | null {
  if (settings.exchange === "paper") return null;
  if (!credentials) {
    if (settings.exchange === "coinex") throw new Error("--exchange coinex needs COINEX_ACCESS_ID and COINEX_SECRET_KEY in the environment");
    return null;
  }
  return new CoinexExchange({ baseUrl: settings.coinexBaseUrl, accessId: credentials.accessId, secretKey: credentials.secretKey });
}

/** The account a trader lease protects: the CoinEx key (hashed: never a credential in Redis) or this data dir's paper account. */
function accountName(accessId: string | null, dataDir: string): string {
  const digest = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 16);
  return accessId ? `coinex-${digest(accessId)}` : `paper-${digest(dataDir)}`;
}
