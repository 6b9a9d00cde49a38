/**
 * Heartbeats (src/web/live/heartbeat.ts) on real sockets: a page's socket
 * asks for them with `heartbeat=1` and gets one after each quiet spell, so
 * the page can tell a quiet market from a dead server; a script's socket that
 * does not ask never gets one (an HTML comment is not the JSON it parses).
 */
import { afterEach, expect, test } from "bun:test";
import { HEARTBEAT_MESSAGE, HEARTBEAT_MS } from "../../src/web/live/heartbeat.ts";
import { waitFor } from "../helpers/wait.ts";
import { serveDashboard, type ServedDashboard } from "./served-dashboard.ts";

let served: ServedDashboard | null = null;
afterEach(async () => {
  await served?.stop();
  served = null;
});

test("a socket that asks gets a heartbeat after each quiet spell; one that does not, never", async () => {
  served = await serveDashboard();
  const beating = served.socket("/ws?page=trader&heartbeat=1");
  const plain = served.socket("/ws?page=trader");
  const json = served.socket("/ws?format=json");
  await Promise.all([beating.opened, plain.opened, json.opened]);
  // Nothing changes on this fake market: only heartbeats can arrive.
  await waitFor("two heartbeats", () => beating.messages.filter((m) => m === HEARTBEAT_MESSAGE).length >= 2, 6 * HEARTBEAT_MS);
  expect(plain.messages.filter((m) => m === HEARTBEAT_MESSAGE)).toEqual([]);
  expect(json.messages.filter((m) => m === HEARTBEAT_MESSAGE)).toEqual([]);
  for (const message of json.messages) JSON.parse(message);
}, 20_000);
