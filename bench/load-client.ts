/**
 * HTTP load generator in Bun, run as its own process (the fallback when wrk is
 * not installed): C concurrent loops, each a keep-alive connection doing one
 * GET after another, until the time limit or the request limit is reached,
 * whichever comes first. Prints one JSON line:
 *   {"requests","errors","non2xx","duration_s","req_s","p50_ms","p99_ms"}
 *
 * Usage: bun bench/load-client.ts URL CONNECTIONS DURATION_MS MAX_REQUESTS
 * Only 127.0.0.1 URLs are accepted: a benchmark never sends traffic elsewhere.
 */
import { percentile, round } from "./stats.ts";

export interface LoadResult {
  requests: number;
  errors: number;
  non2xx: number;
  duration_s: number;
  req_s: number;
  p50_ms: number;
  p99_ms: number;
}

export async function runLoad(url: string, connections: number, durationMs: number, maxRequests: number): Promise<LoadResult> {
  if (new URL(url).hostname !== "127.0.0.1") throw new Error(`load client: only 127.0.0.1 may be loaded, not ${url}`);
  const latencies = new Float64Array(maxRequests);
  let issued = 0;
  let done = 0;
  let errors = 0;
  let non2xx = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  const loop = async () => {
    while (issued < maxRequests && performance.now() < deadline) {
      issued++;
      const t0 = performance.now();
      try {
        const response = await fetch(url, { keepalive: true });
        await response.arrayBuffer(); // the whole body, as a browser would read it
        if (response.status < 200 || response.status > 299) non2xx++;
        latencies[done++] = performance.now() - t0;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  const seconds = (performance.now() - start) / 1000;
  const sample = latencies.subarray(0, done);
  return {
    requests: done,
    errors,
    non2xx,
    duration_s: round(seconds, 3),
    req_s: round(done / seconds, 0),
    p50_ms: round(percentile(sample, 50), 3),
    p99_ms: round(percentile(sample, 99), 3),
  };
}

if (import.meta.main) {
  const [url, connections, durationMs, maxRequests] = process.argv.slice(2);
  const numbers = [connections, durationMs, maxRequests].map(Number);
  if (!url || numbers.some((n) => !Number.isInteger(n) || n <= 0)) {
    process.stderr.write("usage: bun bench/load-client.ts URL CONNECTIONS DURATION_MS MAX_REQUESTS (positive integers)\n");
    process.exit(2);
  }
  const [c, d, m] = numbers as [number, number, number];
  console.log(JSON.stringify(await runLoad(url, c, d, m)));
  process.exit(0);
}
