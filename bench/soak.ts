/**
 * `npm run soak -- --minutes N` (= `bun bench/soak.ts`): the real server as its
 * own process, trading in dry-run on the simulated market for N minutes under
 * steady dashboard load, watched for leaks and failures.
 *
 * The server: `bun src/main.ts serve --market sim --exchange paper` on a free
 * 127.0.0.1 port with a temp data dir and config (bench/soak-server.ts), with
 * CYCLE_INTERVAL_MS=2000 (a cycle every 2 s instead of every few minutes).
 * Through the JSON API, as an owner's script would: thresholds 0 (every coin
 * signals), up to 10 small positions (1 % of equity at 5×), TP/SL at 5 % of
 * margin, no re-entry cooldown, then dry-run and Start. Positions open and close
 * all the time; the deterministic client_id (symbol, side, minute) bounds
 * re-entry to once per minute per coin and side.
 *
 * The load, from this process, all on 127.0.0.1:
 * - HTTP: `--http-rps` requests per second (default 40) spread over 4 workers,
 *   rotating over GET /api/trader/status, /trader, /, /api/trader/logs (all
 *   kinds and trades only) and /health; every answer is read whole.
 * - WebSocket: `--ws-clients` clients (default 2) on each of /ws?page=scanner
 *   and /ws?page=trader (with the server's own Origin, as a page sends),
 *   counting the pushed bytes; a client the server closes reconnects after 1 s
 *   and is counted.
 * - Before and after the run: /api/trader/status at full speed for 3 s with the
 *   Bun load client (bench/load-client.ts), so a slowdown that builds up over
 *   the run shows as a lower req/s at the end.
 *
 * Output: one JSON line per minute (`--interval-s` changes the length of a
 * "minute", only to try the script quickly):
 *   {minute, rss_mb, http_p50_ms, http_p99_ms, requests, errors:{non_2xx, "5xx",
 *    network}, open_fds, ws_bytes_per_min:{scanner, trader} (per client),
 *    ws_reconnects, cycles, cycle_ms_p50, cycle_ms_max, positions_opened,
 *    positions_closed, open_positions, equity, lock, server_cpu_pct, load_avg}
 * (cycle_ms: how long the trader's cycles took, from their log entries;
 * server_cpu_pct: the server's CPU time over the minute, 100 = one core;
 * load_avg: the machine's 1-minute load average, to read the rest against)
 * then one summary line ({"summary": true, …, "ok", "failures"}). On failure
 * the server's temp dir (data dir, config, stderr) is kept and named.
 *
 * Exit status 1 (and the reasons in `failures`) when:
 * - the server died, or answered any 5xx, or a request failed at the socket;
 * - it stopped trading: no cycle ran, no position was opened or open, or a
 *   lockfile (kill switch, circuit breaker) stopped it;
 * - RSS or open fds grow without bound. Rule: leave out the first fifth of the
 *   minutes (at least one) as warm-up, split the rest into an earlier and a later
 *   half, and compare their medians: RSS fails when the later median is more than
 *   max(10 MB, 10 %) above the earlier one, fds when it is more than 8 above.
 *   Needs ≥ 5 minutes (shorter runs say "skipped"); any RSS above 1024 MB or
 *   more than 4096 fds fails at once. The least-squares slope (MB per hour) is
 *   printed beside it for the reader.
 * Exit status 2 for a bad option.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLoad, type LoadResult } from "./load-client.ts";
import { apiClient, startDryRunTrading, startTraderProcess, type TraderProcess } from "./soak-server.ts";
import { median, percentile, round } from "./stats.ts";

export interface SoakOptions {
  minutes: number;
  intervalS: number;
  wsClients: number;
  httpRps: number;
  cycleMs: number;
}

export const DEFAULT_SOAK_OPTIONS: SoakOptions = { minutes: 5, intervalS: 60, wsClients: 2, httpRps: 40, cycleMs: 2000 };

/** Dry-run that trades all the time but slowly loses money: small positions, wide enough stops. */
export const SOAK_TRADER_CONFIG = {
  long_threshold: 0,
  short_threshold: 0,
  max_positions: 10,
  position_size_pct: 1,
  max_leverage: 5,
  tp_pct: 5,
  sl_pct: 5,
  reentry_cooldown_minutes: 0,
  scan_interval_minutes: 1,
  kill_switch_drawdown_pct: 90,
};

const HTTP_PATHS = ["/api/trader/status", "/trader", "/", "/api/trader/logs?limit=100", "/api/trader/logs?kind=trade&limit=50", "/health"];
const HTTP_WORKERS = 4;
const RSS_LIMIT_MB = 1024;
const FD_LIMIT = 4096;

