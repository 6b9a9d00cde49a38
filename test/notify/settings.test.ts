/**
 * The notification settings in trader_config.json: per-event on / silent / off,
 * per-trade messages in dry-run, the daily summary's UTC hour. An older file
 * without them reads with the defaults (everything on, per-trade messages off
 * in dry-run); a partial block fills the rest with defaults; a patch changes
 * only what it names.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigFile } from "../../src/config/config-file.ts";
import {
  DEFAULT_TRADER_CONFIG,
  NOTIFY_EVENTS,
  TraderConfigPatchSchema,
  TraderConfigSchema,
  completeNotifications,
  NotificationsPatchSchema,
} from "../../src/config/schema.ts";

describe("notification settings", () => {
  test("defaults: every event on, per-trade messages off in dry-run, the summary at 00 UTC", () => {
    const n = DEFAULT_TRADER_CONFIG.notifications;
    for (const event of NOTIFY_EVENTS) expect(n[event]).toBe("on");
    expect(n.dry_run_trades).toBe("off");
    expect(n.daily_summary_hour_utc).toBe(0);
    expect(NOTIFY_EVENTS).toEqual([
      "trade_opened", "trade_closed", "tp_sl_hit", "kill_switch", "circuit_breaker", "emergency_stop", "close_failing",
      "lockfile_cleared", "mode_changed", "bot_on_off", "exchange_error", "market_feed", "redis", "daily_summary",
    ]);
  });

  test("a config file from before notifications (no block) reads with the defaults", async () => {
    const dir = mkdtempSync(join(tmpdir(), "notify-settings-"));
    try {
      const path = join(dir, "trader_config.json");
      const { notifications: _dropped, ...older } = DEFAULT_TRADER_CONFIG;
      writeFileSync(path, JSON.stringify({ ...older, max_leverage: 5 }));
      const file = new ConfigFile(path);
      const config = await file.load();
      expect(config.max_leverage).toBe(5);
      expect(config.notifications).toEqual(DEFAULT_TRADER_CONFIG.notifications);
      // Our own next write keeps the file valid and adds the block.
      await file.update({ notifications: { ...config.notifications, kill_switch: "silent" } }, "api");
      expect(JSON.parse(readFileSync(path, "utf8")).notifications.kill_switch).toBe("silent");
      file.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a partial block fills the rest with defaults; unknown events and levels are refused by name", () => {
    const parsed = TraderConfigSchema.parse({ notifications: { trade_opened: "silent", daily_summary_hour_utc: 7 } });
    expect(parsed.notifications.trade_opened).toBe("silent");
    expect(parsed.notifications.trade_closed).toBe("on");
    expect(parsed.notifications.daily_summary_hour_utc).toBe(7);

    const unknown = TraderConfigSchema.safeParse({ notifications: { trade_opend: "on" } });
    expect(unknown.success).toBe(false);
    expect(unknown.error?.issues[0]?.path).toEqual(["notifications"]);
    const level = TraderConfigSchema.safeParse({ notifications: { redis: "loud" } });
    expect(level.success).toBe(false);
    expect(level.error?.issues[0]?.path).toEqual(["notifications", "redis"]);
  });

  test("the summary hour is a whole hour 0 – 23", () => {
    const accepts = (hour: unknown) => NotificationsPatchSchema.safeParse({ daily_summary_hour_utc: hour }).success;
    expect(accepts(0)).toBe(true);
    expect(accepts(23)).toBe(true);
    expect(accepts(-1)).toBe(false);
    expect(accepts(24)).toBe(false);
    expect(accepts(7.5)).toBe(false);
    expect(accepts("7")).toBe(false);
  });

  test("a config patch carries the whole block; the API's partial block is completed from the settings in force", () => {
    // Merging a patch replaces whole fields, so a partial block would silently reset the others.
    const partial = TraderConfigPatchSchema.safeParse({ notifications: { trade_opened: "silent" } });
    expect(partial.success).toBe(false);
    const current = { ...DEFAULT_TRADER_CONFIG.notifications, redis: "off" as const };
    const whole = completeNotifications(current, NotificationsPatchSchema.parse({ trade_opened: "silent" }));
    expect(whole).toEqual({ ...current, trade_opened: "silent" });
    expect(TraderConfigPatchSchema.parse({ notifications: whole })).toEqual({ notifications: whole });
  });
});
