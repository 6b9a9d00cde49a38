/**
 * Where a running server keeps its config (issue 12, item 7): in the data dir
 * (`<data-dir>/trader_config.json`), seeded on first start from the shipped
 * defaults (the repo's trader_config.json, embedded in the binary), so saving
 * the config never rewrites the tracked file at the repo root. `--config` and
 * TRADER_CONFIG still choose another file.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer } from "../../src/app/start-server.ts";
import { formatConfig } from "../../src/config/config-file.ts";
import { legacyConfigNotice, SHIPPED_DEFAULT_CONFIG } from "../../src/config/shipped-defaults.ts";
import { TraderConfigSchema } from "../../src/config/schema.ts";
import { setQuiet } from "../../src/log.ts";
import { configFilePath, parseSettings } from "../../src/settings.ts";
import { CLOSED_LOOPBACK_COINEX } from "../helpers/server.ts";
import { makeTempDir, removeTempDirs } from "../util/temp-dir.ts";

const REPO_CONFIG = join(import.meta.dir, "../../trader_config.json");

afterEach(removeTempDirs);

describe("the config path", () => {
  test("defaults to <data-dir>/trader_config.json; --config and TRADER_CONFIG override it", () => {
    const plain = parseSettings([], {});
    expect(plain.configPath).toBeNull();
    expect(configFilePath(plain)).toBe(join("./data", "trader_config.json"));
    expect(configFilePath(parseSettings(["--data-dir", "/var/lib/ct"], {}))).toBe("/var/lib/ct/trader_config.json");
    expect(configFilePath(parseSettings([], { DATA_DIR: "/srv/d" }))).toBe("/srv/d/trader_config.json");
    expect(configFilePath(parseSettings([], { TRADER_CONFIG: "/etc/ct.json" }))).toBe("/etc/ct.json");
    expect(configFilePath(parseSettings(["--config", "./mine.json"], { TRADER_CONFIG: "/etc/ct.json" }))).toBe("./mine.json");
  });

  test("the shipped defaults are the repo's trader_config.json", () => {
    expect(SHIPPED_DEFAULT_CONFIG).toEqual(TraderConfigSchema.parse(JSON.parse(readFileSync(REPO_CONFIG, "utf8"))));
  });
});

describe("a server started without --config", () => {
  test("creates its config in the data dir from the shipped defaults, saves there, and leaves the repo's file alone", async () => {
    setQuiet(true);
    const before = { text: readFileSync(REPO_CONFIG, "utf8"), mtime: statSync(REPO_CONFIG).mtimeMs };
    const dataDir = makeTempDir("config-location");
    const server = await startServer({ market: "sim", exchange: "paper", port: 0, host: "127.0.0.1", coinexBaseUrl: CLOSED_LOOPBACK_COINEX, dataDir });
    try {
      const inDataDir = join(dataDir, "trader_config.json");
      expect(readFileSync(inDataDir, "utf8")).toBe(formatConfig(SHIPPED_DEFAULT_CONFIG));
      const response = await fetch(`${server.url}/api/trader/config`, { method: "POST", body: JSON.stringify({ max_leverage: 7 }), headers: { "content-type": "application/json" } });
      expect(response.status).toBe(200);
      expect(JSON.parse(readFileSync(inDataDir, "utf8")).max_leverage).toBe(7);
    } finally {
      await server.stop();
    }
    expect(readFileSync(REPO_CONFIG, "utf8")).toBe(before.text);
    expect(statSync(REPO_CONFIG).mtimeMs).toBe(before.mtime);
  }, 30_000);
});

describe("a config left at the old default place", () => {
  test("is named in a notice when it differs from the shipped defaults and the data dir has none yet", () => {
    const cwd = makeTempDir("legacy-cwd");
    const target = join(makeTempDir("legacy-data"), "trader_config.json");
    expect(legacyConfigNotice(cwd, target)).toBeNull();
    writeFileSync(join(cwd, "trader_config.json"), formatConfig(SHIPPED_DEFAULT_CONFIG));
    expect(legacyConfigNotice(cwd, target)).toBeNull();
    writeFileSync(join(cwd, "trader_config.json"), formatConfig({ ...SHIPPED_DEFAULT_CONFIG, max_leverage: 3 }));
    const notice = legacyConfigNotice(cwd, target);
    expect(notice).toContain(join(cwd, "trader_config.json"));
    expect(notice).toContain(target);
    expect(notice).toContain("--config");
    writeFileSync(target, formatConfig(SHIPPED_DEFAULT_CONFIG));
    expect(legacyConfigNotice(cwd, target)).toBeNull();
    expect(existsSync(target)).toBe(true);
  });
});

describe("ConfigFile seeding", () => {
  test("a missing file is created with the seed it is given (the shipped defaults unless told otherwise)", async () => {
    const { ConfigFile } = await import("../../src/config/config-file.ts");
    const dir = makeTempDir("seed");
    const seeded = await new ConfigFile(join(dir, "a.json"), { seed: { ...SHIPPED_DEFAULT_CONFIG, max_positions: 7 } }).load();
    expect(seeded.max_positions).toBe(7);
    expect(JSON.parse(readFileSync(join(dir, "a.json"), "utf8")).max_positions).toBe(7);
    expect(await new ConfigFile(join(dir, "b.json")).load()).toEqual(SHIPPED_DEFAULT_CONFIG);
  });
});