const OPTIONS: Record<string, { key: keyof SoakOptions; min: number; max: number; what: string }> = {
  "--minutes": { key: "minutes", min: 1, max: 1440, what: "a whole number of minutes" },
  "--interval-s": { key: "intervalS", min: 1, max: 3600, what: "a whole number of seconds per report line" },
  "--ws-clients": { key: "wsClients", min: 0, max: 100, what: "a whole number of WebSocket clients per page" },
  "--http-rps": { key: "httpRps", min: 1, max: 2000, what: "a whole number of HTTP requests per second" },
  "--cycle-ms": { key: "cycleMs", min: 100, max: 600_000, what: "a whole number of ms between trader cycles" },
};

export function parseSoakArgs(args: string[]): SoakOptions {
  const options: SoakOptions = { ...DEFAULT_SOAK_OPTIONS };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const spec = OPTIONS[flag];
    if (!spec) throw new Error(`unknown option ${flag} (options: ${Object.keys(OPTIONS).join(", ")})`);
    const value = inline ?? args[++i];
    if (value === undefined || !/^\d+$/.test(value) || Number(value) < spec.min || Number(value) > spec.max) {
      throw new Error(`${flag} must be ${spec.what} from ${spec.min} to ${spec.max}, not ${value === undefined ? "nothing" : JSON.stringify(value)}`);
    }
    options[spec.key] = Number(value);
  }
  return options;
}

// ---- HTTP load ---------------------------------------------------------------

interface HttpWindow {
  latencies: number[];
  non2xx: number;
  s5xx: number;
  network: number;
  /** A few examples of what went wrong, for the reader. */
  examples: string[];
}

const freshHttpWindow = (): HttpWindow => ({ latencies: [], non2xx: 0, s5xx: 0, network: 0, examples: [] });

