/**
 * Role `ta`: the one process that fetches candles and computes TA for
 * everyone. It competes for lease:ta; only while it holds it does it run the
 * market pipeline (Binance US, or sim/replay) and publish candles, caches, TA
 * and scans. A standby fetches nothing and takes over within about the lease
 * time when the holder dies. It answers /health only: dashboards are the web
 * and trader roles.
 *
 * The scan's totals include the TA bonus when the trader's config says
 * `use_ta_signals`: that config is read from state:trader:config.
 */
import { Hono } from "hono";
import type { Bus } from "../bus/bus.ts";
import { createBus } from "../bus/create-bus.ts";
import { keys } from "../bus/keys.ts";
import { logger } from "../log.ts";
import { DEFAULT_SYMBOLS } from "../market/symbols.ts";
import type { Settings } from "../settings.ts";
import { healthBody } from "./health.ts";
import { startLocalMarket } from "./market-parts.ts";
import { publishing } from "./market-lease.ts";
import type { MarketPipeline } from "./market-pipeline.ts";
import { holdRoleLease } from "./role-lease.ts";
import { IDLE_TIMEOUT_SECONDS, urlOf } from "./web-server.ts";
import { missingHostAnswer } from "../web/security/host-check.ts";

const log = logger("server");
const CONFIG_POLL_MS = 5000;

export interface RunningRole {
  role: Settings["role"];
  url: string;
  port: number;
  bus: Bus;
  stop(): Promise<void>;
}

export interface RunningTa extends RunningRole {
  /** The running pipeline while this process holds lease:ta, else null. */
  market(): MarketPipeline | null;
  holdsLease(): boolean;
}

export async function startTaRole(settings: Settings): Promise<RunningTa> {
  const started = Date.now();
  const symbols = settings.symbols ?? [...DEFAULT_SYMBOLS];
  const bus = createBus({ redisUrl: settings.redisUrl ?? undefined });

  let useTaSignals = false;
  const readTraderConfig = async () => {
    const config = await bus.get(keys.traderConfig);
    if (config) useTaSignals = config.use_ta_signals;
  };
  await readTraderConfig();
  const configPoll = setInterval(() => void readTraderConfig(), CONFIG_POLL_MS);

  let market: MarketPipeline | null = null;
  const lease = await holdRoleLease(bus, keys.leaseTa, {
    what: "fetches market data and publishes candles and TA",
    ttlMs: settings.leaseTtlMs,
    activate: async () => {
      const running = await startLocalMarket(settings, symbols);
      market = running;
      const stopPublishing = publishing(bus, running, () => useTaSignals);
      return () => {
        stopPublishing();
        running.stop();
        market = null;
      };
    },
  });

  const app = new Hono();
  app.get("/health", (c) =>
    c.json(healthBody({ role: "ta", started, bus, market: market?.status() ?? null, scoring: market?.scorerLabel(), leases: { [keys.leaseTa]: lease.isHeld() } })),
  );
  app.notFound((c) => c.json({ error: "this is a ta process: it serves /health only (dashboards run in the web and trader roles)" }, 404));
  const server = Bun.serve({
    port: settings.port,
    hostname: settings.host,
    idleTimeout: IDLE_TIMEOUT_SECONDS,
    fetch: (request) => missingHostAnswer(request) ?? app.fetch(request),
  });
  const url = urlOf(settings.host, server.port ?? settings.port);
  log.info(`ta: /health on ${url}; ${lease.isHeld() ? "holding" : "waiting for"} ${keys.leaseTa}`);

  return {
    role: "ta",
    url,
    port: server.port ?? settings.port,
    bus,
    market: () => market,
    holdsLease: () => lease.isHeld(),
    stop: async () => {
      clearInterval(configPoll);
      server.stop(true);
      await lease.release();
      await bus.close();
    },
  };
}
