/**
 * kill -9 of the real server (its own process, bench/soak-server.ts) while it
 * trades in dry-run with positions open and a cycle every 250 ms, restarted
 * each time on the same data dir and config. Two kills fall at random
 * moments (fixed seed); three more are placed by test/reliability/kill9-at-log.preload.ts
 * exactly between the paper exchange's change and the trader's record of it:
 * after an opening fill, after a close the trader ordered, and after an
 * exchange-side stop fired between cycles. The last kill, at a random moment
 * again, follows an emergency stop. About 10–15 s on an idle 2-CPU machine
 * (seven server starts at ~1 CPU-second each); 80 s at load average 25 on 2 CPUs,
 * hence the 120 s limit.
 *
 * After every kill, with the server dead, from the files as the kill left them:
 * - trader.db passes PRAGMA integrity_check; every trade has a client_id and
 *   none is there twice; no symbol has two open trades; each trade has exactly
 *   one "open" log entry, and one "close" entry once it is closed;
 * - every trade in the record is an opening order of the paper exchange
 *   (same client_id, symbol, side, size, price), every closed one a closed paper
 *   position (same prices, same P&L), and every paper position of an order the
 *   record knows is open in the record and vice versa — except the changes the
 *   kill cut off: at most ONE fill without its trade (opens are recorded right
 *   after the fill, one at a time), and closes without their record provided the
 *   paper history holds them;
 * - trader_config.json, the lockfile and ON/OFF in trader_state.json are what
 *   the owner left.
 * After every restart, through /api/trader/status and /api/trader/logs: the
 * same config, ON/OFF and lock; "Restored ON after restart" when it was ON;
 * every close the kill cut off is in the record (reconciled from the paper
 * exchange's history); and a fill the kill cut off is recorded with its order's
 * client_id (from the opening note in trader_state.json), so its close is not
 * "untracked".
 *
 * Nothing is timed: each wait is a bounded poll for a state, and the test
 * asserts on states. What the placed kills find is printed (`kill9:` lines).
 */
import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { apiClient, startDryRunTrading, startTraderProcess, type TraderProcess } from "../../bench/soak-server.ts";
import { waitFor } from "../helpers/wait.ts";
import { makeTempDir, removeTempDirs } from "../util/temp-dir.ts";

const SEED = 0x6b696c6c;
const PRELOAD = join(import.meta.dir, "kill9-at-log.preload.ts");
const SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT", "ADAUSDT", "AVAXUSDT", "LINKUSDT", "DOTUSDT", "LTCUSDT", "BCHUSDT", "UNIUSDT"];
// Sim time runs 10× faster than with the default tick, so prices reach the stops within seconds.
const ENV = { CYCLE_INTERVAL_MS: "250", SIM_TICK_MS: "100", SYMBOLS: SYMBOLS.join(",") };
/**
 * Trades at once and keeps a few positions open. A coin opens at most once per
 * minute and side (its client_id names the minute), so the first rounds trade
 * only half the coins: the other half is fresh when a round needs a new fill.
 */
const CONFIG = {
  long_threshold: 0,
  short_threshold: 0,
  max_positions: 4,
  position_size_pct: 2,
  max_leverage: 10,
  tp_pct: 10,
  sl_pct: 10,
  coin_whitelist: SYMBOLS.slice(0, 6),
  reentry_cooldown_minutes: 0,
  scan_interval_minutes: 1,
  kill_switch_drawdown_pct: 90,
};

interface TradeRow {
  id: number;
  symbol: string;
  side: "long" | "short";
  size: number;
  entry_price: number;
  exit_price: number | null;
  pnl: number | null;
  closed_at: number | null;
  client_id: string | null;
  exchange: string;
}
interface PaperPosition { symbol: string; side: "long" | "short"; size: number; entry_price: number }
interface PaperClosed extends PaperPosition { exit_price: number; realized_pnl: number; kind: string }
interface PaperOrder { client_id: string; symbol: string; side: "buy" | "sell"; amount: number; price: number; close?: unknown }
interface PaperAccount { positions: PaperPosition[]; closed: PaperClosed[]; orders: PaperOrder[] }

