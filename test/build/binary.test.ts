/**
 * `npm run build`'s command produces one executable that, copied alone into an
 * empty folder, answers --version and serves every page and asset (views,
 * static files and htmx are embedded) with its config created in its data dir
 * from the embedded shipped defaults, backtests on its embedded sample, and
 * loads an owner's scoring module from a folder of its own.
 */
import { afterAll, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { TraderConfigSchema } from "../../src/config/schema.ts";
import { waitFor } from "../helpers/server.ts";

const root = join(import.meta.dir, "../..");
const work = mkdtempSync(join(tmpdir(), "binary-"));
let server: ReturnType<typeof Bun.spawn> | null = null;

afterAll(() => {
  server?.kill();
  rmSync(work, { recursive: true, force: true });
});

test("the compiled binary runs alone from an empty folder", async () => {
  const outfile = join(work, "build", "coinex-trader");
  const build = Bun.spawnSync(["./node_modules/.bin/bun", "build", "--compile", "src/main.ts", "--outfile", outfile], { cwd: root });
  expect(build.exitCode).toBe(0);
  const alone = join(work, "empty");
  Bun.spawnSync(["mkdir", "-p", alone]);
  copyFileSync(outfile, join(alone, "coinex-trader"));
  Bun.spawnSync(["chmod", "+x", join(alone, "coinex-trader")]);
  expect(readdirSync(alone)).toEqual(["coinex-trader"]);

  const version = Bun.spawnSync(["./coinex-trader", "--version"], { cwd: alone });
  expect(version.stdout.toString().trim()).toBe(`coinex-trader-suite ${pkg.version}`);
  const help = Bun.spawnSync(["./coinex-trader", "--help"], { cwd: alone });
  expect(help.stdout.toString()).toContain("--market");

  const port = 20000 + Math.floor(Math.random() * 20000);
  server = Bun.spawn(["./coinex-trader", "serve", "--market", "sim", "--port", String(port)], { cwd: alone, env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent" }, stdout: "ignore", stderr: "ignore" });
  const base = `http://127.0.0.1:${port}`;
  await waitFor("the binary's /health", async () => (await fetch(base + "/health").catch(() => null))?.ok ?? false, 15_000, 100);
  const page = await (await fetch(base + "/trader")).text();
  expect(page).toContain('id="emergency-stop"');
  const assets = [...page.matchAll(/(?:src|href)="(\/static\/[^"?]+)/g)].map((m) => m[1]!);
  expect(assets).toEqual(expect.arrayContaining(["/static/htmx.min.js", "/static/htmx-ext-ws.min.js", "/static/app.css"]));
  for (const asset of new Set(assets)) {
    const response = await fetch(base + asset);
    expect(response.status).toBe(200);
    expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(100);
  }
  const scanner = await (await fetch(base + "/")).text();
  expect(scanner.match(/data-symbol="/g)?.length).toBe(29);
  // A coin page and its chart library (embedded from node_modules like htmx) and chart script.
  const coin = await fetch(base + "/coin/BTCUSDT?tf=1h");
  expect(coin.status).toBe(200);
  const coinAssets = [...(await coin.text()).matchAll(/src="(\/static\/[^"?]+)/g)].map((m) => m[1]!);
  expect(coinAssets).toEqual(expect.arrayContaining(["/static/lightweight-charts.js", "/static/coin-chart.js"]));
  for (const asset of ["/static/lightweight-charts.js", "/static/coin-chart.js"]) {
    const response = await fetch(base + asset);
    expect(response.status).toBe(200);
    expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  }
  expect(await (await fetch(base + "/static/lightweight-charts.js")).text()).toContain("TradingView Lightweight Charts");
  server.kill();
  await server.exited;
  // The config lives in the data dir, created from the shipped defaults embedded in the binary.
  expect(readdirSync(alone).sort()).toEqual(["coinex-trader", "data"]);
  const shipped = TraderConfigSchema.parse(JSON.parse(readFileSync(join(root, "trader_config.json"), "utf8")));
  expect(JSON.parse(readFileSync(join(alone, "data", "trader_config.json"), "utf8"))).toEqual(shipped);

  // The shipped sample is inside the binary: a backtest needs no data folder.
  const backtest = Bun.spawnSync(["./coinex-trader", "backtest", "--out", "report"], { cwd: alone, env: { PATH: process.env.PATH ?? "" } });
  expect(backtest.stderr.toString()).not.toContain("error:");
  expect(backtest.exitCode).toBe(0);
  expect(backtest.stdout.toString()).toContain("Scoring: built-in base score");
  expect(readdirSync(join(alone, "report")).sort()).toEqual(["equity.csv", "result.json", "trades.csv"]);

  // An owner's module, in a folder of its own, is read from disk at start (not bundled).
  const owner = join(work, "owner");
  Bun.spawnSync(["mkdir", "-p", owner]);
  copyFileSync(join(root, "test/fixtures/scoring/fixed.ts"), join(owner, "scoring.ts"));
  server = Bun.spawn(["./coinex-trader", "serve", "--market", "sim", "--port", String(port), "--scoring", join(owner, "scoring.ts")], { cwd: alone, env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent" }, stdout: "ignore", stderr: "ignore" });
  await waitFor("the binary's /health with the owner's scoring", async () => (await fetch(base + "/health").catch(() => null))?.ok ?? false, 15_000, 100);
  const health = (await (await fetch(base + "/health")).json()) as { scoring?: string };
  expect(health.scoring).toBe(`${join(owner, "scoring.ts")} (owner)`);

  // A module that is not there stops the start: never a silent fallback to the built-in score.
  const missing = Bun.spawnSync(["./coinex-trader", "serve", "--market", "sim", "--port", String(port + 1), "--scoring", join(owner, "absent.ts")], { cwd: alone, env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent" } });
  expect(missing.exitCode).toBe(2);
  expect(missing.stderr.toString()).toContain("absent.ts");
}, 180_000);
