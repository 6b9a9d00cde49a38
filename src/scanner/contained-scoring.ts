/**
 * Runs a scorer for one coin so that nothing it does can stop the scanner or
 * the trader: a throw, a non-finite or out-of-range result, a malformed
 * component, or a call slower than `timeoutMs` gives that coin no score for
 * that candle (no trade on it) and a problem the caller logs, naming the
 * module, the coin and what went wrong.
 *
 * A slow async scorer is abandoned at the limit; a synchronous one cannot be
 * interrupted (it runs on this thread), so its late answer is discarded.
 */
import type { BaseScore } from "./base-score.ts";
import type { Scorer, ScoringInput } from "./scoring.ts";

export const DEFAULT_SCORING_TIMEOUT_MS = 2000;

export type ContainedScore = { ok: true; score: BaseScore } | { ok: false; problem: string };

export async function scoreContained(scorer: Scorer, input: ScoringInput, timeoutMs = DEFAULT_SCORING_TIMEOUT_MS): Promise<ContainedScore> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | null = null;
  try {
    const pending = Promise.resolve().then(() => scorer.score(input));
    const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
    const result = await Promise.race([pending, timeout]);
    if (result === "timeout" || performance.now() - started > timeoutMs) return { ok: false, problem: `took longer than ${timeoutMs} ms` };
    return checkOutput(result);
  } catch (error) {
    return { ok: false, problem: `threw: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

function checkOutput(result: unknown): ContainedScore {
  if (typeof result !== "object" || result === null) return { ok: false, problem: `returned ${JSON.stringify(result) ?? String(result)} instead of {long, short}` };
  const { long, short, components } = result as { long?: unknown; short?: unknown; components?: unknown };
  for (const [name, value] of [["long", long], ["short", short]] as const) {
    if (typeof value !== "number" || !Number.isFinite(value)) return { ok: false, problem: `returned ${name} = ${String(value)}, not a finite number` };
    if (value < 0 || value > 100) return { ok: false, problem: `returned ${name} = ${value}, outside 0–100` };
  }
  const list: BaseScore["components"] = [];
  if (components !== undefined) {
    if (!Array.isArray(components)) return { ok: false, problem: "returned components that are not a list" };
    for (const [i, c] of components.entries()) {
      const item = c as { name?: unknown; long?: unknown; short?: unknown; detail?: unknown };
      if (typeof item?.name !== "string" || typeof item.long !== "number" || typeof item.short !== "number" || !Number.isFinite(item.long) || !Number.isFinite(item.short)) {
        return { ok: false, problem: `returned component ${i} without a name and finite long/short points` };
      }
      list.push({ name: item.name, long: item.long, short: item.short, detail: typeof item.detail === "string" ? item.detail : "" });
    }
  }
  return { ok: true, score: { long: long as number, short: short as number, components: list } };
}
