/**
 * Starts the real server in-process on a free loopback port with a fresh temp
 * data dir, the simulated market and the paper exchange, and gives tests a
 * small JSON client that sends the same-origin header a browser would.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "../../src/app/start-server.ts";
import { setQuiet } from "../../src/log.ts";
import type { Settings } from "../../src/settings.ts";
import { jsonClient } from "./http.ts";

/** A CoinEx base URL on loopback where nothing listens (port 9, discard): requests fail at once, locally. */
export const CLOSED_LOOPBACK_COINEX = "http://127.0.0.1:9/v2";

export interface TestServer extends RunningServer {
  dataDir: string;
  configPath: string;
  get(path: string): Promise<{ status: number; body: any }>;
  post(path: string, body: unknown): Promise<{ status: number; body: any }>;
  /** Stops the server; `keepData` leaves the data dir for a restart test. */
  close(keepData?: boolean): Promise<void>;
}

export async function startTestServer(overrides: Partial<Settings> & { dataDir?: string } = {}): Promise<TestServer> {
  setQuiet(true);
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), "trader-it-"));
  const configPath = overrides.configPath ?? join(dataDir, "trader_config.json");
  // Nothing leaves loopback: CoinEx's public endpoints (funding rates) point at a closed local port unless a test brings its stand-in.
  const server = await startServer({ market: "sim", exchange: "paper", port: 0, host: "127.0.0.1", simTickMs: 200, coinexBaseUrl: CLOSED_LOOPBACK_COINEX, ...overrides, dataDir, configPath });
  const request = jsonClient(server.url);
  return {
    ...server,
    dataDir,
    configPath,
    get: (path) => request("GET", path),
    post: (path, body) => request("POST", path, body),
    close: async (keepData = false) => {
      await server.stop();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export { waitFor } from "./wait.ts";
