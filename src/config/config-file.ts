/**
 * `trader_config.json` on disk: load (creating it from the shipped defaults, the repo's
 * trader_config.json embedded in the binary), re-read every cycle, validated updates,
 * and hot reload of hand edits.
 *
 * Rules a trader relies on:
 * - A bad file never replaces a good config: the last good one stays in force and the
 *   problem is reported once per distinct bad content (log + a `rejected` event).
 * - Updates are validated (the patch, then the merged result) before anything is
 *   written, and written atomically; a refused update writes nothing.
 * - Updates run one at a time, each merging onto the result of the previous one, and
 *   each first picks up any hand edit on disk so neither is lost.
 * - Our own writes are told apart from hand edits by content: the text we wrote is
 *   remembered, and only different text on disk counts as an edit.
 *
 * @example
 *   const file = new ConfigFile(args.config);
 *   await file.load();                       // throws ConfigFileError with every issue
 *   const stop = file.watch((event) => bus.publish(event));
 *   const { config } = await file.read();    // at the start of every trader cycle
 *   const result = await file.update({ max_leverage: 5 }, "page");
 */
import { logger } from "../log.ts";
import { readJsonFile, writeFileAtomic } from "../util/atomic-file.ts";
import { parseTraderConfigPatch, type ConfigIssue } from "./config-patch.ts";
import { watchFileChanges, type FileWatchOptions } from "./file-watcher.ts";
import { TraderConfigSchema, describeIssues, type TraderConfig } from "./schema.ts";
import { SHIPPED_DEFAULT_CONFIG } from "./shipped-defaults.ts";

export type { ConfigIssue } from "./config-patch.ts";

const log = logger("config");

/** Who asked for a change: the dashboard page, the JSON API, a hand edit of the file, the bot itself. */
export type ConfigOrigin = "page" | "api" | "file" | "system";

export type ConfigUpdateResult = { ok: true; config: TraderConfig } | { ok: false; issues: ConfigIssue[] };

export type ConfigEvent =
  | { kind: "changed"; config: TraderConfig; origin: "file" }
  | { kind: "rejected"; error: string; issues: ConfigIssue[] };

export interface ConfigReadResult {
  /** The config in force: the file's if it is valid, else the last good one. */
  config: TraderConfig;
  /** True when this read picked up a different valid config. */
  changed: boolean;
  /** Why the file on disk is not in force, while it stays bad; null when it is. */
  error: string | null;
}

/** The config file cannot be used at start-up; `message` names the file and every issue. */
export class ConfigFileError extends Error {
  constructor(
    message: string,
    readonly path: string,
    readonly issues: ConfigIssue[],
  ) {
    super(message);
    this.name = "ConfigFileError";
  }
}

export type ParsedConfig = { ok: true; config: TraderConfig } | { ok: false; error: string; issues: ConfigIssue[] };

/** The file's canonical text: what `update` and first start write. */
export function formatConfig(config: TraderConfig): string {
  return JSON.stringify(config, null, 2) + "\n";
}

/** Validates file text; the error names the file and lists every issue as `field: problem`. */
export function parseConfigText(text: string, path: string): ParsedConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const detail = text.trim() === "" ? "the file is empty" : (error as Error).message;
    const issues = [{ path: "(root)", message: `not valid JSON: ${detail}` }];
    return { ok: false, error: `${path} is not valid JSON: ${detail}`, issues };
  }
  const result = TraderConfigSchema.safeParse(value);
  if (result.success) return { ok: true, config: result.data };
  const issues = describeIssues(result.error);
  return { ok: false, error: `${path} is not a valid trader config: ${listIssues(issues)}`, issues };
}

function listIssues(issues: ConfigIssue[]): string {
  return issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ");
}

function sameConfig(a: TraderConfig, b: TraderConfig): boolean {
  // Both come out of the same zod schema, so their keys are in the same order.
  return JSON.stringify(a) === JSON.stringify(b);
}

export interface ConfigFileOptions extends FileWatchOptions {
  /** What a missing file is created with; default the shipped defaults (shipped-defaults.ts). */
  seed?: TraderConfig;
  /**
   * Called after each check the watcher triggers, whether or not anything changed.
   * Lets tests await "the watcher looked at the file" instead of sleeping.
   */
  onWatchCheck?: (result: ConfigReadResult) => void;
}

export class ConfigFile {
  private loaded: TraderConfig | null = null;
  /** Exact text last seen on disk or written by us (or a marker for "missing"/"unreadable"). */
  private lastSeenText: string | null = null;
  private lastError: string | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(event: ConfigEvent) => void>();
  private stopWatching: (() => void) | null = null;

  constructor(
    readonly path: string,
    private readonly options: ConfigFileOptions = {},
  ) {}

  /** The last good config. Throws if `load()` has not succeeded yet. */
  get current(): TraderConfig {
    if (this.loaded === null) throw new Error(`ConfigFile(${this.path}): call load() before reading current`);
    return this.loaded;
  }

