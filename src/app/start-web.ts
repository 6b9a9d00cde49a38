/**
 * Role `web`: a dashboard that reads everything from Redis and calls no
 * exchange — market data from the ta process's candles (src/market/bus-source.ts),
 * the trader's state and events from state:* and trader:events
 * (remote-trader.ts). Every control is refused here with a message saying
 * where the controls are (the trader process); run as many as you like
 * behind a proxy (README "Several web instances").
 *
 * While Redis is unreachable the market view falls back to fetching Binance US
 * directly and the banner says so; the trader panel says its state is stale.
 */
import { createBus } from "../bus/create-bus.ts";
import { logger, registerSecret } from "../log.ts";
import { DEFAULT_SYMBOLS } from "../market/symbols.ts";
import type { Settings } from "../settings.ts";
import { VERSION } from "../version.ts";
import { healthBody } from "./health.ts";
import { startBusMarket } from "./market-parts.ts";
import type { MarketPipeline } from "./market-pipeline.ts";
import { READ_ONLY_MESSAGE, RemoteTrader } from "./remote-trader.ts";
import type { RunningRole } from "./start-ta.ts";
import { serveDashboard } from "./web-server.ts";

const log = logger("server");

export interface RunningWeb extends RunningRole {
  market: MarketPipeline;
  trader: RemoteTrader;
}

export async function startWebRole(settings: Settings): Promise<RunningWeb> {
  const started = Date.now();
  registerSecret(settings.dashboardToken ?? undefined);
  const symbols = settings.symbols ?? [...DEFAULT_SYMBOLS];
  const bus = createBus({ redisUrl: settings.redisUrl ?? undefined });
  if (!(await bus.ready(3000))) log.warn("Redis not reachable at start: market data from Binance US directly until it is");
  const market = await startBusMarket(bus, settings, symbols, { fallbackToBinance: true });
  const trader = new RemoteTrader(bus);
  await trader.connect();

  const web = serveDashboard(settings, {
    controller: trader,
    market,
    record: trader.record,
    readOnly: READ_ONLY_MESSAGE,
    health: () => healthBody({ role: "web", started, bus, market: market.status(), scoring: market.scorerLabel() }),
    security: { dashboardToken: settings.dashboardToken, host: settings.host },
    version: VERSION,
  });
  log.info(`web: serving a read-only dashboard on ${web.url} (data from Redis)`);

  return {
    role: "web",
    url: web.url,
    port: web.port,
    bus,
    market,
    trader,
    stop: async () => {
      web.stop();
      trader.close();
      market.stop();
      await bus.close();
    },
  };
}
