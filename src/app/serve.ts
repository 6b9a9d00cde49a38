/**
 * `serve`: refuses unsafe binds, starts the server, and stops it cleanly on
 * SIGINT/SIGTERM (systemd stop). Returns -1 while running, 2 when refused.
 */
import { logger } from "../log.ts";
import type { Settings } from "../settings.ts";
import { checkBindSafety } from "../web/app.ts";
import { startServer } from "./start-server.ts";

const log = logger("server");

export async function serve(settings: Settings): Promise<number> {
  const refusal = checkBindSafety(settings.host, settings.dashboardToken);
  if (refusal) {
    process.stderr.write(`error: ${refusal}\n`);
    return 2;
  }
  if (settings.role !== "all") {
    // Split roles (ta / trader / web) are not built yet; refusing beats pretending.
    process.stderr.write(`error: --role ${settings.role} is not available in this version; run --role all (with Redis, a second process stays on standby for trading)\n`);
    return 2;
  }
  let server;
  try {
    server = await startServer(settings);
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return 1;
  }
  const shutdown = async (signal: string) => {
    log.info(`${signal}: shutting down`);
    await server.stop();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  return -1;
}
