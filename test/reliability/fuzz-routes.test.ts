/**
 * Fuzz over every route of the dashboard, part of the normal suite.
 *
 * A fixed seed drives a small PRNG (mulberry32) that builds a few thousand
 * requests: every route and method (pages, page forms, the JSON API, /login,
 * /logout, /health, /ws, /static, unknown paths), JSON / form / multipart /
 * garbage bodies, odd headers (content-type variants, huge, missing,
 * duplicated, lying Content-Length, Transfer-Encoding), other hosts and
 * origins, sessions and tokens right and wrong. They go, one after another,
 * to the real app (createApp) over the real TraderController with the
 * scripted exchange (test/web/fakes.ts) and a REAL trader_config.json
 * (src/config/config-file.ts) in a temp dir, in three set-ups: no token,
 * with DASHBOARD_TOKEN, and a read-only `web` instance. A second part sends
 * hand-made bytes with broken framing over TCP to the real Bun server
 * (serveDashboard).
 *
 * Every answer must hold:
 *  - no 5xx except the documented ones: 502 from a control whose exchange
 *    call failed, 503 from a control in the read-only instance; 500 (a
 *    storage fault) never, the disk is fine here;
 *  - every 4xx body says what was wrong (not empty, not "internal error");
 *  - after every refused request (4xx, 503) trader_config.json is
 *    byte-identical to what it was before the request.
 * A failure names the case number and the request, which the seed replays.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serveDashboard, type ServedDashboard } from "../../src/app/web-server.ts";
import { ConfigFile, type ConfigOrigin } from "../../src/config/config-file.ts";
import type { TraderConfig, TraderConfigPatch } from "../../src/config/schema.ts";
import { setQuiet } from "../../src/log.ts";
import type { Settings } from "../../src/settings.ts";
import type { ConfigUpdateResult } from "../../src/trader/controller.ts";
import type { Origin } from "../../src/trader/ports.ts";
import { createApp, type DashboardApp } from "../../src/web/app.ts";
import { LoginThrottle } from "../../src/web/security/login-throttle.ts";
import { channelsFrom } from "../../src/notify/credentials.ts";
import { Notifier } from "../../src/notify/notifier.ts";
import { TradeHistory } from "../../src/store/trade-history.ts";
import { openStore, type TraderStore } from "../../src/store/trader-store.ts";
import { sampleTrades, writeEquity, writeTrades } from "../helpers/trade-fixtures.ts";
import { makeSignals, makeWorld, MemoryConfig, SYMBOLS, type FakeWorld } from "../web/fakes.ts";
import { rawRequest } from "../web/raw-http.ts";

setQuiet(true);

const SEED = 0x5eed_2026;
const CASES = 6000;
const RAW_CASES = 120;
const TOKEN = "fuzz-token-of-enough-length-0123";

// ---- a seeded PRNG ------------------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  constructor(private readonly next: () => number) {}
  float(): number {
    return this.next();
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  /** Picks by weight: [[weight, value], …]. */
  weighted<T>(items: readonly (readonly [number, T])[]): T {
    const total = items.reduce((sum, [w]) => sum + w, 0);
    let roll = this.next() * total;
    for (const [w, value] of items) {
      roll -= w;
      if (roll < 0) return value;
    }
    return (items[items.length - 1] as readonly [number, T])[1];
  }
  string(length: number, alphabet = "abcXYZ019 -_./%&=?#\"'<>{}[]:;,\\\t\n\u00e9\u2603\ud83d\ude00\u0000"): string {
    const chars = Array.from(alphabet); // by code point: an emoji stays whole
    let out = "";
    for (let i = 0; i < length; i++) out += chars[Math.floor(this.next() * chars.length)] ?? "";
    return out;
  }
  bytes(length: number): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }
}

// ---- the config kept in a real trader_config.json ------------------------

/** MemoryConfig's shape, backed by the product's ConfigFile (atomic writes, validation). */
class FileConfig extends MemoryConfig {
  constructor(private readonly file: ConfigFile) {
    super();
  }
  override current(): TraderConfig {
    return this.file.current;
  }
  override async read(): Promise<TraderConfig> {
    return (await this.file.read()).config;
  }
  override async update(patch: TraderConfigPatch, origin: Origin): Promise<ConfigUpdateResult> {
    const result = await this.file.update(patch, origin as ConfigOrigin);
    if (!result.ok) return { ok: false, error: result.issues.map((i) => `${i.path}: ${i.message}`).join("; "), issues: result.issues };
    this.saves++;
    this.config = result.config;
    return result;
  }
}

// ---- the set-ups ---------------------------------------------------------

type Kind = "open" | "auth" | "readonly";

interface Target {
  kind: Kind;
  world: FakeWorld;
  created: DashboardApp;
  configPath: string;
  session: string;
  /** The trader's own services (absent in a read-only web instance, which answers 503 for them). */
  store: TraderStore | null;
  notifier: Notifier | null;
}

