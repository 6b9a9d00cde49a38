/**
 * The two reads that scripts and open tabs repeat (GET /api/trader/status and
 * GET /trader), answered without walking Hono's router and the middleware
 * chain each time. Their bodies are strings rendered once per change already
 * (render/status-json.ts, the page from its fragments); what a request still
 * cost was the chain itself, about two thirds of it (BENCHMARKS.md).
 *
 * Safety: the lane only takes a request the chain would certainly serve with
 * a 200 — no DASHBOARD_TOKEN (with one, every request is authenticated by the
 * chain), GET, exactly one of the two paths with no query, a loopback Host
 * (the chain's DNS-rebinding rule, the same function), no body. Anything else
 * goes through the chain. The answer's headers are not written here: they are
 * copied from the chain's own 200 answer to the first such request for that
 * path, so the security headers keep their one home (security/headers.ts) and
 * a read the chain never answered is never answered here.
 *
 * Compression: the chain gzips these answers for a client that accepts it
 * (`compress()` in app.ts, which says `Vary: Accept-Encoding`). An answer
 * learned with that Vary is reproduced here the same way: gzip (made once per
 * change) for a request that accepts gzip, the plain bytes for one that sends
 * no Accept-Encoding, and anything else (deflate only, br only) goes to the
 * chain. Any other Vary, a cookie or a validator: never learned.
 */
import { isLoopbackHost } from "./security/bind-safety.ts";
import { hostName } from "./security/host-check.ts";

export type HotPath = "/api/trader/status" | "/trader";

export class HotReads {
  /** The chain's headers for each path, learned from its first 200 answer. */
  private readonly headers = new Map<HotPath, { headers: Headers; gzipped: Headers | null }>();
  /**
   * Each path's body as an immutable Blob, made again only when its text changed:
   * Bun sends a Blob's bytes as they are, where a string (the page is ~30 KB) is
   * encoded again for every answer.
   */
  private readonly encoded = new Map<HotPath, { text: string; blob: Blob; gzip: Blob | null }>();
  /** Requests answered here, for tests. */
  served = 0;

  constructor(
    /** False while a DASHBOARD_TOKEN is set: then every request goes through auth. */
    private readonly enabled: boolean,
    private readonly bodies: Record<HotPath, () => string>,
  ) {}

  /** The path when the chain would serve this request as one of the hot reads; null otherwise. */
  eligible(request: Request): HotPath | null {
    if (!this.enabled || request.method !== "GET") return null;
    const path = pathOf(request.url);
    if (path !== "/api/trader/status" && path !== "/trader") return null;
    const host = request.headers.get("host");
    if (host === null || !isLoopbackHost(hostName(host))) return null;
    if (request.headers.has("transfer-encoding")) return null;
    const length = request.headers.get("content-length");
    if (length !== null && length !== "0") return null;
    return path;
  }

  /** The answer from the lane, or null: then the chain answers (and `learn` sees its answer). */
  answer(request: Request): Response | null {
    const path = this.eligible(request);
    if (path === null) return null;
    const learned = this.headers.get(path);
    if (!learned) return null;
    const { headers, gzipped } = learned;
    const accepted = request.headers.get("accept-encoding");
    const gzip = gzipped !== null && accepted !== null && accepted.trim() !== "";
    if (gzip && !acceptsGzip(accepted)) return null;
    this.served++;
    const text = this.bodies[path]();
    let body = this.encoded.get(path);
    // The same cached string object as last time compares in constant time.
    if (body?.text !== text) this.encoded.set(path, (body = { text, blob: new Blob([text]), gzip: null }));
    if (!gzip) return new Response(body.blob, { status: 200, headers });
    body.gzip ??= new Blob([Bun.gzipSync(new TextEncoder().encode(text))]);
    return new Response(body.gzip, { status: 200, headers: gzipped });
  }

  /** Keeps the chain's headers for `path` from its answer to an eligible request. */
  learn(path: HotPath, response: Response): void {
    if (response.status !== 200 || this.headers.has(path)) return;
    const headers = new Headers(response.headers);
    // Per answer, not per route: Bun writes these for each response itself.
    headers.delete("content-length");
    headers.delete("date");
    // A cookie or a validator would mean the answer is not the same for every request:
    // never learn it, the chain keeps answering. So for any Vary but the compression's.
    for (const name of ["set-cookie", "etag", "last-modified"]) if (headers.has(name)) return;
    const vary = headers.get("vary");
    const encoding = headers.get("content-encoding");
    if (vary !== null && vary.toLowerCase() !== "accept-encoding") return;
    if (encoding !== null && (encoding !== "gzip" && encoding !== "deflate" || vary === null)) return;
    headers.delete("content-encoding");
    let gzipped: Headers | null = null;
    if (vary !== null) {
      gzipped = new Headers(headers);
      gzipped.set("content-encoding", "gzip");
    }
    this.headers.set(path, { headers, gzipped });
  }
}

/** True when an Accept-Encoding value accepts gzip (listed, with a q above 0). */
export function acceptsGzip(accepted: string): boolean {
  for (const item of accepted.split(",")) {
    const [name, ...params] = item.trim().split(";");
    if (name?.trim().toLowerCase() !== "gzip") continue;
    const q = params.map((p) => p.trim()).find((p) => p.toLowerCase().startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/** "http://127.0.0.1:8891/trader?x" → "/trader?x" (the query stays: a query is not a hot read). */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  return start < 0 ? "/" : url.slice(start);
}
