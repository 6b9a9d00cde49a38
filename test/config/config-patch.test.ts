import { expect, test } from "bun:test";
import { parseTraderConfigPatch } from "../../src/config/config-patch.ts";

test("a patch holds only the fields that were sent, never filled-in defaults", () => {
  expect(parseTraderConfigPatch({ max_leverage: 20 })).toEqual({ ok: true, patch: { max_leverage: 20 } });
  expect(parseTraderConfigPatch({})).toEqual({ ok: true, patch: {} });
  expect(parseTraderConfigPatch({ tp_pct: null, mode: undefined })).toEqual({ ok: true, patch: { tp_pct: null } });
});

test("a bad patch lists every bad field by name", () => {
  const result = parseTraderConfigPatch({ max_positions: 2.5, sl_pct: 101, coin_whitelist: ["BTCUSDT", "BTCUSDT"], colour: "red" });
  expect(result.ok).toBe(false);
  if (!result.ok) {
    expect(result.issues.map((issue) => issue.path).sort()).toEqual(["(root)", "coin_whitelist", "max_positions", "sl_pct"]);
    expect(result.issues.find((issue) => issue.path === "(root)")?.message).toContain("colour");
  }
});

test("something that is not an object is refused", () => {
  expect(parseTraderConfigPatch(null).ok).toBe(false);
  expect(parseTraderConfigPatch([{ max_leverage: 2 }]).ok).toBe(false);
});

test("the patch schema itself never fills absent fields with defaults", async () => {
  const { TraderConfigPatchSchema } = await import("../../src/config/schema.ts");
  expect(TraderConfigPatchSchema.parse({ max_leverage: 20 })).toEqual({ max_leverage: 20 });
});
