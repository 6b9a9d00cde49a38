import { describe, expect, test } from "bun:test";
import { freshCycleMemory, runCycle } from "../../src/trader/cycle.ts";
import { coin, HARNESS_NOW, makePorts, position, ScriptedExchange } from "../helpers/trader-fakes.ts";

const hot = [coin("BTCUSDT", 90, 10), coin("ETHUSDT", 80, 10), coin("SOLUSDT", 10, 85), coin("XRPUSDT", 70, 5), coin("ADAUSDT", 20, 20)];

describe("trading cycle rules", () => {
  test("paused returns before any exchange call", async () => {
    const exchange = new ScriptedExchange();
    const h = makePorts(exchange, { mode: "paused" }, hot);
    const summary = await runCycle(h.ports, freshCycleMemory());
    expect(exchange.calls).toEqual([]);
    expect(summary.skipped).toBe("mode is paused");
    expect(h.journal.of("cycle")).toEqual(["Cycle skipped: mode is paused"]);
  });

  test("dry-run opens the strongest signals up to max_positions, long and short (ties by symbol)", async () => {
    // Margins over threshold: BTC +45, ETH +35, SOL short +35, XRP +25.
    const exchange = new ScriptedExchange();
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 3 }, hot);
    const summary = await runCycle(h.ports, freshCycleMemory());
    expect(exchange.orders.map((o) => `${o.side} ${o.symbol}`)).toEqual(["buy BTCUSDT", "buy ETHUSDT", "sell SOLUSDT"]);
    expect(summary.actions).toHaveLength(3);
    const notActed = h.journal.of("signal").filter((m) => m.includes("not acted"));
    expect(notActed).toEqual(["1 signal not acted — max positions reached (3): long XRPUSDT 70"]);
    expect(h.journal.opened).toHaveLength(3);
  });

  test("size is position_size_pct of equity (margin + fee) at min(max_leverage, market max)", async () => {
    const exchange = new ScriptedExchange();
    exchange.prices.BTCUSDT = 50_000;
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 1, position_size_pct: 5, max_leverage: 50 }, [coin("BTCUSDT", 90, 0)]);
    await runCycle(h.ports, freshCycleMemory());
    // Budget 500 at 20× (market max < 50): notional 500 / (1/20 + 0.0005) = 9900.99 → 0.198 BTC (3 decimals, down).
    expect(exchange.orders[0]).toMatchObject({ symbol: "BTCUSDT", side: "buy", amount: 0.198, leverage: 20 });
  });

  test("whitelist and blacklist filter signals", async () => {
    const exchange = new ScriptedExchange();
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 5, coin_whitelist: ["BTCUSDT", "SOLUSDT"], coin_blacklist: ["SOLUSDT"] }, hot);
    await runCycle(h.ports, freshCycleMemory());
    expect(exchange.orders.map((o) => o.symbol)).toEqual(["BTCUSDT"]);
    const log = h.journal.of("signal").join("\n");
    expect(log).toContain("SOLUSDT 85 (threshold 50): not acted — blacklisted");
    expect(log).toContain("ETHUSDT 80 (threshold 45): not acted — not on the whitelist");
  });

  test("a lockfile blocks new orders but the cycle still reads the account", async () => {
    const exchange = new ScriptedExchange();
    const h = makePorts(exchange, { mode: "dry-run" }, hot);
    h.lock.value = { reason: "emergency stop (page)", at: "2026-11-21T12:00:00.000Z", source: "emergency_stop" };
    await runCycle(h.ports, freshCycleMemory());
    expect(exchange.calls).toContain("getBalance");
    expect(exchange.calls).toContain("getPositions");
    expect(exchange.calls).not.toContain("placeMarketOrder");
    expect(exchange.calls).not.toContain("setLeverage");
    expect(h.journal.snapshots).toHaveLength(1);
    expect(h.journal.of("signal").every((m) => m.includes("lockfile set (emergency stop (page))"))).toBe(true);
  });

  test("a retried cycle in the same scan slot never doubles a position", async () => {
    const exchange = new ScriptedExchange();
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 1 }, [coin("BTCUSDT", 90, 0)]);
    await runCycle(h.ports, freshCycleMemory());
    // The position disappears (closed elsewhere) but the same decision comes back in the same slot.
    exchange.positions = [];
    await runCycle(h.ports, freshCycleMemory());
    expect(exchange.orders).toHaveLength(1);
    expect(h.journal.of("signal").at(-1)).toContain("decision already executed");
  });

  test("an existing position in the symbol is not opened again", async () => {
    const exchange = new ScriptedExchange();
    const h = makePorts(exchange, { mode: "dry-run" }, [coin("BTCUSDT", 90, 0)], () => 1_700_000_000_000);
    await runCycle(h.ports, freshCycleMemory());
    const later = makePorts(exchange, { mode: "dry-run" }, [coin("BTCUSDT", 90, 0)], () => 1_700_000_000_000 + 3_600_000);
    await runCycle(later.ports, freshCycleMemory());
    expect(exchange.orders).toHaveLength(1);
    expect(later.journal.of("signal")[0]).toContain("a position is already open");
  });

  test("kill switch: drawdown at the threshold closes all, locks and pauses", async () => {
    const exchange = new ScriptedExchange();
    exchange.positions = [position("BTCUSDT", "long", { size: 1, entry_price: 100, current_price: 40, unrealized_pnl: -60, margin: 10, leverage: 10 })];
    exchange.balance = { equity: 5000, available: 4990, margin: 10, unrealized_pnl: -60 };
    const h = makePorts(exchange, { mode: "dry-run", kill_switch_drawdown_pct: 50 }, hot);
    const summary = await runCycle(h.ports, freshCycleMemory());
    expect(exchange.positions).toEqual([]);
    expect(exchange.orders).toEqual([]);
    expect(h.lock.value?.source).toBe("kill_switch");
    expect(h.lock.value?.reason).toContain("50.00 % below the baseline 10,000.00");
    expect(h.paused).toHaveLength(1);
    expect(summary.skipped).toContain("kill switch");
  });

  test("kill switch does not trip just below the threshold", async () => {
    const exchange = new ScriptedExchange();
    exchange.balance = { equity: 5001, available: 5001, margin: 0, unrealized_pnl: 0 };
    const h = makePorts(exchange, { mode: "dry-run", kill_switch_drawdown_pct: 50, max_positions: 0 }, hot);
    await runCycle(h.ports, freshCycleMemory());
    expect(h.lock.value).toBeNull();
    expect(h.paused).toEqual([]);
  });

  test("take profit and stop loss use P&L % of margin", async () => {
    const exchange = new ScriptedExchange();
    exchange.positions = [
      position("BTCUSDT", "long", { size: 1, entry_price: 100, current_price: 102, unrealized_pnl: 20, margin: 100, leverage: 1 }),
      position("ETHUSDT", "short", { size: 1, entry_price: 100, current_price: 101, unrealized_pnl: -9.99, margin: 100, leverage: 1 }),
      position("SOLUSDT", "short", { size: 1, entry_price: 100, current_price: 110, unrealized_pnl: -10, margin: 100, leverage: 1 }),
    ];
    const h = makePorts(exchange, { mode: "dry-run", tp_pct: 20, sl_pct: 10, max_positions: 0 }, []);
    await runCycle(h.ports, freshCycleMemory());
    expect(exchange.positions.map((p) => p.symbol)).toEqual(["ETHUSDT"]);
    expect(h.events.filter((e) => e.type === "tp_hit").map((e) => e.symbol)).toEqual(["BTCUSDT"]);
    expect(h.events.filter((e) => e.type === "sl_hit").map((e) => e.symbol)).toEqual(["SOLUSDT"]);
  });

  test("circuit breaker trips after N consecutive exchange failures and writes the lock", async () => {
    const exchange = new ScriptedExchange();
    const breaker = freshCycleMemory();
    const h = makePorts(exchange, { mode: "dry-run", circuit_breaker_threshold: 3 }, hot);
    exchange.failNext = 100;
    await runCycle(h.ports, breaker);
    await runCycle(h.ports, breaker);
    expect(h.lock.value).toBeNull();
    const third = await runCycle(h.ports, breaker);
    expect(h.lock.value).toMatchObject({ source: "circuit_breaker", count: 3 });
    expect(h.lock.value?.reason).toContain("3 consecutive failed exchange reads");
    expect(third.skipped).toContain("circuit breaker");
    expect(h.events.some((e) => e.type === "circuit_breaker")).toBe(true);
    expect(exchange.orders).toEqual([]);
  });

  test("a success resets the failure count", async () => {
    const exchange = new ScriptedExchange();
    const breaker = freshCycleMemory();
    const h = makePorts(exchange, { mode: "dry-run", circuit_breaker_threshold: 2, max_positions: 0 }, []);
    exchange.failNext = 1;
    await runCycle(h.ports, breaker);
    await runCycle(h.ports, breaker); // succeeds
    exchange.failNext = 1;
    await runCycle(h.ports, breaker);
    expect(h.lock.value).toBeNull();
  });

  test("refused mode runs no exchange call and logs why", async () => {
    const exchange = new ScriptedExchange();
    const h = makePorts(exchange, { mode: "live" }, hot);
    h.ports.exchangeFor = () => ({ refused: "the market source is sim (not real prices)" });
    await runCycle(h.ports, freshCycleMemory());
    expect(exchange.calls).toEqual([]);
    expect(h.journal.of("error")[0]).toContain("live refused: the market source is sim");
  });
});

