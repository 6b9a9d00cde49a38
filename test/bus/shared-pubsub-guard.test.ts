/**
 * The guard against another environment on the same Redis server (pub/sub
 * ignores the database number), with a real redis-server: alone on db 3 it
 * finds nothing; a second bus on db 4 is found, and a bus market source told
 * about it reports its prices as not real, even when the scan says Binance.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { channels } from "../../src/bus/keys.ts";
import { RedisBus } from "../../src/bus/redis-bus.ts";
import { otherBusDatabases, SharedPubSubGuard } from "../../src/bus/shared-pubsub-guard.ts";
import { setQuiet } from "../../src/log.ts";
import { BusMarketSource } from "../../src/market/bus-source.ts";
import { startRedisServer } from "../helpers/redis-server.ts";
import { waitFor } from "../helpers/wait.ts";
import * as sample from "./fixtures/samples.ts";

setQuiet(true);
let redis: Awaited<ReturnType<typeof startRedisServer>>;
const buses: RedisBus[] = [];

function busOn(db: number): RedisBus {
  const bus = new RedisBus({ url: redis.url.replace(/\/\d+$/, `/${db}`) });
  buses.push(bus);
  return bus;
}

beforeAll(async () => {
  redis = await startRedisServer({ db: 3 });
});

afterAll(async () => {
  for (const bus of buses) await bus.close();
  await redis?.stop();
});

test("alone on its database: nothing found; another bus on db 4: found, and the bus source stops trusting its prices", async () => {
  const ours = busOn(3);
  expect(await ours.ready(5000)).toBe(true);
  const neighbour = busOn(3); // the same environment (another role) is no problem
  expect(await neighbour.ready(5000)).toBe(true);
  expect(await otherBusDatabases(ours)).toEqual([]);

  const guard = new SharedPubSubGuard(ours, 60_000);
  await guard.start();
  expect(guard.problem()).toBeNull();
  const source = new BusMarketSource(ours, { symbols: ["BTCUSDT"], untrusted: () => guard.problem() });
  source.start(() => {});
  await source.whenSubscribed();
  // The scan says real Binance prices…
  await ours.publish(channels.scan, sample.scan);
  await waitFor("the scan's source", () => source.status().source === "binance");
  expect(source.status().simulated).toBe(false);

  // …until another environment's bus appears on db 4 of the same server.
  const dev = busOn(4);
  expect(await dev.ready(5000)).toBe(true);
  expect(await otherBusDatabases(ours)).toEqual([4]);
  await guard.check();
  expect(guard.problem()).toContain("database 4");
  expect(source.status().simulated).toBe(true);
  expect(source.status().banner).toContain("another environment uses this Redis server");
  source.stop();
  guard.stop();
});