const dir = mkdtempSync(join(tmpdir(), "fuzz-routes-"));
const targets: Target[] = [];
let served: { server: ServedDashboard; target: Target } | null = null;

async function makeTarget(kind: Kind): Promise<Target> {
  const configPath = join(dir, `${kind}-trader_config.json`);
  const file = new ConfigFile(configPath);
  await file.load();
  const trader = kind !== "readonly";
  const world = makeWorld({
    token: kind === "auth" ? TOKEN : null,
    config: new FileConfig(file),
    readOnly: kind === "readonly" ? "Read-only web instance: the controls are on the trader process" : undefined,
    // A real BacktestRuns on the small fixture set: a fuzzed POST that is valid really runs one.
    backtests: trader,
  });
  // A real trade record (SQLite) with closed trades of both modes, and a notifier whose only
  // channel points at a loopback port where nothing listens.
  let store: TraderStore | null = null;
  let notifier: Notifier | null = null;
  if (trader) {
    store = openStore(mkdtempSync(join(dir, `${kind}-data-`)));
    const trades = sampleTrades(Date.UTC(2026, 9, 1), { dryRun: 12, live: 2 });
    writeTrades(store, trades);
    writeEquity(store, trades, "dry-run");
    world.deps.trades = new TradeHistory(store.db);
    notifier = new Notifier({
      channels: channelsFrom({ telegram: { token: "123:fuzz", chatId: "1" }, webhook: null, ntfy: null }, "http://127.0.0.1:9"),
      trader: world.controller,
      record: world.record,
      tickMs: 0,
      delivery: { timeoutMs: 200, firstRetryMs: 5, maxRetryMs: 20 },
    });
    notifier.start();
    world.deps.notifications = notifier;
  }
  await world.controller.boot();
  makeSignals(world, ["BTCUSDT", "ETHUSDT", "SOLUSDT"]);
  // No delay for throttled logins here: the fuzz posts many wrong tokens and must stay fast.
  const created = createApp(world.deps, { loginThrottle: new LoginThrottle({ delayMs: 0 }) });
  let session = "";
  if (kind === "auth") {
    const res = await created.app.request("/login", { method: "POST", body: new URLSearchParams({ token: TOKEN }), headers: { origin: "http://localhost" } });
    session = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect(session).toStartWith("dash_session=");
  }
  return { kind, world, created, configPath, session, store, notifier };
}

beforeAll(async () => {
  for (const kind of ["open", "auth", "readonly"] as const) targets.push(await makeTarget(kind));
});

