/**
 * HTTP throughput of the product server, against the trivial Bun.serve
 * baseline measured by the same client in the same run:
 *
 * - `http.status`: GET /api/trader/status (JSON; goal ≥ 20,000 req/s)
 * - `http.trader_page`: GET /trader, the whole HTML page (goal ≥ 3,000 req/s)
 *
 * Server and load generator are separate processes on 127.0.0.1 (both share
 * this machine's cores, as they would in any single-box test). Each round
 * measures the baseline and both endpoints back to back, in a rotating order;
 * figures are medians over the rounds and `ratio` is the median of the
 * per-round ratios to the baseline, which is what stays comparable when other
 * work on the machine changes the absolute numbers.
 *
 * A second baseline per endpoint (`same_answer_*`): the hello server sending
 * the product's own answer — the same body bytes with the same headers
 * (security headers included), copied from the product's answer at the start
 * and sent as a Blob made once — so `ratio_to_same_answer` shows what the
 * product adds to what Bun itself takes to send those bytes.
 *
 * `cpu_us_per_req`: the server process's CPU time (user + system, from
 * /proc) over the requests it answered in a round, median over the rounds,
 * with the baseline's beside it (`cpu_ratio` = baseline ÷ ours, comparable
 * with `ratio`). On a loaded machine this moves far less than req/s: it does
 * not count the time the server waited for a core.
 */
import { loadHttp, pickLoadTool, type HttpLoadResult, type LoadTool } from "./http-load.ts";
import { startHelloServer, startProductServer, type ChildServer } from "./servers.ts";
import { median, round } from "./stats.ts";

export interface HttpBenchOptions {
  rounds?: number;
  durationMs?: number;
  connections?: number;
  tool?: LoadTool | null;
  /** Environment for the product server (e.g. SIM_TICK_MS). */
  serverEnv?: Record<string, string>;
}

interface Target {
  name: "baseline" | "http.status" | "http.trader_page" | "same.status" | "same.trader_page";
  url: string;
  goalReqS: number | null;
  /** Wanted share of the baseline's req/s (issue 17). */
  goalRatio: number | null;
  server: ChildServer;
  runs: HttpLoadResult[];
  /** Server CPU µs per answered request, per round. */
  cpuUs: number[];
}