/** What the owner last left, as the server acknowledged it. */
interface Left {
  config: Record<string, unknown>;
  running: boolean;
  lockSource: string | null;
}

/** What one kill cut off between the paper exchange and the record. */
interface Cut {
  filledNotRecorded: PaperPosition[];
  closedNotRecorded: TradeRow[];
}

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

const samePosition = (a: PaperPosition, b: { symbol: string; side: string; size: number; entry_price: number }) =>
  a.symbol === b.symbol && a.side === b.side && a.size === b.size && a.entry_price === b.entry_price;
const describe = (p: PaperPosition) => `${p.side} ${p.symbol} ${p.size} @ ${p.entry_price}`;

function readJson(path: string): any {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** The owner's files: config, ON/OFF, lockfile. */
function expectFilesAsLeft(dir: string, left: Left, when: string): void {
  const data = join(dir, "data");
  expect({ when, config: readJson(join(dir, "trader_config.json")) }).toEqual({ when, config: left.config });
  expect({ when, running: readJson(join(data, "trader_state.json")).running }).toEqual({ when, running: left.running });
  const lockPath = join(data, "live-trader-lock.json");
  expect({ when, lock: existsSync(lockPath) ? readJson(lockPath).source : null }).toEqual({ when, lock: left.lockSource });
}

/** The checks on the files as the kill left them (server dead). */
function checkAfterKill(dir: string, left: Left, orphans: PaperPosition[], when: string): Cut {
  const data = join(dir, "data");
  const db = new Database(join(data, "trader.db"), { readonly: true });
  let trades: TradeRow[];
  try {
    expect({ when, integrity: db.query("PRAGMA integrity_check").all() }).toEqual({ when, integrity: [{ integrity_check: "ok" }] });
    trades = db.query<TradeRow, []>("SELECT * FROM trades ORDER BY id").all();
    // Each trade's open (and close) is logged once, in the same transaction as the trade row.
    const events = db
      .query<{ trade_id: number; event: string; n: number }, []>(
        `SELECT json_extract(data, '$.trade_id') AS trade_id, json_extract(data, '$.event') AS event, COUNT(*) AS n
         FROM activity_log WHERE kind = 'trade' AND json_extract(data, '$.event') IN ('open', 'close') GROUP BY 1, 2`,
      )
      .all();
    const logged = (id: number, event: string) => events.find((e) => e.trade_id === id && e.event === event)?.n ?? 0;
    const badLogs = trades.filter((t) => logged(t.id, "open") !== 1 || logged(t.id, "close") !== (t.closed_at === null ? 0 : 1)).map((t) => t.id);
    expect({ when, tradesWithoutExactlyTheirLogEntries: badLogs }).toEqual({ when, tradesWithoutExactlyTheirLogEntries: [] });
  } finally {
    db.close();
  }
  const paper = readJson(join(data, "paper_account.json")) as PaperAccount;

  // No duplicates, on either side.
  const clientIds = trades.map((t) => t.client_id);
  expect({ when, withoutClientId: clientIds.filter((c) => c === null).length }).toEqual({ when, withoutClientId: 0 });
  expect({ when, duplicateClientIds: clientIds.filter((c, i) => clientIds.indexOf(c) !== i) }).toEqual({ when, duplicateClientIds: [] });
  const open = trades.filter((t) => t.closed_at === null);
  const openKeys = open.map((t) => `${t.exchange}/${t.symbol}`);
  expect({ when, symbolsOpenTwice: openKeys.filter((k, i) => openKeys.indexOf(k) !== i) }).toEqual({ when, symbolsOpenTwice: [] });
  const paperSymbols = paper.positions.map((p) => p.symbol);
  expect({ when, paperSymbolsTwice: paperSymbols.filter((s, i) => paperSymbols.indexOf(s) !== i) }).toEqual({ when, paperSymbolsTwice: [] });
  const orderIds = paper.orders.map((o) => o.client_id);
  expect({ when, paperOrdersTwice: orderIds.filter((c, i) => orderIds.indexOf(c) !== i) }).toEqual({ when, paperOrdersTwice: [] });

  // Every recorded trade is a fill of the paper exchange, and every recorded close a close of it.
  const notFilled = trades.filter((t) => {
    const order = paper.orders.find((o) => o.client_id === t.client_id && o.close === undefined);
    return !order || order.symbol !== t.symbol || (order.side === "buy" ? "long" : "short") !== t.side || order.amount !== t.size || order.price !== t.entry_price;
  });
  expect({ when, recordedButNotFilled: notFilled }).toEqual({ when, recordedButNotFilled: [] });
  const closedElsewise = trades.filter((t) => {
    if (t.closed_at === null) return false;
    const match = paper.closed.find((c) => samePosition(c, t) && c.exit_price === t.exit_price);
    return !match || Math.abs(match.realized_pnl - (t.pnl as number)) > 1e-6;
  });
  expect({ when, closedDifferently: closedElsewise }).toEqual({ when, closedDifferently: [] });

  // Open positions: the record against the exchange, except what the kill cut off.
  const isOrphan = (p: PaperPosition) => orphans.some((o) => samePosition(o, p));
  const filledNotRecorded = paper.positions.filter((p) => !isOrphan(p) && !open.some((t) => t.exchange === "paper" && samePosition(p, t)));
  const closedNotRecorded = open.filter((t) => !paper.positions.some((p) => samePosition(p, t)));
  expect({ when, fillsWithoutTheirTrade: filledNotRecorded.length <= 1 ? "at most one" : filledNotRecorded.map(describe) }).toEqual({ when, fillsWithoutTheirTrade: "at most one" });
  const unreconcilable = closedNotRecorded.filter((t) => !paper.closed.some((c) => samePosition(c, t)));
  expect({ when, closedOnNoRecord: unreconcilable }).toEqual({ when, closedOnNoRecord: [] });
  // Closed paper positions without a trade can only be fills the record never had.
  const known = [...orphans, ...filledNotRecorded];
  const strayCloses = paper.closed.filter((c) => !trades.some((t) => samePosition(c, t)) && !known.some((o) => samePosition(o, c)));
  expect({ when, closedButNeverRecordedOrCut: strayCloses }).toEqual({ when, closedButNeverRecordedOrCut: [] });

  expectFilesAsLeft(dir, left, when);
  return { filledNotRecorded, closedNotRecorded };
}

/** After a restart: the owner's choices, the restore log line, and the cut-off closes reconciled. */
async function checkAfterRestart(server: TraderProcess, dir: string, left: Left, cut: Cut, startedAt: number, when: string): Promise<string[]> {
  const api = apiClient(server.url);
  const status = (await api.get("/api/trader/status")).body;
  expect({ when, running: status.running, config: status.config, lock: status.lock?.source ?? null }).toEqual({
    when,
    running: left.running,
    config: left.config,
    lock: left.lockSource,
  });
  if (left.running) {
    const control = (await api.get("/api/trader/logs?kind=control&limit=50")).body.entries as { at: number; data: any }[];
    expect({ when, restored: control.some((e) => e.data?.action === "restore" && e.at >= startedAt) }).toEqual({ when, restored: true });
  }
  const healed: string[] = [];
  for (const trade of cut.closedNotRecorded) {
    const entry = await waitFor(`${when}: the record closes trade ${trade.id} (${trade.symbol}) from the exchange's history`, async () => {
      const entries = (await api.get("/api/trader/logs?kind=trade&limit=1000")).body.entries as { message: string; data: any }[];
      return entries.find((e) => e.data?.event === "close" && e.data?.trade_id === trade.id) ?? null;
    }, 10_000, 50);
    healed.push(`${when}: after the restart the record closed trade ${trade.id}: "${entry?.message}"`);
  }
  expectFilesAsLeft(dir, left, `${when}, after the restart`);
  return healed;
}

let server: TraderProcess | null = null;

afterAll(async () => {
  await server?.stop();
  removeTempDirs();
});

test("kill -9 while trading: the record, the paper exchange and the owner's files stay consistent", async () => {
  const random = mulberry32(SEED);
  const dir = makeTempDir("kill9-positions");
  const arm = join(dir, "arm");
  const marker = join(dir, "marker");
  const findings: string[] = [];
  const orphans: PaperPosition[] = [];
  let kills = 0;

  const start = async (pattern = "^$", env: Record<string, string> = {}) => {
    rmSync(arm, { force: true });
    rmSync(marker, { force: true });
    return startTraderProcess({
      dir,
      lifetimeS: 120,
      env: { ...ENV, ...env, KILL9_AT_LOG: pattern, KILL9_ARM: arm, KILL9_MARKER: marker },
      preload: PRELOAD,
      logLevel: "info",
    });
  };
  const status = async () => (await apiClient(server!.url).get("/api/trader/status")).body;
  const openPositions = async (n = 1) => waitFor(`${n} open position(s)`, async () => ((await status()).positions.length >= n ? true : null), 15_000, 25);

  /** Kill, check the files, restart (with `next` options), check the restarted server. */
  const afterKill = async (left: Left, label: string, nextPattern?: string, nextEnv?: Record<string, string>) => {
    kills++;
    const cut = checkAfterKill(dir, left, orphans, label);
    for (const p of cut.filledNotRecorded) {
      orphans.push(p);
      findings.push(`${label}: paper position ${describe(p)} was filled and has no trade in the record`);
    }
    for (const t of cut.closedNotRecorded) findings.push(`${label}: trade ${t.id} (${t.side} ${t.symbol}) was closed on the paper exchange and not yet in the record`);
    const leftovers = [dir, join(dir, "data")].flatMap((d) => readdirSync(d).filter((name) => name.endsWith(".tmp")));
    if (leftovers.length > 0) findings.push(`${label}: temp files left behind: ${leftovers.join(", ")}`);
    const startedAt = Date.now();
    server = await start(nextPattern, nextEnv);
    findings.push(...(await checkAfterRestart(server, dir, left, cut, startedAt, label)));
    return cut;
  };
  const killAtRandom = async () => {
    await Bun.sleep(30 + Math.floor(random() * 1000));
    await server!.kill9();
  };
  /** Arms the preload and waits for the server to kill itself at the matching log line. */
  const armedKill = async (provoke: () => Promise<unknown>) => {
    writeFileSync(arm, "");
    await provoke().catch(() => undefined); // the request may be the one the kill cuts off
    await waitFor("the server to SIGKILL itself at the armed log line", () => !server!.alive(), 20_000, 25);
    await server!.exited;
    return readFileSync(marker, "utf8");
  };

  server = await start();
  const api = () => apiClient(server!.url);
  const left: Left = { config: await startDryRunTrading(server.url, CONFIG), running: true, lockSource: null };

  // 1–2: random moments, with the owner changing the config and turning the trader OFF in between.
  await openPositions(2);
  await killAtRandom();
  await afterKill(left, "random kill 1");

  const changed = await api().post("/api/trader/config", { max_positions: 5, tp_pct: 8 });
  expect(changed.status).toBe(200);
  left.config = changed.body;
  await openPositions(2);
  expect((await api().post("/api/trader/control", { action: "stop" })).body.ok).toBe(true);
  left.running = false;
  await killAtRandom();
  await afterKill(left, "random kill 2 (left OFF)", "paper order filled");

  // 3: right after an opening fill reached the paper account, before the trade is recorded.
  expect((await api().post("/api/trader/control", { action: "start" })).body.ok).toBe(true);
  left.running = true;
  await openPositions(1);
  const roomier = await api().post("/api/trader/config", { max_positions: 6, coin_whitelist: [] });
  expect(roomier.status).toBe(200);
  left.config = roomier.body;
  const filledLine = await armedKill(async () => undefined);
  const filledSymbol = /"symbol":"([A-Z0-9]+)"/.exec(filledLine)?.[1];
  const openCut = await afterKill(left, "kill after an opening fill", "paper position closed");
  expect(openCut.filledNotRecorded.map((p) => p.symbol)).toEqual([filledSymbol as string]);
  // The note trader_state.json held before the order went out lets the restarted server record the fill
  // with the order's own client_id (src/trader/opening-intents.ts), before it answers.
  const fill = openCut.filledNotRecorded[0]!;
  const paperOrder = (readJson(join(dir, "data", "paper_account.json")) as PaperAccount).orders.find(
    (o) => o.close === undefined && o.symbol === fill.symbol && (o.side === "buy" ? "long" : "short") === fill.side && o.amount === fill.size && o.price === fill.entry_price,
  );
  expect(paperOrder).toBeDefined();
  const tradeLog = (await api().get("/api/trader/logs?kind=trade&limit=1000")).body.entries as { message: string; data: any }[];
  const adopted = tradeLog.find((e) => e.data?.event === "open" && e.data?.client_id === paperOrder?.client_id);
  expect({ adopted: adopted?.message ?? null }).toEqual({ adopted: expect.stringContaining("recorded from the exchange's position") });
  findings.push(`kill after an opening fill: after the restart the record holds ${filledSymbol} with the order's client_id: "${adopted?.message}"`);
  // Its close lands on that trade, with its P&L, like any other (unless a stop closed it first: then reconciliation does).
  const closedByOwner = await api().post("/api/trader/close-position", { symbol: filledSymbol });
  const trail = (await api().get("/api/trader/logs?kind=trade&limit=1000")).body.entries as { message: string; data: any }[];
  expect(trail.some((e) => e.data?.symbol === filledSymbol && e.data?.untracked === true)).toBe(false);
  findings.push(`kill after an opening fill: close-position answered ${closedByOwner.status}; no untracked close`);

  // 4: right after a close the trader ordered (the owner's Close), before the record has it.
  await openPositions(1);
  const recorded = (await status()).positions.filter((p: { symbol: string }) => !orphans.some((o) => o.symbol === p.symbol)) as { symbol: string }[];
  const ownersClose = recorded[0]?.symbol ?? "BTCUSDT";
  await armedKill(() => api().post("/api/trader/close-position", { symbol: ownersClose }));
  const closeCut = await afterKill(left, "kill after a close", "paper (take-profit|stop-loss|liquidation)", { CYCLE_INTERVAL_MS: "60000" });
  expect(closeCut.closedNotRecorded.length).toBeGreaterThanOrEqual(1);
  // Recorded at the restart with the owner's reason, noted before the close order went out (src/trader/closing.ts).
  const afterClose = (await api().get("/api/trader/logs?kind=trade&limit=1000")).body.entries as { message: string; data: any }[];
  const ownersLine = afterClose.find((e) => e.data?.event === "close" && e.message.includes(` ${ownersClose} `));
  expect({ recorded: ownersLine?.message ?? null }).toEqual({ recorded: expect.stringContaining("(closed by owner (api))") });

  // 5: right after an exchange-side stop fired between cycles (cycles are a minute apart here).
  await openPositions(1);
  const stopLine = await armedKill(async () => undefined);
  const stopCut = await afterKill(left, "kill after an exchange-side stop");
  expect(stopCut.closedNotRecorded.map((t) => t.symbol)).toContain(/"symbol":"([A-Z0-9]+)"/.exec(stopLine)?.[1] as string);

  // 6: the owner's emergency stop, then a kill: everything closed, OFF, paused, locked — and so after the restart.
  await openPositions(1);
  const emergency = await api().post("/api/trader/control", { action: "emergency-stop" });
  expect({ status: emergency.status, ok: emergency.body.ok }).toEqual({ status: 200, ok: true });
  left.running = false;
  left.lockSource = "emergency_stop";
  left.config = (await status()).config;
  expect(left.config.mode).toBe("paused");
  await killAtRandom();
  const lastCut = await afterKill(left, "kill after an emergency stop");
  expect(lastCut).toEqual({ filledNotRecorded: [], closedNotRecorded: [] });
  const after = await status();
  expect({ positions: after.positions, running: after.running, mode: after.mode }).toEqual({ positions: [], running: false, mode: "paused" });

  expect(kills).toBe(6);
  for (const line of findings) console.log(`kill9: ${line}`);
}, 120_000);
