/**
 * `push.bytes`: what an open dashboard tab receives over its WebSocket per
 * hour, on a running server with nothing else happening but the market and
 * the trader's own account refresh (every 5 s):
 *
 * - `push.bytes.sim`: the simulated market as an owner runs it (a tick every
 *   second, a 5m candle closing every fifth tick), one scanner tab and one
 *   trader tab (three dry-run positions open, so the positions table has
 *   live numbers), and one scanner tab that says it is in the background
 *   (the browser's visibility API; `hidden_*`). Per hour = measured bytes ÷
 *   measured seconds × 3600.
 * - `push.bytes.real_cadence`: the simulated market polled like the real one
 *   (SIM_STEP_MS=30000: ten polls per 5m candle, one of them closing it),
 *   ticking fast (every 400 ms) so that a simulated hour of 120 polls takes
 *   48 s; the run covers `realPolls` polls. Per simulated hour = bytes per
 *   poll × 120, where the polls are counted as the scanner tab's messages
 *   (every poll moves prices, so each makes exactly one push: `polls_by_clock`
 *   is the count the sim's clock predicts, as a check that none were merged).
 *
 * Each tab is a Bun WebSocket client that first loads its page (so it joins
 * with the page's since= version and gets no catch-up), connected through a
 * byte-counting relay (bench/byte-relay.ts): `*_kb_h` counts message payloads
 * (what the page's scripts handle), `*_wire_kb_h` what the TCP connection
 * carried (frame headers and, when negotiated, permessage-deflate).
 */
import { startByteRelay, type ByteRelay } from "./byte-relay.ts";
import { startProductServer, type ChildServer } from "./servers.ts";
import { round } from "./stats.ts";
import { pageSocketUrl, recordingClient, type RecordingClient } from "./ws-client.ts";

/** Dry-run, three long positions open after one cycle, stops far away so they stay open. */
export const PUSH_CONFIG = {
  mode: "dry-run",
  long_threshold: 0,
  short_threshold: 130,
  max_positions: 3,
  tp_pct: 1000,
  sl_pct: 90,
};

export interface PushBenchOptions {
  /** Seconds measured on the 1 s sim market. */
  simSeconds?: number;
  /** Polls measured at the real cadence. */
  realPolls?: number;
}

const REAL_TICK_MS = 400;
const POLLS_PER_HOUR = 120;

export async function benchPushBytes(options: PushBenchOptions = {}): Promise<object[]> {
  return [await simRow(options.simSeconds ?? 20), await realCadenceRow(options.realPolls ?? 60)];
}

/** A tab on `path`, connected through a counting relay, with readings that leave out the connection's set-up. */
interface Tab {
  client: RecordingClient;
  relay: ByteRelay;
  mark(): void;
  since(): { bytes: number; wire: number; messages: number };
  close(): void;
}

export async function openTab(server: ChildServer, path: string, extra = ""): Promise<Tab> {
  const relay = await startByteRelay(server.port);
  const base = `http://127.0.0.1:${relay.port}`;
  const url = (await pageSocketUrl(base, path)) + extra;
  const client = await recordingClient(url, base);
  let start = { bytes: 0, wire: 0, messages: 0 };
  const now = () => ({ bytes: client.bytes, wire: relay.downstreamBytes(), messages: client.messages });
  return {
    client,
    relay,
    mark: () => void (start = now()),
    since: () => {
      const n = now();
      return { bytes: n.bytes - start.bytes, wire: n.wire - start.wire, messages: n.messages - start.messages };
    },
    close: () => {
      client.close();
      relay.stop();
    },
  };
}

/** Tells the server that this tab went to the background (what static/live.js sends on visibilitychange). */
function sayHidden(tab: Tab): void {
  tab.client.ws.send(JSON.stringify({ visibility: "hidden" }));
}

const perHourKb = (bytes: number, seconds: number) => round((bytes / seconds) * 3600 / 1024, 1);

async function simRow(seconds: number): Promise<object> {
  const server = await startProductServer({ config: PUSH_CONFIG });
  const tabs: Tab[] = [];
  try {
    await runCycle(server);
    const scanner = await openTab(server, "/");
    const trader = await openTab(server, "/trader");
    const hidden = await openTab(server, "/");
    tabs.push(scanner, trader, hidden);
    sayHidden(hidden);
    await Bun.sleep(1500); // join catch-up and the first flush out of the window
    for (const tab of tabs) tab.mark();
    const t0 = performance.now();
    await Bun.sleep(seconds * 1000);
    const elapsed = (performance.now() - t0) / 1000;
    const [s, t, h] = tabs.map((tab) => tab.since()) as [ReturnType<Tab["since"]>, ReturnType<Tab["since"]>, ReturnType<Tab["since"]>];
    if (s.messages === 0) throw new Error(`the scanner tab got no push in ${seconds} s of a ticking market`);
    return {
      name: "push.bytes.sim",
      seconds: round(elapsed, 1),
      scanner_kb_h: perHourKb(s.bytes, elapsed),
      scanner_wire_kb_h: perHourKb(s.wire, elapsed),
      scanner_messages_h: Math.round((s.messages / elapsed) * 3600),
      scanner_bytes_per_message: Math.round(s.bytes / Math.max(1, s.messages)),
      trader_kb_h: perHourKb(t.bytes, elapsed),
      trader_wire_kb_h: perHourKb(t.wire, elapsed),
      trader_messages_h: Math.round((t.messages / elapsed) * 3600),
      hidden_scanner_kb_h: perHourKb(h.bytes, elapsed),
      hidden_scanner_wire_kb_h: perHourKb(h.wire, elapsed),
      goal_scanner_mb_h: 30,
      meets_goal: s.wire / elapsed * 3600 <= 30 * 1024 * 1024,
    };
  } finally {
    for (const tab of tabs) tab.close();
    await server.stop();
  }
}

async function realCadenceRow(polls: number): Promise<object> {
  const server = await startProductServer({ config: PUSH_CONFIG, env: { SIM_STEP_MS: "30000", SIM_TICK_MS: String(REAL_TICK_MS) } });
  const tabs: Tab[] = [];
  try {
    const scanner = await openTab(server, "/");
    tabs.push(scanner);
    await Bun.sleep(1500);
    scanner.mark();
    const t0 = performance.now();
    await scanner.client.waitForMessages(scanner.client.messages + polls, polls * REAL_TICK_MS * 4 + 10_000);
    const elapsed = (performance.now() - t0) / 1000;
    const s = scanner.since();
    const perPoll = s.bytes / s.messages;
    const perPollWire = s.wire / s.messages;
    const wireKbH = (perPollWire * POLLS_PER_HOUR) / 1024;
    return {
      name: "push.bytes.real_cadence",
      polls: s.messages,
      polls_by_clock: Math.round((elapsed * 1000) / REAL_TICK_MS),
      scanner_kb_h: round((perPoll * POLLS_PER_HOUR) / 1024, 1),
      scanner_wire_kb_h: round(wireKbH, 1),
      scanner_bytes_per_poll: Math.round(perPoll),
      goal_scanner_mb_h: 1,
      meets_goal: wireKbH <= 1024,
    };
  } finally {
    for (const tab of tabs) tab.close();
    await server.stop();
  }
}

export async function runCycle(server: ChildServer): Promise<void> {
  const response = await fetch(`${server.url}/api/trader/control`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ action: "run-cycle" }),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`run-cycle answered ${response.status}: ${text.slice(0, 300)}`);
}