afterAll(async () => {
  served?.server.stop();
  for (const t of targets) {
    t.created.hub.close();
    await t.notifier?.stop(0);
    await t.world.controller.shutdown();
    await t.world.disposeBacktests();
    t.store?.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

// ---- what the fuzz sends ------------------------------------------------

const CONTROL_ACTIONS = ["start", "stop", "pause", "emergency-stop", "clear-lockfile", "run-cycle", "reset-baseline", "cancel-closing", "clear-lock", "", "START", "rm -rf", "__proto__"];
const MODES = ["paused", "dry-run", "live", "LIVE", "", "off", "paper"];
const SYMBOL_VALUES = [...SYMBOLS.slice(0, 4), "BTCUSDT", "btcusdt", "BTC", "NOPEUSDT", "", "BTCUSDT\u0000", "../../etc", "A".repeat(300) + "USDT"];
const NUMBERS: unknown[] = [0, 1, 3, 5, 10, 50, 99.9, 100, 101, -1, 0.05, 1e308, -0, 1.5, "5", "", null, true, "NaN", "Infinity", [], {}, 1e-9, 2 ** 53 + 1];
const CONFIG_FIELDS = ["position_size_pct", "max_positions", "max_leverage", "kill_switch_drawdown_pct", "tp_pct", "sl_pct", "circuit_breaker_threshold", "scan_interval_minutes", "long_threshold", "short_threshold", "reentry_cooldown_minutes", "use_ta_signals", "coin_blacklist", "coin_whitelist", "mode", "confirm", "unknown_field", "__proto__", "constructor"];
const NEXT_VALUES = ["/trader", "/", "//evil.example", "/\t/evil.example", "https://evil.example", "javascript:alert(1)", "/%2F/evil.example", "\\\\evil", ""];

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/json;",
  "application/jsonx",
  "text/json",
  "application/x-www-form-urlencoded",
  "application/x-www-form-urlencoded; charset=utf-8",
  "multipart/form-data",
  "multipart/form-data; boundary=",
  "multipart/form-data; boundary=FuzzBoundary",
  "multipart/form-data; boundary=\"FuzzBoundary\"",
  "multipart/form-data; boundary=" + "b".repeat(200),
  "text/plain",
  "text/html",
  "application/octet-stream",
  "",
  ";;;",
  "application/json, text/plain",
  "a".repeat(5000),
];

interface Route {
  path: string;
  methods: readonly string[];
  body: "control" | "config" | "mode" | "symbol" | "none" | "form-control" | "form-mode" | "form-config" | "form-coin" | "form-symbol" | "form-confirm" | "login";
}

const ROUTES: readonly (readonly [number, Route])[] = [
  [6, { path: "/", methods: ["GET"], body: "none" }],
  [6, { path: "/trader", methods: ["GET"], body: "none" }],
  [3, { path: "/health", methods: ["GET"], body: "none" }],
  [6, { path: "/login", methods: ["GET", "POST"], body: "login" }],
  [3, { path: "/logout", methods: ["POST"], body: "none" }],
  [6, { path: "/ws", methods: ["GET"], body: "none" }],
  [4, { path: "/static/app.css", methods: ["GET"], body: "none" }],
  [2, { path: "/static/htmx.min.js", methods: ["GET"], body: "none" }],
  [2, { path: "/static/nope.js", methods: ["GET"], body: "none" }],
  [2, { path: "/static/..%2F..%2Fpackage.json", methods: ["GET"], body: "none" }],
  [1, { path: "/favicon.ico", methods: ["GET"], body: "none" }],
  [5, { path: "/api/trader/status", methods: ["GET"], body: "none" }],
  [5, { path: "/api/trader/logs", methods: ["GET"], body: "none" }],
  [10, { path: "/api/trader/config", methods: ["POST"], body: "config" }],
  [6, { path: "/api/trader/mode", methods: ["POST"], body: "mode" }],
  [10, { path: "/api/trader/control", methods: ["POST"], body: "control" }],
  [6, { path: "/api/trader/close-position", methods: ["POST"], body: "symbol" }],
  [6, { path: "/api/trader/close-all", methods: ["POST"], body: "none" }],
  [2, { path: "/api/trader/nope", methods: ["GET", "POST"], body: "control" }],
  [7, { path: "/trader/control", methods: ["POST"], body: "form-control" }],
  [5, { path: "/trader/mode", methods: ["POST"], body: "form-mode" }],
  [8, { path: "/trader/config", methods: ["POST"], body: "form-config" }],
  [5, { path: "/trader/coin-list", methods: ["POST"], body: "form-coin" }],
  [5, { path: "/trader/close-position", methods: ["POST"], body: "form-symbol" }],
  [4, { path: "/trader/cancel-closing", methods: ["POST"], body: "form-symbol" }],
  [4, { path: "/trader/close-all", methods: ["POST"], body: "form-confirm" }],
  [4, { path: "/trader/emergency-stop", methods: ["POST"], body: "form-confirm" }],
  [3, { path: "/trader/reset-baseline", methods: ["POST"], body: "form-confirm" }],
  [2, { path: "/trader/nope", methods: ["GET", "POST"], body: "form-control" }],
  [4, { path: "/coin/BTCUSDT", methods: ["GET"], body: "none" }],
  [2, { path: "/coin/btcusdt", methods: ["GET"], body: "none" }],
  [2, { path: "/coin/NOPEUSDT", methods: ["GET"], body: "none" }],
  [1, { path: "/coin/%2e%2e", methods: ["GET"], body: "none" }],
  [4, { path: "/performance", methods: ["GET"], body: "none" }],
  [4, { path: "/history", methods: ["GET"], body: "none" }],
  [3, { path: "/history.csv", methods: ["GET"], body: "none" }],
  [3, { path: "/api/performance", methods: ["GET"], body: "none" }],
  [3, { path: "/api/trades", methods: ["GET"], body: "none" }],
  [3, { path: "/backtest", methods: ["GET", "POST"], body: "form-config" }],
  [2, { path: "/backtest/1", methods: ["GET"], body: "none" }],
  [2, { path: "/backtest/1/trades.csv", methods: ["GET"], body: "none" }],
  [1, { path: "/backtest/99999999999999", methods: ["GET"], body: "none" }],
  [3, { path: "/api/backtests", methods: ["GET", "POST"], body: "config" }],
  [2, { path: "/api/backtests/1", methods: ["GET"], body: "none" }],
  [3, { path: "/api/trader/notifications", methods: ["GET"], body: "none" }],
  [2, { path: "/api/trader/notifications/test", methods: ["POST"], body: "control" }],
  [3, { path: "/trader/notifications", methods: ["POST"], body: "form-config" }],
  [2, { path: "/trader/notifications/test", methods: ["POST"], body: "form-control" }],
  [2, { path: "/nope", methods: ["GET", "POST"], body: "none" }],
  [1, { path: "/API/TRADER/STATUS", methods: ["GET"], body: "none" }],
  [1, { path: "/trader/", methods: ["GET", "POST"], body: "form-control" }],
  [1, { path: "/%00", methods: ["GET"], body: "none" }],
  [1, { path: "/trader/%2e%2e/api/trader/status", methods: ["GET"], body: "none" }],
];

/** Controls whose failure at the exchange is a documented 502. */
const EXCHANGE_CONTROLS = new Set(["/api/trader/control", "/api/trader/close-position", "/api/trader/close-all", "/trader/control", "/trader/close-position", "/trader/close-all", "/trader/emergency-stop", "/trader/reset-baseline"]);
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** What only the trader process has (README, JSON API): a read-only web instance answers 503 for it. */
const TRADER_SERVICES = ["/api/performance", "/api/trades", "/api/backtests", "/backtest", "/api/trader/notifications", "/history.csv"];

function jsonValue(rng: Rng, depth = 0): unknown {
  const roll = rng.int(0, depth > 2 ? 4 : 7);
  switch (roll) {
    case 0: return rng.pick(NUMBERS);
    case 1: return rng.string(rng.int(0, 12));
    case 2: return rng.chance(0.5);
    case 3: return null;
    case 4: return rng.pick(SYMBOL_VALUES);
    case 5: return Array.from({ length: rng.int(0, 3) }, () => jsonValue(rng, depth + 1));
    default: return Object.fromEntries(Array.from({ length: rng.int(0, 3) }, () => [rng.pick([...CONFIG_FIELDS, "action", "symbol", "x"]), jsonValue(rng, depth + 1)]));
  }
}

function jsonBody(rng: Rng, kind: Route["body"]): unknown {
  if (rng.chance(0.15)) return jsonValue(rng);
  switch (kind) {
    case "control": {
      const body: Record<string, unknown> = { action: rng.pick(CONTROL_ACTIONS) };
      if (rng.chance(0.4)) body.symbol = rng.pick(SYMBOL_VALUES);
      if (rng.chance(0.3)) body.confirm = rng.pick(["RESET", "reset", "LIVE", "", 1]);
      if (rng.chance(0.1)) body.extra = jsonValue(rng);
      return body;
    }
    case "config": {
      const body: Record<string, unknown> = {};
      for (let i = rng.int(0, 3); i > 0; i--) {
        const name = rng.pick(CONFIG_FIELDS);
        body[name] = name === "mode" ? rng.pick(MODES)
          : name.startsWith("coin_") ? rng.pick([[], ["BTCUSDT"], ["btc"], "BTCUSDT", [1], ["NOPEUSDT"]])
          : name === "use_ta_signals" ? rng.pick([true, false, "true", 1])
          : rng.pick(NUMBERS);
      }
      return body;
    }
    case "mode": return { mode: rng.pick(MODES), ...(rng.chance(0.3) ? { confirm: rng.pick(["LIVE", "live", ""]) } : {}) };
    case "symbol": return { symbol: rng.pick(SYMBOL_VALUES) };
    default: return rng.chance(0.7) ? {} : jsonValue(rng);
  }
}

function formFields(rng: Rng, kind: Route["body"]): [string, string][] {
  const fields: [string, string][] = [];
  const add = (name: string, value: unknown) => fields.push([name, String(value)]);
  switch (kind) {
    case "form-control": add("action", rng.pick(["start", "stop", "run-cycle", "clear-lock", "pause", "", "x"])); break;
    case "form-mode": add("mode", rng.pick(MODES)); if (rng.chance(0.4)) add("confirm", rng.pick(["LIVE", "", "live"])); break;
    case "form-config":
      for (let i = rng.int(0, 4); i > 0; i--) add(rng.pick(CONFIG_FIELDS), rng.pick([...NUMBERS.map(String), "", "abc", "1e3", " 5 ", "true", "false"]));
      break;
    case "form-coin": add("toggle", rng.pick(["whitelist:BTCUSDT:on", "blacklist:ETHUSDT:on", "blacklist:ETHUSDT:off", "whitelist:NOPEUSDT:on", "greylist:BTCUSDT:on", "", "whitelist:BTCUSDT"])); break;
    case "form-symbol": add("symbol", rng.pick(SYMBOL_VALUES)); break;
    case "form-confirm": if (rng.chance(0.6)) add("confirm", rng.pick(["yes", "no", ""])); break;
    case "login":
      add("token", rng.weighted([[3, TOKEN], [5, "wrong-token"], [1, ""], [1, TOKEN + "x"]]));
      if (rng.chance(0.7)) add("next", rng.pick(NEXT_VALUES));
      break;
    default: break;
  }
  if (rng.chance(0.1)) add(rng.string(rng.int(1, 8)), rng.string(rng.int(0, 20)));
  return fields;
}

function urlEncoded(fields: [string, string][], rng: Rng): string {
  const text = new URLSearchParams(fields).toString();
  return rng.chance(0.05) ? text + "&%zz=%E0%A4%A&=&&" : text;
}

function multipart(fields: [string, string][], rng: Rng, boundary: string): string {
  let out = "";
  for (const [name, value] of fields) out += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  out += `--${boundary}--\r\n`;
  const damage = rng.int(0, 5);
  if (damage === 0) return out.slice(0, rng.int(0, out.length));
  if (damage === 1) return out.replaceAll(`--${boundary}`, "--Other");
  if (damage === 2) return out.replaceAll("\r\n", "\n");
  return out;
}

interface FuzzCase {
  target: Target;
  method: string;
  url: string;
  headers: Headers;
  body?: BodyInit;
  path: string;
  label: string;
}

const PEERS = ["127.0.0.1", "::1", "203.0.113.9", "2001:db8::7", "::ffff:198.51.100.3"];

function makeCase(rng: Rng, index: number): FuzzCase {
  const target = targets[rng.weighted([[55, 0], [30, 1], [15, 2]] as const)] as Target;
  const route = rng.weighted(ROUTES);
  const method = rng.weighted([
    [70, rng.pick(route.methods)],
    [6, "GET"],
    [6, "POST"],
    [4, "HEAD"],
    [3, "PUT"],
    [3, "DELETE"],
    [3, "PATCH"],
    [3, "OPTIONS"],
    [1, "PROPFIND"],
  ] as const);
  const authority = rng.weighted([[70, "localhost"], [10, "127.0.0.1:8891"], [5, "[::1]:8891"], [8, "evil.example"], [4, "LOCALHOST:1"], [3, "192.168.1.20:8891"]] as const);
  const query = rng.weighted([
    [50, ""],
    [5, "?next=" + encodeURIComponent(rng.pick(NEXT_VALUES))],
    [6, "?format=" + rng.pick(["json", "html", "xml", ""])],
    [6, "?page=" + rng.pick(["trader", "scanner", "x"]) + "&since=" + rng.pick(["abc.3", "", "1.2.3", "-1", "9".repeat(40)])],
    [8, "?kind=" + rng.pick(["trade", "error", "signal", "cycle", "control", "x", ""]) + "&limit=" + rng.pick(["1", "100", "1000", "1001", "0", "-5", "abc", "1e3", ""])],
    [4, "?v=1&x=%zz&y=%E0%A4%A"],
    [3, "?" + encodeURIComponent(rng.string(rng.int(1, 40)))],
    [2, "?a=" + "x".repeat(rng.int(100, 8000))],
    [6, "?tf=" + rng.pick(["5m", "1h", "4h", "1d", "", "5M"]) + (rng.chance(0.3) ? "&levels=1" : "")],
    [8, "?symbol=" + rng.pick(["BTCUSDT", "btc", "", "NOPEUSDT"]) + "&side=" + rng.pick(["long", "short", "x", ""]) + "&mode=" + rng.pick(["live", "dry-run", "both", "paper", ""]) +
      "&reason=" + rng.pick(["tp", "sl", "manual", "x", ""]) + "&from=" + rng.pick(["2026-01-01", "yesterday", "", "2026-13-40"]) + "&to=" + rng.pick(["2026-12-31", "", "0"]) +
      "&page=" + rng.pick(["1", "2", "0", "-1", "abc", "9".repeat(20)]) + "&per_page=" + rng.pick(["25", "200", "201", "0", ""])],
    [4, "?sort=" + rng.pick(["long", "short", "change", "volume", "x", ""]) + "&q=" + rng.pick(["btc", "", "%", "<script>"]) + "&state=" + rng.pick(["squeeze", "divergence", "above", "x"])],
  ] as const);
  const url = `http://${authority}${route.path}${query}`;
  const headers = new Headers();
  const hostOrigin = `http://${authority.toLowerCase()}`;
  const origin = rng.weighted([[40, null], [40, hostOrigin], [8, "http://evil.example"], [4, "null"], [4, "http://localhost:9999"], [4, rng.string(8)]] as const);
  if (origin !== null) safeSet(headers, "origin", origin);
  if (rng.chance(0.3)) headers.set("sec-fetch-site", rng.pick(["same-origin", "none", "cross-site", "same-site", "bogus"]));
  if (rng.chance(0.3)) headers.set("hx-request", rng.pick(["true", "false", "TRUE"]));
  if (target.kind === "auth" || rng.chance(0.1)) {
    const auth = rng.weighted([[40, `Bearer ${TOKEN}`], [10, "Bearer wrong"], [5, `bearer   ${TOKEN}`], [5, "Basic Zm9vOmJhcg=="], [5, "Bearer"], [35, null]] as const);
    if (auth !== null) headers.set("authorization", auth);
    if (rng.chance(0.05)) headers.append("authorization", "Bearer other");
  }
  if (rng.chance(0.35)) {
    headers.set("cookie", rng.weighted([[50, target.session || "dash_session=none"], [20, "dash_session=v1.99999999999.AAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"], [10, "dash_session="], [10, "a=b; dash_session=" + "x".repeat(500)], [10, "garbage;;;=="]] as const));
  }
  if (route.path === "/ws" || rng.chance(0.03)) {
    if (rng.chance(0.7)) headers.set("upgrade", rng.pick(["websocket", "WebSocket", "h2c", ""]));
    if (rng.chance(0.6)) headers.set("sec-websocket-key", rng.pick(["dGhlIHNhbXBsZSBub25jZQ==", "abc", "", "dGhlIHNhbXBsZSBub25jZQ"]));
    if (rng.chance(0.6)) headers.set("sec-websocket-version", rng.pick(["13", "8", "", "13, 8"]));
    if (rng.chance(0.5)) headers.set("connection", rng.pick(["Upgrade", "keep-alive, Upgrade", "close"]));
  }
  if (rng.chance(0.05)) headers.set("if-none-match", rng.pick(['"x"', "*", ""]));
  if (rng.chance(0.03)) headers.set("x-fuzz-huge", "h".repeat(rng.int(1000, 100_000)));
  if (rng.chance(0.1)) headers.set("accept", rng.pick(["*/*", "application/json", "text/html", "", "x".repeat(3000)]));

  let body: BodyInit | undefined;
  let bodyLabel = "none";
  const canHaveBody = method !== "GET" && method !== "HEAD" ? true : rng.chance(0.05);
  if (canHaveBody && !rng.chance(0.08)) {
    const kind = rng.weighted([
      [30, "json"],
      [30, "form"],
      [10, "multipart"],
      [6, "json-garbage"],
      [5, "bytes"],
      [6, "empty"],
      [3, "huge"],
      [2, "deep"],
    ] as const);
    const boundary = "FuzzBoundary";
    let type: string | null;
    switch (kind) {
      case "json": body = JSON.stringify(jsonBody(rng, route.body)); type = "application/json"; break;
      case "form": body = urlEncoded(formFields(rng, route.body.startsWith("form") || route.body === "login" ? route.body : rng.pick(["form-control", "form-config", "login"] as const)), rng); type = "application/x-www-form-urlencoded"; break;
      case "multipart": body = multipart(formFields(rng, route.body.startsWith("form") || route.body === "login" ? route.body : "form-control"), rng, boundary); type = rng.pick([`multipart/form-data; boundary=${boundary}`, "multipart/form-data", "multipart/form-data; boundary=Nope"]); break;
      case "json-garbage": body = rng.pick(["{", "}", "[", "null", "[]", "\"x\"", "1", "{\"action\":", "{'action':'start'}", "\u0000", "{\"__proto__\":{\"x\":1}}", "{\"action\":\"start\"}garbage", " "]); type = "application/json"; break;
      case "bytes": body = rng.bytes(rng.int(1, 2000)); type = rng.chance(0.5) ? "application/json" : null; break;
      case "empty": body = ""; type = rng.pick(["application/json", "application/x-www-form-urlencoded", null]); break;
      case "huge": body = "a=" + "x".repeat(rng.int(60_000, 80_000)); type = rng.pick(["application/x-www-form-urlencoded", "application/json"]); break;
      case "deep": body = "[".repeat(5000) + "]".repeat(5000); type = "application/json"; break;
    }
    bodyLabel = kind;
    if (rng.chance(0.2)) type = rng.pick(CONTENT_TYPES);
    if (type !== null) headers.set("content-type", type);
    if (rng.chance(0.04)) headers.append("content-type", rng.pick(CONTENT_TYPES));
    if (rng.chance(0.04)) headers.set("content-length", rng.pick(["0", "5", "999999", "-1", "abc", "1e3"]));
    if (rng.chance(0.03)) headers.set("transfer-encoding", rng.pick(["chunked", "gzip", "identity"]));
  }
  const label = `#${index} [${target.kind}] ${method} ${url.slice(0, 200)} body=${bodyLabel} ct=${(headers.get("content-type") ?? "-").slice(0, 60)}`;
  return { target, method, url, headers, body, path: route.path, label };
}

function safeSet(headers: Headers, name: string, value: string): void {
  try {
    headers.set(name, value);
  } catch {
    headers.set(name, encodeURIComponent(value)); // a value a real client could not send either
  }
}

// ---- the run ------------------------------------------------------------

/** The JSON API routes that need a body. */
const JSON_BODY_ROUTES = new Set(["/api/trader/config", "/api/trader/mode", "/api/trader/control", "/api/trader/close-position"]);

function bodyText(body: BodyInit | undefined): string | null {
  if (body === undefined) return null;
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return new TextDecoder().decode(body);
  return null;
}

function isJsonType(type: string | null): boolean {
  return (type ?? "").split(";")[0]?.trim().toLowerCase() === "application/json";
}

function problemsWith(c: FuzzCase, status: number, text: string, before: Buffer, location: string | null): string[] {
  const problems: string[] = [];
  const ok = status >= 200 && status < 300;
  const sent = bodyText(c.body);
  const pathOnly = new URL(c.url).pathname;
  // The API's body rules (README: a body is JSON, and an object): a body sent as anything else never acts.
  if (ok && c.method === "POST" && JSON_BODY_ROUTES.has(pathOnly) && !isJsonType(c.headers.get("content-type"))) {
    problems.push(`${status} for a body sent as ${c.headers.get("content-type") ?? "no Content-Type"}`);
  }
  if (ok && c.method === "POST" && pathOnly === "/api/trader/close-all" && sent !== null && sent.length > 0) {
    let empty = false;
    try {
      const parsed: unknown = JSON.parse(sent);
      empty = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) && Object.keys(parsed).length === 0;
    } catch {}
    if (!empty || !isJsonType(c.headers.get("content-type"))) problems.push(`close-all acted (${status}) on the body ${JSON.stringify(sent.slice(0, 80))}`);
  }
  // Redirects stay on this site: a path, never //host, a scheme, a backslash or a control character.
  if (status >= 300 && status < 400 && location !== null) {
    if (!location.startsWith("/") || /^\/[\/\\]/.test(location) || /[\u0000-\u001f\u007f\\]/.test(location)) problems.push(`redirect off-site to ${JSON.stringify(location)}`);
  }
  const mutation = !SAFE_METHODS.has(c.method);
  if (!Number.isInteger(status) || status < 100 || status > 599) problems.push(`status ${status}`);
  if (status >= 500) {
    // A read-only web instance refuses every control, and the trader's own services (trade record,
    // backtests, notifications), with a 503 that says where they are.
    const documented = (status === 502 && EXCHANGE_CONTROLS.has(c.path)) || (status === 503 && c.target.kind === "readonly" && (mutation || TRADER_SERVICES.some((p) => c.path.startsWith(p))));
    if (!documented) problems.push(`undocumented ${status}: ${text.slice(0, 300)}`);
  }
  if (status >= 400 && status < 500 && c.method !== "HEAD") {
    if (text.trim() === "") problems.push(`${status} with an empty body`);
    if (/internal error/i.test(text)) problems.push(`${status} says "internal error": ${text.slice(0, 200)}`);
  }
  if ((status >= 400 && status < 500) || status === 503) {
    const after = readFileSync(c.target.configPath);
    if (!after.equals(before)) problems.push(`refused (${status}) but trader_config.json changed: ${before.toString()} → ${after.toString()}`);
  }
  return problems;
}

test(`fuzz: ${CASES} seeded requests over every route of the real app hold the HTTP contract`, async () => {
  const rng = new Rng(mulberry32(SEED));
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  const started = performance.now();
  for (let i = 0; i < CASES; i++) {
    const c = makeCase(rng, i);
    const before = readFileSync(c.target.configPath);
    const peer = rng.pick(PEERS);
    // What Bun.serve passes as the 2nd fetch argument: the peer address, and an upgrade that
    // refuses (the handshake never reaches a socket here).
    const env = { requestIP: () => ({ address: peer, family: peer.includes(":") ? "IPv6" : "IPv4", port: 40000 + i }), upgrade: () => false };
    let res: Response;
    try {
      // Through what Bun.serve calls (the hot reads' lane, then the app), as Hono's app.request builds the request.
      const url = /^https?:\/\//.test(c.url) ? c.url : `http://localhost${c.url.startsWith("/") ? "" : "/"}${c.url}`;
      // A server's request always has a Host (Bun refuses HTTP/1.1 without one): the URL's, unless the case sets its own.
      const headers = new Headers(c.headers);
      if (!headers.has("host")) headers.set("host", new URL(url).host);
      res = await c.target.created.fetch(new Request(url, { method: c.method, headers, body: c.body }), env as never);
    } catch (error) {
      failures.push(`${c.label}: the app threw ${String(error)}`);
      continue;
    }
    const text = await res.text();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    for (const problem of problemsWith(c, res.status, text, before, res.headers.get("location"))) failures.push(`${c.label}: ${problem}`);
    if (failures.length > 20) break;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`fuzz-routes: ${CASES} cases in ${seconds} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
  expect(failures).toEqual([]);
  // The run reached the interesting answers, not only 404s.
  for (const status of [200, 303, 400, 401, 403, 404, 413, 415, 422]) expect(statuses.get(status) ?? 0).toBeGreaterThan(0);
  // The hot reads' lane took part (it answers only open targets' plain GETs of its two paths).
  expect(targets.reduce((sum, t) => sum + t.created.hotReads.served, 0)).toBeGreaterThan(0);
  expect(targets.find((t) => t.kind === "auth")?.created.hotReads.served).toBe(0);
}, 120_000);

// ---- broken framing over TCP to the real Bun server -----------------------

function rawCase(rng: Rng, port: number): { bytes: string; label: string } {
  const host = `Host: 127.0.0.1:${port}\r\n`;
  const json = '{"action":"start"}';
  const form = "max_leverage=3";
  const choices: (() => string)[] = [
    () => `GET /health HTTP/1.0\r\n\r\n`,
    () => `GET ${rng.pick(["/", "/trader", "/api/trader/status", "/ws", "/static/app.css"])} HTTP/1.0\r\n\r\n`,
    () => `POST /api/trader/config HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
    () => `GET /health HTTP/1.1\r\nConnection: close\r\n\r\n`,
    () => `GET /health HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n`,
    () => `GET /health HTTP/1.1\r\nHost: [::1\r\nConnection: close\r\n\r\n`,
    () => `GET /health HTTP/2.0\r\n${host}\r\n`,
    () => `GET /health HTTP/1.1x\r\n${host}\r\n`,
    () => `GET http://127.0.0.1:${port}/health HTTP/1.1\r\n${host}Connection: close\r\n\r\n`,
    () => `GET http://evil.example/api/trader/status HTTP/1.1\r\n${host}Connection: close\r\n\r\n`,
    () => `GET\r\n\r\n`,
    () => `\r\n\r\n`,
    () => `GET / HTTP/1.1\r\n${host}Bad Header Line\r\nConnection: close\r\n\r\n`,
    () => `GET / HTTP/1.1\r\n${host}X-Folded: a\r\n b\r\nConnection: close\r\n\r\n`,
    () => `GET /${"a".repeat(rng.int(1000, 20000))} HTTP/1.1\r\n${host}Connection: close\r\n\r\n`,
    () => `GET / HTTP/1.1\r\n${host}X-Huge: ${"h".repeat(rng.int(10_000, 100_000))}\r\nConnection: close\r\n\r\n`,
    () => `POST /api/trader/config HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{"max_leverage":`,
    () => `POST /api/trader/config HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{"max_leverage":3}`,
    () => `POST /api/trader/config HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: abc\r\nConnection: close\r\n\r\n{}`,
    () => `POST /api/trader/config HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{} `,
    () => `POST /api/trader/config HTTP/1.1\r\n${host}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
    () => `POST /api/trader/config HTTP/1.1\r\n${host}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\n{"max\r\n`,
    () => `POST /trader/config HTTP/1.1\r\n${host}Content-Type: multipart/form-data; boundary=B\r\nContent-Length: ${form.length}\r\nConnection: close\r\n\r\n${form}`,
    () => `POST /trader/config HTTP/1.1\r\n${host}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 60\r\nConnection: close\r\n\r\n${form}`,
    () => `POST /api/trader/control HTTP/1.1\r\n${host}Content-Type: text/plain\r\nContent-Length: ${json.length}\r\nConnection: close\r\n\r\n${json}`,
    () => `POST /api/trader/close-all HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{x}`,
    () => `GET /ws HTTP/1.1\r\n${host}Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n`,
    () => `GET /ws HTTP/1.1\r\n${host}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    () => `GET / HTTP/1.1\r\n${host}Connection: close\r\n\r\n`.replace("\r\n", "\n"),
    () => `G\u0000T / HTTP/1.1\r\n${host}\r\n`,
    () => String.fromCharCode(...rng.bytes(rng.int(1, 300))),
  ];
  const index = rng.int(0, choices.length - 1);
  const bytes = (choices[index] as () => string)();
  return { bytes, label: `raw #${index}: ${JSON.stringify(bytes.slice(0, 120))}` };
}

test(`fuzz: ${RAW_CASES} requests with broken framing to the real Bun server get no 5xx and change nothing`, async () => {
  const target = await makeTarget("open");
  targets.push(target);
  const server = serveDashboard({ port: 0, host: "127.0.0.1" } as Settings, target.world.deps);
  served = { server, target };
  const rng = new Rng(mulberry32(SEED ^ 0xf4a3));
  const before = readFileSync(target.configPath);
  const failures: string[] = [];
  const cases = Array.from({ length: RAW_CASES }, () => rawCase(rng, server.port));
  // Ten at a time: each waits for the server to close, or 400 ms when it keeps the connection.
  for (let i = 0; i < cases.length; i += 10) {
    const batch = cases.slice(i, i + 10);
    const answers = await Promise.all(batch.map((c) => rawRequest(server.port, Buffer.from(c.bytes, "latin1"), 400)));
    answers.forEach((answer, k) => {
      const c = batch[k] as { label: string };
      // Bun's own HTTP parser answers malformed framing before the app sees it (a bodiless 400,
      // 505 for a request line it cannot read, 431 for huge headers); the app's answers carry
      // its security headers. The app must never answer 5xx here; Bun's parser only these.
      const fromApp = /\r\nx-content-type-options: nosniff\r\n/i.test(answer.text);
      if (fromApp ? answer.status >= 500 : answer.status !== 0 && ![400, 413, 431, 505].includes(answer.status)) {
        failures.push(`${c.label}: ${answer.status} from ${fromApp ? "the app" : "Bun"} ${answer.text.slice(0, 300)}`);
      }
    });
  }
  expect(failures).toEqual([]);
  // Nothing reached the config (every POST above is refused or cut off), and the server still serves.
  expect(readFileSync(target.configPath).equals(before)).toBe(true);
  const health = await rawRequest(server.port, `GET /health HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`);
  expect(health.status).toBe(200);
}, 60_000);
