/**
 * The trading side of a process (roles all and trader): the SQLite record,
 * trader_config.json with hot reload, the paper and CoinEx exchanges, the one
 * TraderController, and — while this process holds the account's trader lease
 * (always, without Redis) — the publisher of state:* and trader:events.
 *
 * A process without the lease keeps its controller (its dashboard still
 * answers) but the cycle's standby gate stops it from trading, and it
 * publishes nothing: the holder's state is the one in Redis. Notifications
 * (src/notify/) follow the same rule: only the holder speaks for the trader.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Bus } from "../bus/bus.ts";
import { keys } from "../bus/keys.ts";
import { ConfigFile } from "../config/config-file.ts";
import type { TraderConfig } from "../config/schema.ts";
import { CoinexExchange, loadCoinexCredentials } from "../exchange/coinex-client.ts";
import { createCoinexFundingRates } from "../exchange/coinex-funding.ts";
import { PaperExchange } from "../exchange/paper-exchange.ts";
import type { Exchange } from "../exchange/types.ts";
import { logger } from "../log.ts";
import { channelsFrom, loadNotifyCredentials } from "../notify/credentials.ts";
import { Notifier } from "../notify/notifier.ts";
import { configFilePath, type Settings } from "../settings.ts";
import { clearLock, readLock, readTraderState, setStateAsideAsStopped, writeLock, writeTraderState } from "../store/state-files.ts";
import { TradeHistory, type TradeRecordPort } from "../store/trade-history.ts";
import { openStore } from "../store/trader-store.ts";
import { TraderController } from "../trader/controller.ts";
import type { RecordView } from "../web/deps.ts";
import { publishTrader } from "./bus-publishers.ts";
import type { MarketPipeline } from "./market-pipeline.ts";
import { journalFor, recordViewFor } from "./record.ts";
import { holdRoleLease } from "./role-lease.ts";

const log = logger("server");
/** How often dry-run re-reads CoinEx's public funding rates (they change every minute; funding is every 8 h). */
const FUNDING_REFRESH_MS = 10 * 60_000;

export interface TraderPart {
  controller: TraderController;
  paper: PaperExchange;
  record: RecordView;
  /** The closed trades and equity snapshots, read back for /performance and /history. */
  trades: TradeRecordPort;
  /** Whether a CoinEx exchange is configured (for the start-up log line). */
  hasCoinex: boolean;
  /** The config in force (trader_config.json as last loaded). */
  currentConfig(): TraderConfig;
  leaseKey: string;
  holdsLease(): boolean;
  /** Telegram / webhook / ntfy messages about the trader's events (src/notify/). */
  notifier: Notifier;
  stop(): Promise<void>;
}

