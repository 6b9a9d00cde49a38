/**
 * `ws.fanout`: how long an update takes to reach every page listening on the
 * HTML push channel. 200, then 500 WebSocket clients join GET /ws?page=trader (with the
 * server's own Origin, which the server checks); then, many times, one
 * POST /api/trader/config changes kill_switch_drawdown_pct to a value never
 * used before, and each client notes when the push carrying that value (the
 * config panel's `value="…"`) arrives. Latency = arrival − the moment the POST
 * was sent, per client per update; all clients and the trigger live in this
 * one process (one clock), separate from the server's.
 *
 * Updates are spaced 300–500 ms apart (random, so they fall at every phase of
 * the simulated market's 1 s ticks) and each waits for the previous fan-out to
 * finish: more than the hub's 250 ms minimum interval, so consecutive updates
 * of ours are never merged — the figure is the latency of one update.
 *
 * Besides p50/p99 over every (client, update) pair, the row splits the time
 * into the server's part (`first_arrival_*`: to the first client) and the
 * fan-out (`spread_*`: first to last client of one update), and counts the
 * updates that were `held_back_pct` (see HELD_BACK_MS) and that missed the
 * 25 ms goal for at least one client (`updates_over_goal_pct`).
 *
 * Baseline: the same clients and measurement against bench/hello-server.ts,
 * whose POST /publish hands the body to Bun's own `server.publish` (no
 * rendering, no coalescing). The body is the product's own push, as a client
 * received it (`message_bytes`), with a marker element added: the same bytes
 * to compress and to fan out to the same number of clients, so what differs is
 * only what the product does before it publishes. `ratio_p99` is ours ÷ that,
 * in the same run (and `ratio_p50`, steadier on a loaded machine).
 */
import { startHelloServer, startProductServer, type ChildServer } from "./servers.ts";
import { median, percentile, round } from "./stats.ts";
import { openSocket } from "./ws-client.ts";

export interface WsBenchOptions {
  clients?: number;
  updates?: number;
  /** Environment for the product server (e.g. SIM_TICK_MS). */
  serverEnv?: Record<string, string>;
  name?: string;
}

interface FanoutTarget {
  wsUrl: string;
  origin: string;
  /** Makes update i happen; resolves when the server answered. */
  trigger(i: number): Promise<void>;
  /** A string only the push caused by update i contains. */
  marker(i: number): string;
  gapMs: [number, number];
}

interface FanoutResult {
  /** Every client's latency for every update, ms. */
  latencies: number[];
  /** Per update: earliest and latest arrival, and the POST round trip. */
  first: number[];
  last: number[];
  post: number[];
  /** The POST round trip of each update in `first`/`last` (updates nobody received are left out). */
  firstPost: number[];
  missed: number;
  /** Bytes of each message that carried an update (as the first client to get it saw it). */
  sizes: number[];
  /** The first such message. */
  sample: string;
}

const ARRIVAL_TIMEOUT_MS = 3000;
/**
 * An update whose first push came more than this long after the POST returned
 * was held back: the hub's settle delay is 10 ms and rendering takes a few ms,
 * so the rest is waiting out the hub's 250 ms minimum interval or a stalled
 * event loop.
 */
const HELD_BACK_MS = 50;

export async function benchWsFanout(options: WsBenchOptions = {}): Promise<object[]> {
  const rows: object[] = [];
  for (const clients of options.clients ? [options.clients] : FANOUT_CLIENTS) {
    rows.push(await fanoutRow(clients, options.updates ?? (clients > 200 ? 60 : 80), options));
  }
  return rows;
}

/** Client counts measured by default: the original goal's 200, and 500 (issue 17). */
export const FANOUT_CLIENTS = [200, 500] as const;