export async function benchHttp(options: HttpBenchOptions = {}): Promise<object[]> {
  const rounds = options.rounds ?? 3;
  const durationMs = options.durationMs ?? 3000;
  const connections = options.connections ?? 50;
  const tool = pickLoadTool(options.tool ?? null);
  const load = { connections, durationMs, maxRequests: 2_000_000, tool };

  const servers: ChildServer[] = [];
  try {
    const product = await startProductServer({ env: options.serverEnv });
    servers.push(product);
    const hello = await startHelloServer();
    servers.push(hello);
    const bytes = await checkResponses(product.url);
    await keepAnswer(hello.url, "status", `${product.url}/api/trader/status`);
    await keepAnswer(hello.url, "trader", `${product.url}/trader`);

    const targets: Target[] = [
      { name: "baseline", url: `${hello.url}/`, goalReqS: null, goalRatio: null, server: hello, runs: [], cpuUs: [] },
      { name: "http.status", url: `${product.url}/api/trader/status`, goalReqS: 20_000, goalRatio: 0.7, server: product, runs: [], cpuUs: [] },
      { name: "http.trader_page", url: `${product.url}/trader`, goalReqS: 3_000, goalRatio: 0.6, server: product, runs: [], cpuUs: [] },
      { name: "same.status", url: `${hello.url}/answer/status`, goalReqS: null, goalRatio: null, server: hello, runs: [], cpuUs: [] },
      { name: "same.trader_page", url: `${hello.url}/answer/trader`, goalReqS: null, goalRatio: null, server: hello, runs: [], cpuUs: [] },
    ];
    for (const target of targets) await loadHttp(target.url, { ...load, durationMs: 1000 }); // warm-up (JIT, caches)
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < targets.length; k++) {
        const target = targets[(k + r) % targets.length] as Target;
        const cpu0 = target.server.cpuSeconds();
        const run = await loadHttp(target.url, load);
        target.runs.push(run);
        target.cpuUs.push(((target.server.cpuSeconds() - cpu0) * 1e6) / Math.max(1, run.requests));
      }
    }

    const [baseline, ...others] = targets as [Target, ...Target[]];
    const measured = others.filter((t) => t.name.startsWith("http."));
    return measured.map((target) => {
      const ratios = target.runs.map((run, i) => run.req_s / (baseline.runs[i]?.req_s ?? NaN));
      const same = others.find((t) => t.name === (target.name === "http.status" ? "same.status" : "same.trader_page")) as Target;
      const sameRatios = target.runs.map((run, i) => run.req_s / (same.runs[i]?.req_s ?? NaN));
      const reqS = median(target.runs.map((r) => r.req_s));
      const failures = target.runs.reduce((n, r) => n + r.errors + r.non2xx, 0);
      const ratio = median(ratios);
      const cpuUs = median(target.cpuUs);
      const baselineCpuUs = median(baseline.cpuUs);
      return {
        name: target.name,
        req_s: Math.round(reqS),
        p50_ms: round(median(target.runs.map((r) => r.p50_ms)), 3),
        p99_ms: round(median(target.runs.map((r) => r.p99_ms)), 3),
        baseline_req_s: Math.round(median(baseline.runs.map((r) => r.req_s))),
        baseline_p99_ms: round(median(baseline.runs.map((r) => r.p99_ms)), 3),
        ratio: round(ratio, 3),
        cpu_us_per_req: round(cpuUs, 1),
        baseline_cpu_us_per_req: round(baselineCpuUs, 1),
        cpu_ratio: round(baselineCpuUs / cpuUs, 3),
        same_answer_req_s: Math.round(median(same.runs.map((r) => r.req_s))),
        same_answer_ratio_to_hello: round(median(same.runs.map((run, i) => run.req_s / (baseline.runs[i]?.req_s ?? NaN))), 3),
        ratio_to_same_answer: round(median(sameRatios), 3),
        goal_req_s: target.goalReqS,
        goal_ratio: target.goalRatio,
        meets_goal: target.goalReqS !== null && reqS >= target.goalReqS && failures === 0 && ratio >= (target.goalRatio ?? 0),
        failed_requests: failures,
        response_bytes: target.name === "http.status" ? bytes.status : bytes.page,
        runs_req_s: target.runs.map((r) => r.req_s),
        runs_p99_ms: target.runs.map((r) => r.p99_ms),
        tool,
        connections,
        duration_s: durationMs / 1000,
        rounds,
        ...(options.serverEnv ? { server_env: options.serverEnv } : {}),
      };
    });
  } finally {
    for (const server of servers) await server.stop();
  }
}

/** Gives the hello server the product's answer at `url` (headers and body) to send as its own (GET /answer/NAME). */
async function keepAnswer(helloUrl: string, name: string, url: string): Promise<void> {
  // As wrk asks (no Accept-Encoding): the plain answer the runs are timed on.
  const answer = await fetch(url, { decompress: false } as RequestInit);
  if (answer.headers.get("content-encoding") !== null) throw new Error(`${url} answered compressed to a request that did not ask for it`);
  const body = await answer.text();
  // Per answer, not per route: Bun writes these itself, for the hello server too.
  const headers: [string, string][] = [];
  answer.headers.forEach((value, header) => {
    if (header !== "content-length" && header !== "date") headers.push([header, value]);
  });
  const kept = await fetch(`${helloUrl}/answer/${name}`, { method: "POST", body: JSON.stringify({ headers, body }) });
  if (kept.status !== 204) throw new Error(`the hello server did not keep the ${name} answer (${kept.status})`);
  const check = await fetch(`${helloUrl}/answer/${name}`);
  if ((await check.text()) !== body) throw new Error(`the hello server's ${name} answer is not the product's`);
}

/** The endpoints answer what they should before they are timed (a fast 500 is not a result). */
async function checkResponses(base: string): Promise<{ status: number; page: number }> {
  const status = await fetch(`${base}/api/trader/status`);
  const statusText = await status.text();
  if (status.status !== 200) throw new Error(`GET /api/trader/status answered ${status.status}: ${statusText.slice(0, 300)}`);
  const parsed = JSON.parse(statusText) as { mode?: unknown };
  if (typeof parsed.mode !== "string") throw new Error(`GET /api/trader/status has no mode: ${statusText.slice(0, 300)}`);
  const page = await fetch(`${base}/trader`);
  const html = await page.text();
  if (page.status !== 200) throw new Error(`GET /trader answered ${page.status}: ${html.slice(0, 300)}`);
  if (!html.startsWith("<!doctype html>") || !html.includes('id="config-panel"')) throw new Error(`GET /trader is not the full trader page: ${html.slice(0, 300)}`);
  return { status: Buffer.byteLength(statusText), page: Buffer.byteLength(html) };
}