  /**
   * Reads the file, or creates it with the shipped defaults (or `options.seed`) if it
   * is missing. A file that is unreadable, not JSON or not a valid config throws
   * ConfigFileError: at start-up
   * there is no last good config to fall back on, so the owner must fix the file.
   */
  load(): Promise<TraderConfig> {
    return this.serialised(async () => {
      const read = await readJsonFile(this.path);
      if (!read.ok && read.reason === "missing") {
        const seed = this.options.seed ?? SHIPPED_DEFAULT_CONFIG;
        const text = formatConfig(seed);
        await writeFileAtomic(this.path, text).catch((error: unknown) => {
          throw new ConfigFileError(`cannot create ${this.path} with the defaults: ${(error as Error).message}`, this.path, []);
        });
        log.info(`created ${this.path} with the shipped default settings`);
        return this.accept(seed, text);
      }
      if (!read.ok && read.reason === "unreadable") throw new ConfigFileError(read.error, this.path, []);
      const parsed = parseConfigText(read.text, this.path);
      if (!parsed.ok) throw new ConfigFileError(parsed.error, this.path, parsed.issues);
      return this.accept(parsed.config, read.text);
    });
  }

  /** Re-reads the file (call at the start of every trader cycle). Never throws for a bad file. */
  read(): Promise<ConfigReadResult> {
    return this.serialised(() => this.ingestFromDisk());
  }

  /**
   * Applies `patch` (untrusted input) on top of the config in force. Returns the field
   * issues and writes nothing if the patch or the merged config is invalid. Throws only
   * if the file cannot be written (the error names the file).
   */
  update(patch: unknown, origin: ConfigOrigin): Promise<ConfigUpdateResult> {
    return this.serialised(async (): Promise<ConfigUpdateResult> => {
      const parsedPatch = parseTraderConfigPatch(patch);
      if (!parsedPatch.ok) return { ok: false, issues: parsedPatch.issues };
      // Pick up a hand edit first so this update builds on it instead of erasing it.
      await this.ingestFromDisk();
      const merged = TraderConfigSchema.safeParse({ ...this.current, ...parsedPatch.patch });
      if (!merged.success) return { ok: false, issues: describeIssues(merged.error) };
      const text = formatConfig(merged.data);
      await writeFileAtomic(this.path, text);
      log.info(`config updated by ${origin}`, parsedPatch.patch);
      return { ok: true, config: this.accept(merged.data, text) };
    });
  }

  /**
   * Calls `onChange` for hand edits: `changed` when a valid new config took effect,
   * `rejected` (once per distinct bad content) when the file was made invalid. Returns
   * a function that removes this listener; the watch stops with the last listener.
   */
  watch(onChange: (event: ConfigEvent) => void): () => void {
    this.listeners.add(onChange);
    if (this.stopWatching === null) {
      this.stopWatching = watchFileChanges(
        this.path,
        () => {
          this.read().then(
            (result) => this.options.onWatchCheck?.(result),
            (error: unknown) => log.error(`re-reading ${this.path} failed`, { error: String(error) }),
          );
        },
        this.options,
      );
    }
    return () => {
      this.listeners.delete(onChange);
      if (this.listeners.size === 0) this.stopWatch();
    };
  }

  /** Stops watching and drops every listener. */
  close(): void {
    this.listeners.clear();
    this.stopWatch();
  }

  private stopWatch(): void {
    this.stopWatching?.();
    this.stopWatching = null;
  }

  private accept(config: TraderConfig, text: string): TraderConfig {
    this.loaded = config;
    this.lastSeenText = text;
    this.lastError = null;
    return config;
  }

  /** Runs file work one task at a time, so reads and writes never interleave. */
  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Must run inside `serialised`. Compares the disk to what we last saw and reacts once per change. */
  private async ingestFromDisk(): Promise<ConfigReadResult> {
    const config = this.current;
    const read = await readJsonFile(this.path);
    // "\0" cannot appear in a text file's content we compare against, so markers never collide.
    const seen = read.ok || read.reason === "invalid-json" ? read.text : `\0${read.reason}`;
    if (seen === this.lastSeenText) return { config, changed: false, error: this.lastError };
    this.lastSeenText = seen;

    let parsed: ParsedConfig;
    if (read.ok || read.reason === "invalid-json") {
      parsed = parseConfigText(read.text, this.path);
    } else {
      parsed = { ok: false, error: read.error, issues: [{ path: "(file)", message: read.error }] };
    }

    if (!parsed.ok) {
      const error = `${parsed.error} (keeping the last good config)`;
      this.lastError = error;
      log.warn(`rejected a hand edit: ${error}`);
      this.emit({ kind: "rejected", error, issues: parsed.issues });
      return { config, changed: false, error };
    }

    this.lastError = null;
    if (sameConfig(parsed.config, config)) return { config, changed: false, error: null };
    this.loaded = parsed.config;
    log.info(`picked up a hand edit of ${this.path}`);
    this.emit({ kind: "changed", config: parsed.config, origin: "file" });
    return { config: parsed.config, changed: true, error: null };
  }

  private emit(event: ConfigEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        log.error("a config listener threw", { error: String(error) });
      }
    }
  }
}
