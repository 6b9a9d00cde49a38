/**
 * Calls back (debounced) when a file may have changed, however it was changed.
 *
 * We watch the file's DIRECTORY, not the file: an atomic save (ours, vim's, most
 * editors') renames a new inode over the name, and a watch on the old inode would go
 * silent after the first save. fs.watch can still miss events (network filesystems,
 * some containers), so a slow stat poll runs as a fallback. The callback only says
 * "look again"; the caller reads the file and decides whether anything really changed.
 */
import { watch, statSync, type FSWatcher } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { logger } from "../log.ts";

const log = logger("config");

export interface FileWatchOptions {
  /** Quiet time after the last event before calling back; coalesces the events of one save. */
  debounceMs?: number;
  /** Stat poll period for changes fs.watch missed; 0 disables polling. */
  pollIntervalMs?: number;
  /** Set false to rely on polling alone (tests of the fallback, filesystems without inotify). */
  useFsWatch?: boolean;
}

export const DEFAULT_WATCH_OPTIONS: Required<FileWatchOptions> = {
  debounceMs: 150,
  pollIntervalMs: 5000,
  useFsWatch: true,
};

/** Identity of the file's current version: a rename changes ino, an in-place write changes size or mtime. */
function signatureOf(stats: { ino: number; size: number; mtimeMs: number } | null): string {
  return stats === null ? "missing" : `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
}

function statSignatureSync(path: string): string {
  try {
    return signatureOf(statSync(path));
  } catch {
    return "missing";
  }
}

/** Starts watching `path`; returns a function that stops the watch and every timer. */
export function watchFileChanges(
  path: string,
  onMaybeChanged: () => void,
  options: FileWatchOptions = {},
): () => void {
  const { debounceMs, pollIntervalMs, useFsWatch } = { ...DEFAULT_WATCH_OPTIONS, ...options };
  const name = basename(path);
  let stopped = false;
  let debounceTimer: ReturnType<typeof setTimeout> | undefined;
  let lastSignature = statSignatureSync(path);

  const schedule = (): void => {
    if (stopped) return;
    if (debounceTimer !== undefined) clearTimeout(debounceTimer);
    debounceTimer = setTimeout(() => {
      debounceTimer = undefined;
      if (stopped) return;
      lastSignature = statSignatureSync(path);
      onMaybeChanged();
    }, debounceMs);
  };

  let watcher: FSWatcher | undefined;
  if (useFsWatch) {
    try {
      watcher = watch(dirname(path), { persistent: false }, (_event, filename) => {
        // filename can be null on some platforms: then any event in the directory counts.
        if (filename === null || filename === name) schedule();
      });
      watcher.on("error", (error) => {
        log.warn(`watching ${path} failed; relying on the ${pollIntervalMs} ms poll`, {
          error: String(error),
        });
      });
    } catch (error) {
      log.warn(`cannot watch ${dirname(path)}; relying on the ${pollIntervalMs} ms poll`, {
        error: String(error),
      });
    }
  }

  let pollTimer: ReturnType<typeof setInterval> | undefined;
  let polling = false;
  if (pollIntervalMs > 0) {
    pollTimer = setInterval(() => {
      if (polling || stopped) return;
      polling = true;
      stat(path)
        .then(signatureOf, () => "missing")
        .then((signature) => {
          if (signature !== lastSignature) {
            lastSignature = signature;
            schedule();
          }
        })
        .finally(() => {
          polling = false;
        });
    }, pollIntervalMs);
    pollTimer.unref?.();
  }

  return () => {
    stopped = true;
    if (debounceTimer !== undefined) clearTimeout(debounceTimer);
    if (pollTimer !== undefined) clearInterval(pollTimer);
    watcher?.close();
  };
}
