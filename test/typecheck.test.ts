/** `tsc --noEmit` over src, views, test and bench is part of the test suite: strict TypeScript stays clean. */
import { expect, test } from "bun:test";

test("tsc --noEmit reports no errors", () => {
  const result = Bun.spawnSync(["./node_modules/.bin/tsc", "--noEmit", "-p", "."], { cwd: `${import.meta.dir}/..` });
  const output = result.stdout.toString() + result.stderr.toString();
  expect(output).toBe("");
  expect(result.exitCode).toBe(0);
}, 120_000);