function startHttpLoad(url: string, rps: number): { take(): HttpWindow; stop(): Promise<void> } {
  let window = freshHttpWindow();
  let running = true;
  const gapMs = (1000 * HTTP_WORKERS) / rps;
  let next = 0;
  const worker = async (offset: number) => {
    await Bun.sleep(offset);
    let due = performance.now();
    while (running) {
      const path = HTTP_PATHS[next++ % HTTP_PATHS.length] as string;
      const t0 = performance.now();
      try {
        const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
        await response.arrayBuffer();
        window.latencies.push(performance.now() - t0);
        if (response.status < 200 || response.status > 299) {
          window.non2xx++;
          if (response.status >= 500) window.s5xx++;
          if (window.examples.length < 3) window.examples.push(`${response.status} ${path}`);
        }
      } catch (error) {
        window.network++;
        if (window.examples.length < 3) window.examples.push(`${path}: ${(error as Error).message}`);
      }
      // Paced: a slow answer is not made up for by a burst afterwards.
      due = Math.max(due + gapMs, performance.now());
      await Bun.sleep(Math.max(0, due - performance.now()));
    }
  };
  const workers = Array.from({ length: HTTP_WORKERS }, (_, k) => worker((k * gapMs) / HTTP_WORKERS));
  return {
    take: () => {
      const taken = window;
      window = freshHttpWindow();
      return taken;
    },
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
}

// ---- WebSocket clients ------------------------------------------------------

type Page = "scanner" | "trader";

function startWsClients(url: string, perPage: number): { take(): { bytes: Record<Page, number>; reconnects: number; open: number }; stop(): void } {
  const bytes: Record<Page, number> = { scanner: 0, trader: 0 };
  let reconnects = 0;
  let stopped = false;
  const sockets = new Set<WebSocket>();
  const encoder = new TextEncoder();
  const connect = (page: Page, isReconnect: boolean) => {
    if (stopped) return;
    if (isReconnect) reconnects++;
    // Bun's WebSocket takes headers; the DOM constructor type that wins here only knows protocols.
    const options: Bun.WebSocketOptions = { headers: { Origin: url } };
    const ws = new WebSocket(`${url.replace("http", "ws")}/ws?page=${page}`, options as unknown as string[]);
    sockets.add(ws);
    ws.onmessage = (event) => {
      bytes[page] += typeof event.data === "string" ? encoder.encode(event.data).length : (event.data as ArrayBuffer).byteLength;
    };
    ws.onclose = () => {
      sockets.delete(ws);
      if (!stopped) setTimeout(() => connect(page, true), 1000);
    };
  };
  for (const page of ["scanner", "trader"] as const) for (let i = 0; i < perPage; i++) connect(page, false);
  return {
    take: () => {
      const taken = { bytes: { ...bytes }, reconnects, open: [...sockets].filter((ws) => ws.readyState === WebSocket.OPEN).length };
      bytes.scanner = 0;
      bytes.trader = 0;
      reconnects = 0;
      return taken;
    },
    stop: () => {
      stopped = true;
      for (const ws of sockets) ws.close();
    },
  };
}

// ---- the trader's own account of what it did --------------------------------

interface LogEntry { id: number; message: string; data: any }

/** CPU seconds (user + system) the process has used, from /proc/PID/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After the command: state is field 3, utime 14 and stime 15 (1-based over the whole line).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function loadAverage(): number {
  return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
}

/** Counts cycles and trade opens/closes recorded since the last call (by log id, so nothing is counted twice). */
function activityCounter(url: string) {
  const api = apiClient(url);
  const lastId: Record<string, number> = { cycle: 0, trade: 0 };
  const newEntries = async (kind: "cycle" | "trade"): Promise<{ entries: LogEntry[]; truncated: boolean }> => {
    const answer = await api.get(`/api/trader/logs?kind=${kind}&limit=1000`);
    if (answer.status !== 200) throw new Error(`GET /api/trader/logs?kind=${kind} answered ${answer.status}`);
    const entries = (answer.body.entries as LogEntry[]).filter((e) => e.id > (lastId[kind] as number));
    const truncated = entries.length === 1000 && (lastId[kind] as number) > 0;
    if (entries.length > 0) lastId[kind] = Math.max(...entries.map((e) => e.id));
    return { entries, truncated };
  };
  return async () => {
    const cycles = await newEntries("cycle");
    const trades = await newEntries("trade");
    const durations = cycles.entries.map((e) => e.data?.duration_ms).filter((d): d is number => typeof d === "number");
    return {
      cycles: cycles.entries.length,
      cycleP50: durations.length ? median(durations) : null,
      cycleMax: durations.length ? Math.max(...durations) : null,
      opened: trades.entries.filter((e) => e.data?.event === "open").length,
      closed: trades.entries.filter((e) => e.data?.event === "close").length,
      truncated: cycles.truncated || trades.truncated,
    };
  };
}

// ---- growth rule -------------------------------------------------------------

export interface GrowthVerdict {
  checked: boolean;
  note: string;
  earlier_median: number | null;
  later_median: number | null;
  slope_per_hour: number | null;
  grows: boolean;
}

/**
 * See the module comment: warm-up = first fifth (≥ 1 sample) left out, then the
 * later half's median against the earlier half's. `allowed(earlier)` is the
 * growth that still counts as bounded.
 */
export function growthVerdict(samples: number[], allowed: (earlierMedian: number) => number, minutesPerSample = 1): GrowthVerdict {
  const warmup = Math.max(1, Math.floor(samples.length / 5));
  const steady = samples.slice(warmup);
  const slope = slopePerHour(samples, minutesPerSample);
  if (steady.length < 4) {
    return { checked: false, note: `skipped: needs at least 5 samples, has ${samples.length}`, earlier_median: null, later_median: null, slope_per_hour: slope, grows: false };
  }
  const half = Math.floor(steady.length / 2);
  const earlier = median(steady.slice(0, half));
  const later = median(steady.slice(steady.length - half));
  const limit = allowed(earlier);
  const grows = later - earlier > limit;
  return {
    checked: true,
    note: `later median ${round(later, 1)} vs earlier ${round(earlier, 1)} (allowed +${round(limit, 1)})`,
    earlier_median: round(earlier, 1),
    later_median: round(later, 1),
    slope_per_hour: slope,
    grows,
  };
}

function slopePerHour(samples: number[], minutesPerSample: number): number | null {
  if (samples.length < 2) return null;
  const n = samples.length;
  const xs = samples.map((_, i) => i * minutesPerSample);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = samples.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((xs[i] as number) - mx) * ((samples[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  return den === 0 ? null : round((num / den) * 60, 1);
}

// ---- the run -----------------------------------------------------------------

interface MinuteLine {
  minute: number;
  rss_mb: number;
  http_p50_ms: number;
  http_p99_ms: number;
  requests: number;
  errors: { non_2xx: number; "5xx": number; network: number; examples?: string[] };
  open_fds: number;
  ws_bytes_per_min: Record<Page, number>;
  ws_reconnects: number;
  cycles: number;
  cycle_ms_p50: number | null;
  cycle_ms_max: number | null;
  positions_opened: number;
  positions_closed: number;
  open_positions: number;
  equity: number | null;
  lock: string | null;
  server_cpu_pct: number;
  load_avg: number;
}

export async function runSoak(options: SoakOptions, print: (line: object) => void = (line) => console.log(JSON.stringify(line))): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), "soak-"));
  const failures: string[] = [];
  const lines: MinuteLine[] = [];
  const latencies: number[] = [];
  let server: TraderProcess | null = null;
  let http: ReturnType<typeof startHttpLoad> | null = null;
  let ws: ReturnType<typeof startWsClients> | null = null;
  let throughputStart: LoadResult | null = null;
  let throughputEnd: LoadResult | null = null;
  try {
    server = await startTraderProcess({
      dir,
      // Room for the load checks and the shutdown; the server never outlives the soak by more.
      lifetimeS: options.minutes * options.intervalS + 300,
      env: { CYCLE_INTERVAL_MS: String(options.cycleMs) },
    });
    await startDryRunTrading(server.url, SOAK_TRADER_CONFIG);
    throughputStart = await runLoad(`${server.url}/api/trader/status`, 8, 3000, 1_000_000);
    const api = apiClient(server.url);
    const activity = activityCounter(server.url);
    await activity(); // what happened before the first minute belongs to the start-up
    const started = Date.now();
    http = startHttpLoad(server.url, options.httpRps);
    ws = startWsClients(server.url, options.wsClients);
    const died = server.exited.then((code) => code);
    let serverGone = false;
    void died.then(() => (serverGone = true));
    let cpuBefore = cpuSeconds(server.pid);
    let cpuAt = performance.now();

    for (let minute = 1; minute <= options.minutes; minute++) {
      const due = started + minute * options.intervalS * 1000;
      while (Date.now() < due && !serverGone) await Bun.sleep(Math.min(250, due - Date.now()));
      if (serverGone || !server.alive()) {
        failures.push(`the server died during minute ${minute} (exit ${await died}); its stderr: ${server.stderrTail(1000)}`);
        break;
      }
      const window = http.take();
      const pushed = ws.take();
      const done = await activity();
      const status = await api.get("/api/trader/status");
      const cpuNow = cpuSeconds(server.pid);
      const cpuPct = (100 * (cpuNow - cpuBefore)) / ((performance.now() - cpuAt) / 1000);
      cpuBefore = cpuNow;
      cpuAt = performance.now();
      latencies.push(...window.latencies);
      const perMinute = 60 / options.intervalS;
      const perClient = (bytes: number) => (options.wsClients === 0 ? 0 : Math.round((bytes / options.wsClients) * perMinute));
      const line: MinuteLine = {
        minute,
        rss_mb: round(server.rssMb(), 1),
        http_p50_ms: round(percentile(window.latencies, 50)),
        http_p99_ms: round(percentile(window.latencies, 99)),
        requests: window.latencies.length + window.network,
        errors: { non_2xx: window.non2xx, "5xx": window.s5xx, network: window.network, ...(window.examples.length ? { examples: window.examples } : {}) },
        open_fds: server.openFds(),
        ws_bytes_per_min: { scanner: perClient(pushed.bytes.scanner), trader: perClient(pushed.bytes.trader) },
        ws_reconnects: pushed.reconnects,
        cycles: done.cycles,
        cycle_ms_p50: done.cycleP50,
        cycle_ms_max: done.cycleMax,
        positions_opened: done.opened,
        positions_closed: done.closed,
        open_positions: Array.isArray(status.body?.positions) ? status.body.positions.length : -1,
        equity: typeof status.body?.account?.equity === "number" ? round(status.body.account.equity, 2) : null,
        lock: status.body?.lock?.reason ?? null,
        server_cpu_pct: round(cpuPct, 1),
        load_avg: loadAverage(),
      };
      lines.push(line);
      print(line);
      if (done.truncated) failures.push(`minute ${minute}: more than 1000 new log entries of a kind; counts are low`);
      if (line.errors["5xx"] > 0) failures.push(`minute ${minute}: ${line.errors["5xx"]} answer(s) 5xx (${window.examples.join("; ")})`);
      if (line.errors.network > 0) failures.push(`minute ${minute}: ${line.errors.network} request(s) failed at the socket (${window.examples.join("; ")})`);
      if (line.rss_mb > RSS_LIMIT_MB) failures.push(`minute ${minute}: RSS ${line.rss_mb} MB > ${RSS_LIMIT_MB} MB`);
      if (line.open_fds > FD_LIMIT) failures.push(`minute ${minute}: ${line.open_fds} open fds > ${FD_LIMIT}`);
      if (line.lock) {
        failures.push(`minute ${minute}: trading stopped, lockfile set (${line.lock})`);
        break;
      }
    }
    await http.stop();
    http = null;
    ws.stop();
    ws = null;
    if (server.alive()) throughputEnd = await runLoad(`${server.url}/api/trader/status`, 8, 3000, 1_000_000);
  } catch (error) {
    failures.push(`soak aborted: ${(error as Error).message}`);
  } finally {
    await http?.stop();
    ws?.stop();
    if (server) {
      const wasAlive = server.alive();
      await server.stop();
      if (wasAlive && (await server.exited) !== 0) failures.push(`the server did not shut down cleanly on SIGTERM (exit ${await server.exited}): ${server.stderrTail(500)}`);
    }
  }

  for (const result of [throughputStart, throughputEnd]) {
    if (result && (result.errors > 0 || result.non2xx > 0)) failures.push(`status at full speed: ${result.non2xx} non-2xx, ${result.errors} failed request(s)`);
  }
  const rss = lines.map((l) => l.rss_mb);
  const fds = lines.map((l) => l.open_fds);
  const minutesPerSample = options.intervalS / 60;
  const rssGrowth = growthVerdict(rss, (earlier) => Math.max(10, earlier * 0.1), minutesPerSample);
  const fdGrowth = growthVerdict(fds, () => 8, minutesPerSample);
  if (rssGrowth.grows) failures.push(`RSS grows: ${rssGrowth.note}`);
  if (fdGrowth.grows) failures.push(`open fds grow: ${fdGrowth.note}`);
  const sum = (pick: (l: MinuteLine) => number) => lines.reduce((total, l) => total + pick(l), 0);
  if (lines.length > 0 && sum((l) => l.cycles) === 0) failures.push("no trader cycle ran: the soak did not exercise trading");
  if (lines.length > 0 && sum((l) => l.positions_opened) === 0 && Math.max(...lines.map((l) => l.open_positions)) <= 0) {
    failures.push("no position was opened or open: the soak did not exercise trading");
  }
  const stat = (values: number[]) => (values.length ? { first: values[0], last: values.at(-1), min: Math.min(...values), max: Math.max(...values) } : null);
  const summary = {
    summary: true,
    minutes: lines.length,
    minutes_asked: options.minutes,
    interval_s: options.intervalS,
    cycle_interval_ms: options.cycleMs,
    http_rps_asked: options.httpRps,
    ws_clients_per_page: options.wsClients,
    rss_mb: stat(rss),
    rss_growth: rssGrowth,
    open_fds: stat(fds),
    fd_growth: fdGrowth,
    http: {
      requests: sum((l) => l.requests),
      p50_ms: round(percentile(latencies, 50)),
      p99_ms: round(percentile(latencies, 99)),
      max_ms: round(percentile(latencies, 100)),
      worst_minute_p99_ms: lines.length ? Math.max(...lines.map((l) => l.http_p99_ms)) : null,
    },
    errors: { non_2xx: sum((l) => l.errors.non_2xx), "5xx": sum((l) => l.errors["5xx"]), network: sum((l) => l.errors.network) },
    status_full_speed_req_s: { start: throughputStart?.req_s ?? null, end: throughputEnd?.req_s ?? null },
    ws_bytes_per_min: {
      scanner: stat(lines.map((l) => l.ws_bytes_per_min.scanner)),
      trader: stat(lines.map((l) => l.ws_bytes_per_min.trader)),
    },
    ws_reconnects: sum((l) => l.ws_reconnects),
    cycles: sum((l) => l.cycles),
    cycle_ms_p50: stat(lines.map((l) => l.cycle_ms_p50).filter((d): d is number => d !== null)),
    cycle_ms_max: stat(lines.map((l) => l.cycle_ms_max).filter((d): d is number => d !== null)),
    server_cpu_pct: stat(lines.map((l) => l.server_cpu_pct)),
    load_avg: stat(lines.map((l) => l.load_avg)),
    positions_opened: sum((l) => l.positions_opened),
    positions_closed: sum((l) => l.positions_closed),
    equity: stat(lines.map((l) => l.equity).filter((e): e is number => e !== null)),
    ok: failures.length === 0,
    failures,
    ...(failures.length > 0 ? { kept_dir: dir } : {}),
  };
  if (failures.length === 0) rmSync(dir, { recursive: true, force: true });
  print(summary);
  return failures.length === 0;
}

if (import.meta.main) {
  let options: SoakOptions;
  try {
    options = parseSoakArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const ok = await runSoak(options);
  process.exit(ok ? 0 : 1);
}
