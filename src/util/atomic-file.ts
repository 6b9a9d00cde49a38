/**
 * Durable, all-or-nothing file writes and a JSON reader that reports problems as values.
 *
 * `writeFileAtomic` writes a uniquely named temp file in the target's own directory
 * (same filesystem, so `rename` is atomic), fsyncs it, renames it over the target and
 * fsyncs the directory so the rename itself survives a crash. A reader therefore sees
 * either the old bytes or the new bytes, never a mix, and two writers racing each
 * other leave exactly one of their files in place (last rename wins).
 *
 * @example
 *   await writeFileAtomic("/data/trader_config.json", JSON.stringify(config, null, 2) + "\n");
 *   const read = await readJsonFile("/data/trader_config.json");
 *   if (read.ok) use(read.value); else console.error(read.error);
 */
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { open, readFile, realpath, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

let tempCounter = 0;

/** `.name.<pid>.<counter>.<random>.tmp` beside the target: unique across processes and concurrent calls. */
function tempPathFor(path: string): string {
  tempCounter += 1;
  const unique = `${process.pid}.${tempCounter}.${randomBytes(6).toString("hex")}`;
  return join(dirname(path), `.${basename(path)}.${unique}.tmp`);
}

/** Makes a completed rename durable: the directory entry lives in the directory's own blocks. */
async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `path` with `text` atomically and durably. On failure the target is untouched,
 * the temp file is removed, and the error names the file and the step that failed.
 */
export async function writeFileAtomic(requestedPath: string, text: string | Uint8Array): Promise<void> {
  // Write through a symlink (a deploy may link the config) instead of replacing the link itself.
  const path = await realpath(requestedPath).catch(() => requestedPath);
  // Keep the permissions the owner gave the file (a chmod 600 must survive a save).
  const mode = await stat(path).then((stats) => stats.mode & 0o777, () => 0o644);
  const tempPath = tempPathFor(path);
  let step = "create a temp file for";
  try {
    // "wx": fail rather than reuse a file someone else created under our unique name.
    const handle = await open(tempPath, "wx", mode);
    try {
      step = "write";
      await handle.writeFile(text);
      step = "fsync";
      await handle.sync();
    } finally {
      await handle.close();
    }
    step = "rename the temp file over";
    await rename(tempPath, path);
  } catch (error) {
    await unlink(tempPath).catch(() => undefined);
    throw new Error(`could not ${step} ${path}: ${errorMessage(error)}`, { cause: error });
  }
  try {
    await fsyncDirectory(dirname(path));
  } catch (error) {
    // The new content is in place; only its durability across power loss is in doubt.
    throw new Error(`wrote ${path} but could not fsync its directory: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

export type ReadJsonResult =
  | { ok: true; value: unknown; text: string }
  | { ok: false; reason: "missing"; error: string }
  | { ok: false; reason: "unreadable"; error: string }
  | { ok: false; reason: "invalid-json"; error: string; text: string };

/**
 * Reads and parses a JSON file without throwing. `text` is the exact content read,
 * so callers can tell whether a file changed since they last saw it.
 */
export async function readJsonFile(path: string): Promise<ReadJsonResult> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (isErrnoCode(error, "ENOENT")) {
      return { ok: false, reason: "missing", error: `${path} does not exist` };
    }
    return { ok: false, reason: "unreadable", error: `cannot read ${path}: ${errorMessage(error)}` };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown, text };
  } catch (error) {
    const detail = text.trim() === "" ? "the file is empty" : errorMessage(error);
    return { ok: false, reason: "invalid-json", error: `${path} is not valid JSON: ${detail}`, text };
  }
}

export function isErrnoCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The synchronous twin of writeFileAtomic, for state saved inside synchronous
 * code (the paper account after each fill): temp file, fsync, rename, fsync dir.
 */
let syncSequence = 0;

export function writeFileAtomicSync(path: string, text: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${++syncSequence}.tmp`);
  try {
    const fd = openSync(temp, "w", 0o600);
    try {
      const bytes = Buffer.from(text, "utf8");
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  // Make the rename itself durable.
  const dirFd = openSync(dir, "r");
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
