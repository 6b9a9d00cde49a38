/**
 * `serve`: refuses unsafe binds and split roles without Redis, starts the
 * process for its role, and stops it cleanly on SIGINT/SIGTERM (systemd
 * stop). Returns -1 while running, 2 when refused, 1 when start failed.
 */
import { logger } from "../log.ts";
import type { Settings } from "../settings.ts";
import { checkBindSafety } from "../web/app.ts";
import { scorerFor } from "./market-parts.ts";
import { startServer } from "./start-server.ts";
import { startTaRole } from "./start-ta.ts";
import { startWebRole } from "./start-web.ts";

const log = logger("server");

/** Why these settings cannot run, or null. */
export function roleRefusal(settings: Settings): string | null {
  if (settings.role !== "all" && !settings.redisUrl) {
    return `--role ${settings.role} needs Redis (--redis or REDIS_URL): the roles share candles, TA and trader state through it; without Redis run --role all`;
  }
  return null;
}

export async function serve(settings: Settings): Promise<number> {
  const refusal = checkBindSafety(settings.host, settings.dashboardToken) ?? roleRefusal(settings);
  if (refusal) {
    process.stderr.write(`error: ${refusal}\n`);
    return 2;
  }
  // An owner's scoring module that does not load stops the start: never a silent fallback.
  try {
    await scorerFor(settings);
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}
`);
    return 2;
  }
  let running: { stop(): Promise<void> };
  try {
    running = settings.role === "ta" ? await startTaRole(settings) : settings.role === "web" ? await startWebRole(settings) : await startServer(settings);
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return 1;
  }
  const shutdown = async (signal: string) => {
    log.info(`${signal}: shutting down`);
    await running.stop();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  return -1;
}
