/**
 * The hot reads' lane (src/web/hot-reads.ts): GET /api/trader/status and GET
 * /trader answered without the middleware chain once the chain has answered
 * them, with the chain's own headers and the current body, and never for a
 * request the chain would refuse or treat differently.
 */
import { afterEach, expect, test } from "bun:test";
import { setQuiet } from "../../src/log.ts";
import { createApp, type DashboardApp } from "../../src/web/app.ts";
import { HotReads } from "../../src/web/hot-reads.ts";
import { makeWorld, type FakeWorld } from "./fakes.ts";

setQuiet(true);

let server: ReturnType<typeof Bun.serve> | null = null;
let dash: DashboardApp | null = null;
let world: FakeWorld | null = null;
afterEach(async () => {
  dash?.hub.close();
  server?.stop(true);
  await world?.controller.shutdown();
  server = null;
  dash = null;
});

async function start(token: string | null = null) {
  world = makeWorld({ token });
  await world.controller.boot();
  dash = createApp(world.deps);
  const created = dash;
  server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (request, bunServer) => created.fetch(request, bunServer as never), websocket: dash.websocket });
  return { world, dash, base: `http://127.0.0.1:${server.port}` };
}

/** Headers as a sorted list, without those Bun writes per answer (the date, the framing). */
function headerList(response: Response): string[] {
  const list: string[] = [];
  response.headers.forEach((value, name) => {
    if (name !== "date" && name !== "content-length" && name !== "transfer-encoding") list.push(`${name}: ${value}`);
  });
  return list.sort();
}

test("after the chain's first answer, the same reads come from the lane with the chain's headers and the current body", async () => {
  const { world, dash, base } = await start();
  for (const path of ["/api/trader/status", "/trader"]) {
    const first = await fetch(base + path);
    expect(first.status).toBe(200);
    const firstBody = await first.text();
    const served = dash.hotReads.served;
    const second = await fetch(base + path);
    expect(dash.hotReads.served).toBe(served + 1);
    expect(second.status).toBe(200);
    expect(headerList(second)).toEqual(headerList(first));
    expect(headerList(second).join("\n")).toContain("content-security-policy: default-src 'self'");
    expect(await second.text()).toBe(firstBody);
  }
  // A change shows at once: the lane reads the same once-per-change body as the route.
  expect((await world.controller.updateConfig({ kill_switch_drawdown_pct: 37 }, "api")).ok).toBe(true);
  const status = await (await fetch(base + "/api/trader/status")).json();
  expect(status.config.kill_switch_drawdown_pct).toBe(37);
  expect(await (await fetch(base + "/trader")).text()).toContain('value="37"');
});

test("compressed as the chain compresses: gzip for a client that accepts it, plain bytes without Accept-Encoding, the chain for any other", async () => {
  const { dash, base } = await start();
  const host = new URL(base).host;
  for (const path of ["/api/trader/status", "/trader"] as const) {
    const chain = await fetch(base + path, { headers: { "accept-encoding": "gzip, deflate, br" }, decompress: false } as RequestInit);
    expect(chain.headers.get("content-encoding")).toBe("gzip");
    expect(chain.headers.get("vary")).toBe("Accept-Encoding");
    const plain = await (await fetch(base + path)).text();
    const ask = (encoding: string | null) => new Request(base + path, { headers: { host, ...(encoding === null ? {} : { "accept-encoding": encoding }) } });
    const gzipped = dash.hotReads.answer(ask("gzip, deflate, br"));
    expect(gzipped?.headers.get("content-encoding")).toBe("gzip");
    expect(gzipped?.headers.get("vary")).toBe("Accept-Encoding");
    expect(new TextDecoder().decode(Bun.gunzipSync(new Uint8Array(await gzipped!.arrayBuffer())))).toBe(plain);
    expect(plain.length).toBeGreaterThan(1000);
    const identity = dash.hotReads.answer(ask(null));
    expect(identity?.headers.get("content-encoding")).toBeNull();
    expect(identity?.headers.get("vary")).toBe("Accept-Encoding");
    expect(await identity!.text()).toBe(plain);
    for (const other of ["br", "deflate", "identity", "gzip;q=0"]) expect(dash.hotReads.answer(ask(other))).toBeNull();
  }
});

test("a request the chain would refuse or answer differently never takes the lane", async () => {
  const { dash, base } = await start();
  await fetch(base + "/api/trader/status");
  await fetch(base + "/trader");
  const served = dash.hotReads.served;
  // DNS rebinding: a foreign Host is refused by the chain, also after the lane learned the path.
  const rebound = await fetch(base + "/api/trader/status", { headers: { host: "evil.example" } });
  expect(rebound.status).toBe(421);
  // A query, another method, a trailing slash, a body: the chain's business.
  expect((await fetch(base + "/trader?x=1")).status).toBe(200);
  expect((await fetch(base + "/api/trader/status", { method: "HEAD" })).status).toBe(200);
  expect((await fetch(base + "/trader/")).status).toBe(404);
  expect(dash.hotReads.served).toBe(served);
  // A GET that says it carries a body (a client cannot send one through fetch): the body limit is the chain's.
  const url = base + "/api/trader/status";
  const host = new URL(base).host;
  expect(dash.hotReads.eligible(new Request(url, { headers: { host } }))).toBe("/api/trader/status");
  expect(dash.hotReads.eligible(new Request(url, { headers: { host, "content-length": "12" } }))).toBeNull();
  expect(dash.hotReads.eligible(new Request(url, { headers: { host, "transfer-encoding": "chunked" } }))).toBeNull();
  expect(dash.hotReads.eligible(new Request(url, { headers: { host: "127.0.0.1.evil.example" } }))).toBeNull();
});

test("with a DASHBOARD_TOKEN every request goes through auth: the lane serves nothing", async () => {
  const { dash, base } = await start("a-long-enough-dashboard-token");
  for (let i = 0; i < 3; i++) {
    const answer = await fetch(base + "/api/trader/status");
    expect(answer.status).toBe(401);
  }
  const page = await fetch(base + "/trader", { redirect: "manual" });
  expect([302, 303, 401]).toContain(page.status);
  expect(dash.hotReads.served).toBe(0);
});

test("an answer that is not the same for every request is never learned: the chain keeps answering", () => {
  const lane = new HotReads(true, { "/api/trader/status": () => "{}", "/trader": () => "<p>page</p>" });
  const request = () => new Request("http://127.0.0.1:8891/trader", { headers: { host: "127.0.0.1:8891" } });
  for (const header of ["content-encoding", "vary", "set-cookie", "etag"]) {
    lane.learn("/trader", new Response("x", { status: 200, headers: { "content-type": "text/html", [header]: "gzip" } }));
    expect(lane.answer(request())).toBeNull();
  }
  lane.learn("/trader", new Response("x", { status: 500, headers: { "content-type": "text/html" } }));
  expect(lane.answer(request())).toBeNull();
  lane.learn("/trader", new Response("x", { status: 200, headers: { "content-type": "text/html", "x-frame-options": "DENY" } }));
  const answer = lane.answer(request());
  expect(answer?.headers.get("x-frame-options")).toBe("DENY");
  expect(lane.served).toBe(1);
});
