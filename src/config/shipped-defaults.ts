/**
 * The shipped defaults: the repo's `trader_config.json`, imported so that
 * `bun build --compile` embeds it in the binary. A server's config lives in
 * its data dir (`<data-dir>/trader_config.json`, see settings.ts) and is
 * seeded from these on first start, so saving the config never rewrites the
 * tracked file.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import shipped from "../../trader_config.json" with { type: "json" };
import { TraderConfigSchema, describeIssues, type TraderConfig } from "./schema.ts";

function parseShipped(): TraderConfig {
  const parsed = TraderConfigSchema.safeParse(shipped);
  if (parsed.success) return parsed.data;
  // A broken shipped file is a build mistake: say so at start, by field.
  const issues = describeIssues(parsed.error).map((issue) => `${issue.path}: ${issue.message}`).join("; ");
  throw new Error(`the shipped trader_config.json is not a valid config: ${issues}`);
}

export const SHIPPED_DEFAULT_CONFIG: TraderConfig = parseShipped();

/**
 * Before this version the default config was `./trader_config.json` in the
 * working directory. If one is there with settings other than the shipped
 * defaults, and the data dir has no config yet, the owner should hear that it
 * is no longer read (and how to keep using it); null when there is nothing to say.
 */
export function legacyConfigNotice(cwd: string, configPath: string): string | null {
  const legacy = resolve(cwd, "trader_config.json");
  if (legacy === resolve(configPath) || existsSync(configPath) || !existsSync(legacy)) return null;
  let config: unknown;
  try {
    config = TraderConfigSchema.parse(JSON.parse(readFileSync(legacy, "utf8")));
  } catch {
    config = null;
  }
  if (config !== null && JSON.stringify(config) === JSON.stringify(SHIPPED_DEFAULT_CONFIG)) return null;
  return `${legacy} has settings of its own but is no longer read: the config is now ${configPath} (created from the shipped defaults). ` +
    `To keep your settings, stop the server and copy that file to ${configPath}, or start with --config ${join(".", "trader_config.json")}`;
}
