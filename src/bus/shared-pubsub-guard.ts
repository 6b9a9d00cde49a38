/**
 * Redis keys are per database but pub/sub is per server: a process reading
 * candles from `market:candles:*` on db 0 also receives whatever another
 * environment publishes on db 1 of the same server (say, dev's simulated
 * market). Channel names are fixed by the spec, so they cannot be prefixed;
 * instead this guard looks for another bus connection (connection name "bus",
 * set by RedisBus) on a different database of the same server, at start and
 * then periodically, and says so. Market data read from the bus is then
 * treated as not real (src/market/bus-source.ts): live trading is refused
 * and the banner says why.
 */
import { logger } from "../log.ts";
import type { RedisBus } from "./redis-bus.ts";

const log = logger("bus");
/** The connection name every RedisBus gives its command connection. */
const BUS_CONNECTION_NAME = "bus";

/** Databases other than ours that another bus connection on this server uses, from CLIENT LIST. */
export async function otherBusDatabases(bus: RedisBus): Promise<number[]> {
  const own = bus.client.options.db ?? 0;
  const list = String(await bus.client.client("LIST"));
  const others = new Set<number>();
  for (const line of list.split("\n")) {
    const fields = new Map(line.trim().split(" ").map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)] as const));
    const db = Number(fields.get("db"));
    if (fields.get("name") === BUS_CONNECTION_NAME && Number.isInteger(db) && db !== own) others.add(db);
  }
  return [...others].sort((a, b) => a - b);
}

export class SharedPubSubGuard {
  private found: string | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly bus: RedisBus,
    private readonly everyMs = 30_000,
  ) {}

  /** Checks once now (when Redis answers), then every `everyMs`. */
  async start(): Promise<void> {
    await this.check();
    if (this.found) return;
    this.timer = setInterval(() => void this.check(), this.everyMs);
    // Lives as long as the process's bus; never the reason a process stays up (a closed bus makes it a no-op).
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Why channel data cannot be trusted, or null. Sticky: once seen, kept until the process restarts. */
  problem(): string | null {
    return this.found;
  }

  async check(): Promise<void> {
    if (this.found || !this.bus.isConnected()) return;
    try {
      const others = await otherBusDatabases(this.bus);
      if (others.length === 0) return;
      this.found = `another environment uses this Redis server (database ${others.join(", ")}); pub/sub ignores the database number, so candles on the bus may be theirs — treated as not real until each environment has its own redis-server and this process restarts`;
      log.error(this.found);
      this.stop();
    } catch (error) {
      // CLIENT LIST may be forbidden by an ACL: say so once, do not block anything on a guess.
      log.warn(`could not check for other environments on this Redis server (CLIENT LIST: ${(error as Error).message})`);
      this.stop();
    }
  }
}