async function fanoutRow(clients: number, updates: number, options: WsBenchOptions): Promise<object> {
  const servers: ChildServer[] = [];
  try {
    const product = await startProductServer({ env: options.serverEnv });
    servers.push(product);
    const ours = await measureFanout(clients, updates, {
      wsUrl: `${product.url.replace("http", "ws")}/ws?page=trader`,
      origin: product.url,
      trigger: async (i) => {
        const response = await fetch(`${product.url}/api/trader/config`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ kill_switch_drawdown_pct: killSwitchValue(i) }),
        });
        if (!response.ok) throw new Error(`POST /api/trader/config answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
        await response.arrayBuffer();
      },
      marker: (i) => `value="${killSwitchValue(i)}"`,
      gapMs: [300, 500],
    });
    await product.stop();
    servers.pop();

    // Baseline: Bun's own server.publish of our push itself, to the same number of clients.
    const size = Math.round(median(ours.sizes));
    const hello = await startHelloServer();
    servers.push(hello);
    const baseline = await measureFanout(clients, updates, {
      wsUrl: `${hello.url.replace("http", "ws")}/ws`,
      origin: hello.url,
      trigger: async (i) => {
        const response = await fetch(`${hello.url}/publish`, { method: "POST", body: `${ours.sample}<div id="x">update ${i}</div>` });
        if (response.status !== 204) throw new Error(`baseline POST /publish answered ${response.status}`);
      },
      marker: (i) => `update ${i}<`,
      gapMs: [20, 70],
    });

    const p99 = percentile(ours.latencies, 99);
    const baselineP99 = percentile(baseline.latencies, 99);
    return {
      name: options.name ?? "ws.fanout",
      clients,
      updates,
      message_bytes: size,
      p50_ms: round(percentile(ours.latencies, 50)),
      p99_ms: round(p99),
      max_ms: round(percentile(ours.latencies, 100)),
      first_arrival_p50_ms: round(percentile(ours.first, 50)),
      first_arrival_p99_ms: round(percentile(ours.first, 99)),
      spread_p50_ms: round(median(ours.last.map((l, i) => l - (ours.first[i] as number)))),
      spread_p99_ms: round(percentile(ours.last.map((l, i) => l - (ours.first[i] as number)), 99)),
      post_p50_ms: round(percentile(ours.post, 50)),
      held_back_pct: round((100 * ours.first.filter((f, i) => f - (ours.firstPost[i] as number) > HELD_BACK_MS).length) / ours.first.length, 1),
      updates_over_goal_pct: round((100 * ours.last.filter((l) => l > 25).length) / ours.last.length, 1),
      missed: ours.missed,
      baseline: "Bun server.publish",
      baseline_p50_ms: round(percentile(baseline.latencies, 50)),
      baseline_p99_ms: round(baselineP99),
      // The same split for the baseline: its fan-out (spread) against ours shows where a gap is.
      baseline_first_arrival_p50_ms: round(percentile(baseline.first, 50)),
      baseline_spread_p50_ms: round(median(baseline.last.map((l, i) => l - (baseline.first[i] as number)))),
      baseline_spread_p99_ms: round(percentile(baseline.last.map((l, i) => l - (baseline.first[i] as number)), 99)),
      ratio_p99: round(p99 / baselineP99),
      ratio_p50: round(percentile(ours.latencies, 50) / percentile(baseline.latencies, 50)),
      goal_ratio_p99: 2,
      meets_goal: p99 <= 2 * baselineP99 && ours.missed === 0,
      ...(options.serverEnv ? { server_env: options.serverEnv } : {}),
    };
  } finally {
    for (const server of servers) await server.stop();
  }
}

/** 60.01, 60.02, … : a fresh, exactly printable kill-switch % per update (no other field shows 60.xx). */
function killSwitchValue(i: number): number {
  return (6001 + i) / 100;
}

async function measureFanout(count: number, updates: number, target: FanoutTarget): Promise<FanoutResult> {
  const sockets = await connectAll(count, target);
  try {
    const result: FanoutResult = { latencies: [], first: [], last: [], post: [], firstPost: [], missed: 0, sizes: [], sample: "" };
    for (let i = 0; i < updates; i++) {
      const [lo, hi] = target.gapMs;
      await Bun.sleep(lo + Math.random() * (hi - lo));
      const marker = target.marker(i);
      const arrivals = new Float64Array(count).fill(NaN);
      let arrived = 0;
      let allArrived!: () => void;
      const everyone = new Promise<void>((resolve) => (allArrived = resolve));
      const t0 = performance.now();
      sockets.forEach((ws, k) => {
        ws.onmessage = (event) => {
          if (!Number.isNaN(arrivals[k]) || !String(event.data).includes(marker)) return;
          arrivals[k] = performance.now() - t0;
          if (arrived === 0) result.sizes.push(Buffer.byteLength(String(event.data)));
          if (result.sample === "") result.sample = String(event.data);
          if (++arrived === count) allArrived();
        };
      });
      await target.trigger(i);
      result.post.push(performance.now() - t0);
      const timer = setTimeout(allArrived, ARRIVAL_TIMEOUT_MS);
      await everyone;
      clearTimeout(timer);
      if (i === 0 && arrived === 0) throw new Error(`no client received a push containing ${marker} within ${ARRIVAL_TIMEOUT_MS} ms of the update`);
      const got = [...arrivals].filter((x) => !Number.isNaN(x));
      result.missed += count - got.length;
      if (got.length === 0) continue; // all missed: counted above, no arrival times to report
      result.latencies.push(...got);
      result.first.push(percentile(got, 0));
      result.last.push(percentile(got, 100));
      result.firstPost.push(result.post.at(-1) as number);
    }
    return result;
  } finally {
    for (const ws of sockets) ws.close();
  }
}

/** Opens `count` clients (50 at a time) and waits until each has its first message or is open. */
async function connectAll(count: number, target: FanoutTarget): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let start = 0; start < count; start += 50) {
    const batch = Array.from({ length: Math.min(50, count - start) }, () => openSocket(target.wsUrl, target.origin));
    sockets.push(...(await Promise.all(batch)));
  }
  await Bun.sleep(300); // let the join snapshots land before the first update
  return sockets;
}
