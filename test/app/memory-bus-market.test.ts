/**
 * Without Redis, an all-in-one server does not encode its market data onto
 * the in-process bus: nobody outside the process could read it, and at 300
 * coins that encoding (every coin's TA and the scan, validated and
 * serialised on every tick) was most of the server's work. The dashboard
 * and the trader read the market directly and still see it move.
 */
import { afterEach, expect, test } from "bun:test";
import { keys } from "../../src/bus/keys.ts";
import { startTestServer, waitFor, type TestServer } from "../helpers/server.ts";

let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

test("role all on the memory bus: the market moves on the dashboard, and nothing is written to the bus for it", async () => {
  server = await startTestServer();
  expect(server.bus.kind).toBe("memory");
  const price = () => server!.market.coin("BTCUSDT")?.price;
  const first = price();
  await waitFor("a tick that moves BTC", () => price() !== first, 5000);
  expect((await server.get("/health")).body.last_error).toBeNull();
  expect(await server.bus.get(keys.taLatest("BTCUSDT"))).toBeNull();
  expect(await server.bus.get(keys.candles("BTCUSDT", "5m"))).toBeNull();
});
