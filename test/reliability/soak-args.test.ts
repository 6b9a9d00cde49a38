/**
 * The soak's own rules, without running a soak (bench/soak.ts; `npm run soak`):
 * `--minutes` and the other options are validated with a clear error (exit 2),
 * and the "grows without bound" verdict on RSS / fds follows RELIABILITY.md:
 * first fifth left out as warm-up, later half's median against the earlier's.
 */
import { expect, test } from "bun:test";
import { DEFAULT_SOAK_OPTIONS, growthVerdict, parseSoakArgs } from "../../bench/soak.ts";

const SOAK = new URL("../../bench/soak.ts", import.meta.url).pathname;
const rssAllowance = (earlier: number) => Math.max(10, earlier * 0.1);

test("--minutes takes a whole number from 1 to 1440; the default is a few minutes", () => {
  expect(parseSoakArgs([])).toEqual(DEFAULT_SOAK_OPTIONS);
  expect(DEFAULT_SOAK_OPTIONS.minutes).toBe(5);
  expect(parseSoakArgs(["--minutes", "30"]).minutes).toBe(30);
  expect(parseSoakArgs(["--minutes=1440", "--interval-s", "5"])).toMatchObject({ minutes: 1440, intervalS: 5 });
  for (const bad of ["0", "1441", "1.5", "-3", "abc", ""]) {
    expect(() => parseSoakArgs(["--minutes", bad])).toThrow(`--minutes must be a whole number of minutes from 1 to 1440, not ${JSON.stringify(bad)}`);
  }
  expect(() => parseSoakArgs(["--minutes"])).toThrow("--minutes must be a whole number of minutes from 1 to 1440, not nothing");
  expect(() => parseSoakArgs(["--minute", "3"])).toThrow("unknown option --minute (options: --minutes,");
  expect(() => parseSoakArgs(["--cycle-ms", "50"])).toThrow("--cycle-ms must be a whole number of ms between trader cycles from 100 to 600000");
});

test("a bad option exits 2 with one line on stderr, before any server starts", async () => {
  const proc = Bun.spawn([process.execPath, SOAK, "--minutes", "soon"], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect({ code, stdout, stderr }).toEqual({ code: 2, stdout: "", stderr: 'error: --minutes must be a whole number of minutes from 1 to 1440, not "soon"\n' });
});

test("growth verdict: a plateau with GC noise passes, a steady climb and a step fail, a short run is skipped", () => {
  const noisyPlateau = [104, 121, 132, 118, 141, 126, 119, 138, 124, 133, 117, 140, 122, 129, 136];
  expect(growthVerdict(noisyPlateau, rssAllowance)).toMatchObject({ checked: true, grows: false });

  const leak = Array.from({ length: 30 }, (_, i) => 110 + 1.5 * i); // 90 MB/h
  const verdict = growthVerdict(leak, rssAllowance);
  expect(verdict).toMatchObject({ checked: true, grows: true, slope_per_hour: 90 });

  const fds = [23, 19, 19, 20, 19, 19, 20, 19, 19, 19];
  expect(growthVerdict(fds, () => 8)).toMatchObject({ checked: true, grows: false });
  expect(growthVerdict([...fds, 40, 42, 45, 47, 50, 52, 55], () => 8)).toMatchObject({ checked: true, grows: true });

  expect(growthVerdict([100, 200, 300, 400], rssAllowance)).toMatchObject({ checked: false, grows: false, note: "skipped: needs at least 5 samples, has 4" });
});
