/**
 * An owner's scoring module (--scoring FILE, SCORING_MODULE): a .ts or .js
 * file read from disk at start (also by the compiled binary) that exports
 * `score(input)` (see scoring.ts). A module that fails to load or has no
 * `score` stops the start with one line saying why: never a silent fallback
 * to the built-in score.
 */
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Scorer, ScoreOutput, ScoringInput } from "./scoring.ts";

export class ScorerLoadError extends Error {
  override name = "ScorerLoadError";
}

export async function loadScorerModule(path: string, cwd = process.cwd()): Promise<Scorer> {
  const absolute = isAbsolute(path) ? path : resolve(cwd, path);
  if (!/\.(ts|js|mjs|mts)$/.test(absolute)) throw new ScorerLoadError(`scoring module ${path}: expected a .ts or .js file`);
  if (!existsSync(absolute)) throw new ScorerLoadError(`scoring module ${path}: no such file (${absolute})`);
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    throw new ScorerLoadError(`scoring module ${path} could not be loaded: ${(error as Error).message.split("\n")[0]}`);
  }
  const score = loaded.score ?? (loaded.default as { score?: unknown } | undefined)?.score;
  if (typeof score !== "function") {
    const exported = Object.keys(loaded).join(", ") || "nothing";
    throw new ScorerLoadError(`scoring module ${path} must export a function score(input); it exports ${exported}`);
  }
  return {
    label: `${path} (owner)`,
    builtIn: false,
    score: (input: ScoringInput) => (score as (input: ScoringInput) => ScoreOutput | Promise<ScoreOutput>)(input),
  };
}