describe("standby", () => {
  test("a standby process (no trader lease) makes no exchange call", async () => {
    const exchange = new ScriptedExchange();
    const h = makePorts(exchange, { mode: "dry-run" }, hot);
    h.ports.standby = () => "another trader process holds lease:trader:paper";
    const summary = await runCycle(h.ports, freshCycleMemory());
    expect(exchange.calls).toEqual([]);
    expect(summary.skipped).toBe("standby: another trader process holds lease:trader:paper");
  });

  test("opening blocked (Redis unreachable): TP/SL still close, but nothing new opens", async () => {
    const exchange = new ScriptedExchange();
    exchange.positions = [
      position("XRPUSDT", "long", { size: 1, entry_price: 100, current_price: 125, unrealized_pnl: 25, margin: 100, leverage: 1 }),
    ];
    const h = makePorts(exchange, { mode: "dry-run", tp_pct: 20, max_positions: 3 }, hot);
    h.ports.openingBlocked = () => "Redis unreachable";
    const summary = await runCycle(h.ports, freshCycleMemory());
    expect(h.events.filter((e) => e.type === "tp_hit").map((e) => e.symbol)).toEqual(["XRPUSDT"]);
    expect(exchange.positions).toEqual([]);
    expect(exchange.calls).not.toContain("placeMarketOrder");
    expect(h.journal.opened).toEqual([]);
    expect(summary.skipped).toBe("no new positions: Redis unreachable");
  });

  test("the same cycle with opening allowed does open (the block above is what stopped it)", async () => {
    const exchange = new ScriptedExchange();
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 3 }, hot);
    h.ports.openingBlocked = () => null;
    await runCycle(h.ports, freshCycleMemory());
    expect(h.journal.opened).toHaveLength(3);
  });
});

