/** README's first word on DASHBOARD_TOKEN says how long it must be (a shorter one is refused at start). */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseSettings } from "../../src/settings.ts";

test("the first README line naming DASHBOARD_TOKEN says it needs at least 16 characters", () => {
  const readme = readFileSync(join(import.meta.dir, "../../README.md"), "utf8");
  const first = readme.split("\n").find((line) => line.includes("DASHBOARD_TOKEN")) ?? "";
  expect(first).toMatch(/at least 16 characters/);
  expect(first).toMatch(/refused at start/);
});

test("…which is what the server does: a 15-character token is refused at start, on loopback too", () => {
  expect(() => parseSettings([], { DASHBOARD_TOKEN: "x".repeat(15) })).toThrow(/at least 16 characters/);
  expect(parseSettings([], { DASHBOARD_TOKEN: "x".repeat(16) }).dashboardToken).toBe("x".repeat(16));
});
