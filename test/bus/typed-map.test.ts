/**
 * The typed key/channel map, checked by the type checker (`tsc --noEmit`):
 * each `@ts-expect-error` line must stay an error, so a map that stopped
 * tying names to payload types fails typecheck. The runtime part checks the
 * same calls against a MemoryBus, where validation refuses what the types refuse.
 */
import { expect, test } from "bun:test";
import { BusPayloadError } from "../../src/bus/codec.ts";
import { channels, keys } from "../../src/bus/keys.ts";
import { MemoryBus } from "../../src/bus/memory-bus.ts";
import type { PatternMessage, TraderEvent } from "../../src/bus/payloads.ts";
import type { TaPayload } from "../../src/bus/ta-payload.ts";
import * as sample from "./fixtures/samples.ts";

test("names carry their payload types, and wrong pairings are refused at run time too", async () => {
  const bus = new MemoryBus();
  await bus.set(keys.candles("BTCUSDT", "1h"), sample.candles);
  await bus.set(keys.taLatest("BTCUSDT"), sample.taPayload);
  await bus.set(keys.positions, sample.positions);
  await bus.publish(channels.taSignals("BTCUSDT"), sample.taPayload);
  await bus.publish(channels.traderEvents, sample.traderEvent);

  const ta: TaPayload | null = await bus.get(keys.taLatest("BTCUSDT"));
  expect(ta).toEqual(sample.taPayload);

  // @ts-expect-error a balance is not a position list
  await expect(bus.set(keys.positions, sample.balance)).rejects.toThrow(BusPayloadError);
  // @ts-expect-error candles are not a TA result
  await expect(bus.set(keys.taLatest("BTCUSDT"), sample.candles)).rejects.toThrow(BusPayloadError);
  // @ts-expect-error the internal TaResult is not the bus payload (timestamp ms, values by timeframe, squeeze as a word)
  await expect(bus.set(keys.taLatest("BTCUSDT"), sample.taResult)).rejects.toThrow(BusPayloadError);
  // @ts-expect-error a scan is not a trader event
  await expect(bus.publish(channels.traderEvents, sample.scan)).rejects.toThrow(BusPayloadError);
  // @ts-expect-error not a contract key
  await expect(bus.set("state:everything", sample.balance)).rejects.toThrow(BusPayloadError);

  await bus.psubscribe("signals:ta:*", (message) => {
    const typed: TaPayload = message;
    void typed;
  });
  await bus.subscribe(channels.traderEvents, (message) => {
    const typed: TraderEvent = message;
    void typed;
  });
  // A pattern spanning kinds gets the union, which is not assignable to one kind.
  const spanning = (message: PatternMessage<"signals:*">) => {
    // @ts-expect-error may be a scan message
    const typed: TaPayload = message;
    void typed;
  };
  void spanning;
  await bus.close();
});