describe("signal log lines add up (issue 12, item 2)", () => {
  test("with the TA bonus display-only a signal reads 58 (+20 TA, not used), with it counted 58 + 20 = 78", async () => {
    const notCounted = { ...coin("DOGEUSDT", 58, 0), long: { base: 58, bonus: 20, total: 58 } };
    const counted = { ...coin("ADAUSDT", 58, 0), long: { base: 58, bonus: 20, total: 78 } };
    const exchange = new ScriptedExchange();
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 5, coin_blacklist: ["DOGEUSDT", "ADAUSDT"] }, [notCounted, counted]);
    await runCycle(h.ports, freshCycleMemory());
    const log = h.journal.of("signal").join("\n");
    expect(log).toContain("long DOGEUSDT 58 (+20 TA, not used) (threshold 45): not acted — blacklisted");
    expect(log).toContain("long ADAUSDT 58 + 20 = 78 (threshold 45): not acted — blacklisted");
    expect(log).not.toContain("58 + 20 = 58");
  });
});

describe("max positions reached: one signal line per cycle (issue 12, item 8)", () => {
  test("29 signals crowded out by max_positions give ONE line naming every coin with its score, not 29 lines", async () => {
    const symbols = ["BTC", "ETH", "SOL", "XRP", "DOGE", "ADA", "AVAX", "LINK", "DOT", "LTC", "BCH", "UNI", "XLM", "ALGO", "FIL", "NEAR", "AAVE", "ATOM", "APT", "ARB", "OP", "SUI", "INJ", "TIA", "SEI", "HBAR", "ETC", "TRX", "ICP"].map((s) => `${s}USDT`);
    expect(symbols).toHaveLength(29);
    // Every coin signals long; DOGE's TA bonus is display-only (total = base), so it must read "(+20 TA, not used)".
    const coins = symbols.map((symbol, i) => (symbol === "DOGEUSDT" ? { ...coin(symbol, 60, 0), long: { base: 60, bonus: 20, total: 60 } } : coin(symbol, 50 + i, 0)));
    const exchange = new ScriptedExchange();
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 0 }, coins);
    await runCycle(h.ports, freshCycleMemory());
    const lines = h.journal.entries.filter((e) => e.kind === "signal" && e.message.includes("max positions reached"));
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line.message).toStartWith("29 signals not acted — max positions reached (0): ");
    for (const symbol of symbols) expect(line.message).toContain(symbol);
    expect(line.message).toContain("long DOGEUSDT 60 (+20 TA, not used)");
    // Strongest first, as they were considered.
    expect(line.message.indexOf("ICPUSDT 78")).toBeLessThan(line.message.indexOf("BTCUSDT 50"));
    const data = line.data as { acted: boolean; skip_reason: string; coins: { symbol: string; direction: string; score: number; base: number; bonus: number; threshold: number; price: number }[] };
    expect(data.acted).toBe(false);
    expect(data.skip_reason).toBe("max positions reached (0)");
    expect(data.coins).toHaveLength(29);
    expect(data.coins.find((c) => c.symbol === "DOGEUSDT")).toEqual({ symbol: "DOGEUSDT", direction: "long", score: 60, base: 60, bonus: 20, threshold: 45, price: 100 });
    expect(h.journal.entries.filter((e) => e.kind === "signal")).toHaveLength(1);
  });
});

