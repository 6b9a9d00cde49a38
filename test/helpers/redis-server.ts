/**
 * A real, throw-away redis-server for integration tests: loopback only, a free
 * port, no persistence (`--save '' --appendonly no`, data dir in a temp
 * folder), ready once it answers PING. `kill` and `restart` let tests stage
 * outages; `restart` reuses the same port so clients reconnect to it.
 *
 * The child is killed when the test process exits, even if a test fails
 * before its `stop()`.
 */
import type { Subprocess } from "bun";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const REDIS_BINARY = "/usr/bin/redis-server";

export interface RedisServer {
  /** `redis://127.0.0.1:{port}/{db}` */
  readonly url: string;
  readonly port: number;
  /** SIGTERM and wait for the exit. Safe to call twice. */
  stop(): Promise<void>;
  /** Sends `signal` (default SIGKILL: no goodbye to clients) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts again on the same port (stopping first if still running); resolves once it answers PING. */
  restart(): Promise<void>;
  isRunning(): boolean;
}

export interface RedisServerOptions {
  /** DB number put in `url` (default 0). */
  db?: number;
  /** How long to wait for PING after a start (default 10 s). */
  startTimeoutMs?: number;
}

/** A port the OS just handed out for 127.0.0.1 and released. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}

/** True when something on `port` answers an inline PING with +PONG within `timeoutMs`. */
export function ping(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const socket = createConnection({ host: "127.0.0.1", port });
    const finish = (answer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => finish(data.toString().startsWith("+PONG")));
    socket.once("error", () => finish(false));
    socket.once("close", () => finish(false));
  });
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const db = options.db ?? 0;
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const dir = mkdtempSync(join(tmpdir(), "bus-redis-"));
  const logFile = join(dir, "redis.log");
  let child: Subprocess | null = null;
  let port = 0;

  const killOnExit = () => child?.kill("SIGKILL");
  process.on("exit", killOnExit);

  const spawnOn = async (onPort: number): Promise<void> => {
    mkdirSync(dir, { recursive: true });
    const proc = Bun.spawn(
      [
        REDIS_BINARY,
        "--port", String(onPort),
        "--bind", "127.0.0.1",
        "--save", "",
        "--appendonly", "no",
        "--dir", dir,
        "--logfile", logFile,
        "--daemonize", "no",
      ],
      { stdin: "ignore", stdout: "ignore", stderr: "ignore" },
    );
    child = proc;
    const deadline = Date.now() + startTimeoutMs;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        child = null;
        throw new Error(`redis-server on port ${onPort} exited at start: ${tail(logFile)}`);
      }
      if (await ping(onPort, 250)) return;
      await Bun.sleep(20);
    }
    proc.kill("SIGKILL");
    await proc.exited;
    child = null;
    throw new Error(`redis-server on port ${onPort} did not answer PING within ${startTimeoutMs} ms: ${tail(logFile)}`);
  };

  const killWith = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!proc) return;
    child = null;
    proc.kill(signal);
    await proc.exited;
  };

  // Another process may grab the free port between the probe and the spawn: try a few.
  let lastError: unknown = null;
  for (let attempt = 0; attempt < 5 && child === null; attempt++) {
    port = await findFreePort();
    try {
      await spawnOn(port);
    } catch (error) {
      lastError = error;
    }
  }
  if (child === null) {
    process.off("exit", killOnExit);
    rmSync(dir, { recursive: true, force: true });
    throw lastError instanceof Error ? lastError : new Error("redis-server did not start");
  }

  return {
    url: `redis://127.0.0.1:${port}/${db}`,
    port,
    isRunning: () => child !== null,
    kill: (signal = "SIGKILL") => killWith(signal),
    async restart() {
      await killWith("SIGTERM");
      await spawnOn(port);
    },
    async stop() {
      await killWith("SIGTERM");
      process.off("exit", killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function tail(file: string): string {
  try {
    return readFileSync(file, "utf8").trim().split("\n").slice(-3).join(" | ") || "(empty log)";
  } catch {
    return "(no log)";
  }
}
