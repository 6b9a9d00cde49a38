/**
 * Picks the bus for this process: Redis when a URL is configured (REDIS_URL,
 * for scale-out across roles), otherwise the in-process bus (the embedded
 * default). Both honour the same `Bus` contract.
 */
import type { Logger } from "../log.ts";
import type { Bus } from "./bus.ts";
import { MemoryBus } from "./memory-bus.ts";
import { RedisBus } from "./redis-bus.ts";

export interface CreateBusOptions {
  /** e.g. `redis://127.0.0.1:6379/2`; empty or absent selects the in-process bus. */
  redisUrl?: string;
  log?: Logger;
}

export function createBus(options: CreateBusOptions = {}): Bus {
  const url = options.redisUrl?.trim();
  return url ? new RedisBus({ url, log: options.log }) : new MemoryBus({ log: options.log });
}