describe("a cycle's signal lines are written together", () => {
  test("the not-acted lines go out in one commit before the next order, in the order they were decided", async () => {
    // BTC and XRP are blacklisted, ETH is held, SOL (short) and ADA open: the lines before SOL's order are one commit.
    const exchange = new ScriptedExchange();
    exchange.positions = [position("ETHUSDT", "long")];
    const coins = [coin("BTCUSDT", 95, 0), coin("XRPUSDT", 92, 0), coin("ETHUSDT", 90, 0), coin("SOLUSDT", 0, 85), coin("ADAUSDT", 70, 0), coin("DOTUSDT", 60, 0)];
    const h = makePorts(exchange, { mode: "dry-run", max_positions: 5, coin_blacklist: ["BTCUSDT", "XRPUSDT", "DOTUSDT"] }, coins);
    await runCycle(h.ports, freshCycleMemory());
    expect(exchange.orders.map((o) => o.symbol)).toEqual(["SOLUSDT", "ADAUSDT"]);
    const commits = h.journal.commits.map((lines) => lines.map((line) => /Signal \w+ (\w+)/.exec(line)?.[1]));
    expect(commits).toEqual([["BTCUSDT", "XRPUSDT", "ETHUSDT"], ["DOTUSDT"]]);
    // Written before the order they preceded: the log reads in decision order.
    const order = h.journal.entries.filter((e) => e.kind === "signal" || e.kind === "trade").map((e) => e.message.replace(/^(Signal \w+ \w+|Opened \w+ \w+).*$/, "$1"));
    expect(order).toEqual(["Signal long BTCUSDT", "Signal long XRPUSDT", "Signal long ETHUSDT", "Opened short SOLUSDT", "Signal short SOLUSDT", "Opened long ADAUSDT", "Signal long ADAUSDT", "Signal long DOTUSDT"]);
  });
});