export async function startTrader(settings: Settings, dataDir: string, market: MarketPipeline, bus: Bus): Promise<TraderPart> {
  // First: a half-set credential pair stops the start before anything is opened.
  const notifyChannels = channelsFrom(loadNotifyCredentials(), settings.telegramBaseUrl);
  const store = openStore(dataDir);
  // start-server resolves the default (<data-dir>/trader_config.json) before this.
  const config = new ConfigFile(configFilePath(settings));
  await config.load();
  // Real funding rates for dry-run when the prices are real too; on sim/replay the
  // paper exchange's documented default rate (and no request to CoinEx at all).
  const funding = market.status().simulated ? null : createCoinexFundingRates({ baseUrl: settings.coinexBaseUrl, refreshMs: FUNDING_REFRESH_MS, symbols: market.symbols() });
  let holdsLease = () => false;
  let lostToOutage = () => false;
  let leaseConfirmed = () => false;
  const paper = new PaperExchange({
    priceOf: (symbol) => market.priceOf(symbol),
    statePath: join(dataDir, "paper_account.json"),
    startingBalance: settings.paperStartingBalance,
    fundingRateOf: (symbol) => funding?.rateOf(symbol),
    // Only the lease holder moves the paper account on its own (stops, funding,
    // liquidation): a standby sharing the state file must not write its stale copy.
    drivesAccount: () => holdsLease() || lostToOutage(),
  });
  // Every 5m price moves the paper account between cycles, as the exchange would live.
  const offCandle = market.onCandle((update) => {
    if (update.timeframe !== "5m") return;
    const { t, o, h, l, c } = update.candle;
    paper.onMarketUpdate({ symbol: update.symbol, t, open: o, high: h, low: l, close: c });
  });
  const credentials = settings.exchange === "paper" ? null : loadCoinexCredentials();
  const coinex = buildCoinex(settings, credentials);
  const leaseKey = keys.leaseTrader(accountName(credentials?.accessId ?? null, dataDir));

  const standbyReason = () =>
    bus.isConnected() ? `another trader process holds ${leaseKey}` : `Redis unreachable: waiting for ${leaseKey} before trading`;
  const controller = new TraderController({
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
      save: async ({ running, live_confirmed_at, last_exchange, coinex_starting_balance, baselines, closing_duty, opening_intents }) =>
        void (await writeTraderState(dataDir, { running, live_confirmed_at, last_exchange, coinex_starting_balance, baselines, closing_duty, opening_intents })),
      setAsideOff: () => setStateAsideAsStopped(dataDir),
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
    journal: journalFor(store),
    paper,
    coinex,
    market: () => {
      const status = market.status();
      return { name: status.source, simulated: status.simulated, banner: status.banner };
    },
    coins: (cfg) => market.scoredCoins(cfg),
    cycleIntervalMs: settings.cycleIntervalMs ?? undefined,
    closeRetryDelayMs: settings.closeRetryDelayMs,
    // isHeld() checks the lease's own clock: the strongest guard, asked right before each cycle acts.
    // A holder cut off from Redis keeps managing what is open (nobody can take the lease
    // while Redis is down) but opens nothing it could double with a successor.
    standby: () => (holdsLease() || lostToOutage() ? null : standbyReason()),
    // Opening waits for Redis to confirm the lease: from the first dropped connection or
    // failed renewal, not only once the lease's TTL has run out (a successor could take
    // over then and double what we open meanwhile).
    openingBlocked: () =>
      leaseConfirmed() ? null : `Redis unreachable: cannot confirm this is the only trader of the account (${leaseKey}); open positions are still managed`,
  });
  const offPaperEvents = paper.onEvent((event) => void controller.onPaperEvent(event));
  const stopWatching = config.watch((event) => {
    if (event.kind === "changed") void controller.onConfigFileChanged(event.config);
    else controller.onConfigFileRejected(event.error);
  });
  const record = recordViewFor(store);
  const activityLog = journalFor(store);
  // Listening before boot, so a restored ON is told too.
  const notifier = new Notifier({
    channels: notifyChannels,
    trader: controller,
    record,
    speaks: () => holdsLease() || lostToOutage(),
    bus,
    market,
    // Role trader reads the ta process's market: whether that fell back is the ta's to say.
    requestedMarket: settings.role === "all" ? settings.market : null,
    logError: (message) => activityLog.log("error", message, undefined, "system"),
  });
  notifier.start();
  log.info(`notifications: ${notifyChannels.map((c) => c.name).join(", ") || "no channel configured"}`);
  // The lease is sought before boot so that a restored ON trades in its first cycle;
  // publishing waits for boot so Redis never shows the pre-boot OFF.
  let booted!: () => void;
  const bootDone = new Promise<void>((resolve) => (booted = resolve));
  const lease = await holdRoleLease(bus, leaseKey, {
    what: "trades and publishes the trader state",
    ttlMs: settings.leaseTtlMs,
    activate: async () => {
      await bootDone;
      // A takeover (or a win after an outage): the owner may have changed ON/OFF or the
      // lockfile, and the paper account may have traded, on the process that held the
      // lease meanwhile (they share the data dir). Harmless right after boot.
      paper.reload();
      await controller.resumeFromDisk();
      const stopPublishing = publishTrader(bus, controller);
      return () => {
        stopPublishing();
        // The next holder's state is the truth now: do not write ours back after an outage.
        for (const key of [keys.positions, keys.balance, keys.traderConfig, keys.traderStatus] as const) bus.forget(key);
      };
    },
  });
  holdsLease = () => lease.isHeld();
  lostToOutage = () => lease.lostToOutage();
  leaseConfirmed = () => lease.isConfirmed();
  try {
    await controller.boot();
  } finally {
    booted();
  }

  return {
    controller,
    paper,
    record,
    trades: new TradeHistory(store.db),
    hasCoinex: coinex !== null,
    currentConfig: () => config.current,
    leaseKey,
    holdsLease: () => lease.isHeld(),
    notifier,
    stop: async () => {
      offCandle();
      offPaperEvents();
      funding?.stop();
      stopWatching();
      config.close();
      await controller.shutdown();
      await notifier.stop();
      await lease.release();
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
