import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, closeSync, lstatSync, mkdirSync, symlinkSync, openSync, readdirSync, readFileSync, readSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { readJsonFile, writeFileAtomic } from "../../src/util/atomic-file.ts";
import { contentFor, isIntactContent } from "./fixtures/atomic-content.ts";
import { makeTempDir, removeTempDirs } from "./temp-dir.ts";

/** Hang guard for the fsync-heavy tests, which slow down a lot on a busy disk. */
const SLOW_TEST_MS = 60_000;
/** 1 MB: a plain (non-atomic) write of this size is visible half-done to a concurrent reader. */
const CHILD_CONTENT_SIZE = 1024 * 1024;

afterEach(removeTempDirs);

const WRITER_SCRIPT = join(import.meta.dir, "fixtures", "atomic-writer.ts");

describe("writeFileAtomic", () => {
  test("replaces the file's content and leaves no temp file behind", async () => {
    const dir = makeTempDir("atomic");
    const path = join(dir, "config.json");
    writeFileSync(path, "old");
    await writeFileAtomic(path, '{"new":true}\n');
    expect(readFileSync(path, "utf8")).toBe('{"new":true}\n');
    expect(readdirSync(dir)).toEqual(["config.json"]);
  });

  test("many concurrent writers: the file is always exactly one writer's content", async () => {
    const dir = makeTempDir("atomic");
    const path = join(dir, "config.json");
    // 2 MB: large enough that a plain writeFile takes several write() calls and can interleave.
    const big = (writer: string, round: number) => contentFor(writer, round, 2 * 1024 * 1024);
    await writeFileAtomic(path, big("initial", 0));
    const writers = Array.from({ length: 24 }, (_, index) => `writer-${index}`);
    const expected = new Set([big("initial", 0), ...writers.map((writer) => big(writer, 0))]);

    // Readers run while the writers race, so a torn intermediate state would be seen.
    let writing = true;
    let reads = 0;
    const unexpected: number[] = [];
    const reader = (async () => {
      while (writing) {
        const text = await readFile(path, "utf8");
        if (!expected.has(text)) unexpected.push(text.length);
        reads += 1;
      }
    })();
    await Promise.all(writers.map((writer) => writeFileAtomic(path, big(writer, 0))));
    writing = false;
    await reader;

    const final = readFileSync(path, "utf8");
    expect(writers.map((writer) => big(writer, 0))).toContain(final);
    expect(reads).toBeGreaterThan(0);
    expect(unexpected).toEqual([]);
    expect(readdirSync(dir)).toEqual(["config.json"]);
  }, SLOW_TEST_MS);

  test("two processes writing at once never leave a torn or mixed file", async () => {
    const dir = makeTempDir("atomic");
    const path = join(dir, "config.json");
    await writeFileAtomic(path, contentFor("initial", 0, CHILD_CONTENT_SIZE));
    const rounds = 100;
    const children = ["alpha", "bravo"].map((writer) =>
      Bun.spawn([process.execPath, WRITER_SCRIPT, path, writer, String(rounds), String(CHILD_CONTENT_SIZE)], {
        stderr: "pipe",
      }),
    );
    let running = true;
    const exits = Promise.all(children.map((child) => child.exited)).finally(() => {
      running = false;
    });
    let reads = 0;
    while (running) {
      const text = await readFile(path, "utf8");
      expect(isIntactContent(text, CHILD_CONTENT_SIZE)).toBe(true);
      reads += 1;
    }
    const codes = await exits;
    for (const child of children) expect(await new Response(child.stderr).text()).toBe("");
    expect(codes).toEqual([0, 0]);
    expect(reads).toBeGreaterThan(0);

    const final = readFileSync(path, "utf8");
    // The last rename wins: one of the two writers' final round, never anything else.
    const lastRounds = [contentFor("alpha", rounds - 1, CHILD_CONTENT_SIZE), contentFor("bravo", rounds - 1, CHILD_CONTENT_SIZE)];
    expect(lastRounds).toContain(final);
    expect(readdirSync(dir)).toEqual(["config.json"]);
  }, SLOW_TEST_MS);

  test("a failed write names the file, leaves the target untouched and removes its temp file", async () => {
    const dir = makeTempDir("atomic");
    const target = join(dir, "is-a-directory");
    mkdirSync(target);
    writeFileSync(join(target, "keep"), "x");
    await expect(writeFileAtomic(target, "text")).rejects.toThrow(target);
    expect(readdirSync(dir)).toEqual(["is-a-directory"]);
    expect(readdirSync(target)).toEqual(["keep"]);

    const missingDir = join(dir, "no-such-dir", "file.json");
    await expect(writeFileAtomic(missingDir, "text")).rejects.toThrow(missingDir);
  });

  test("keeps the file's permissions and writes through a symlink without replacing it", async () => {
    const dir = makeTempDir("atomic");
    const real = join(dir, "real.json");
    const link = join(dir, "link.json");
    writeFileSync(real, "{}");
    chmodSync(real, 0o600);
    symlinkSync(real, link);
    await writeFileAtomic(link, '{"saved":1}');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, "utf8")).toBe('{"saved":1}');
    expect(statSync(real).mode & 0o777).toBe(0o600);
  });

  test("replaces the file instead of rewriting it in place: an open reader keeps the whole old content", async () => {
    const dir = makeTempDir("atomic");
    const path = join(dir, "config.json");
    const oldText = contentFor("old", 0);
    writeFileSync(path, oldText);
    const oldInode = statSync(path).ino;
    const reader = openSync(path, "r");
    try {
      await writeFileAtomic(path, contentFor("new", 1));
      // A truncate-and-write would have emptied the very file this descriptor reads.
      const buffer = Buffer.alloc(oldText.length + 1);
      const bytes = readSync(reader, buffer, 0, buffer.length, 0);
      expect(buffer.subarray(0, bytes).toString("utf8")).toBe(oldText);
    } finally {
      closeSync(reader);
    }
    expect(statSync(path).ino).not.toBe(oldInode);
    expect(readFileSync(path, "utf8")).toBe(contentFor("new", 1));
  });
});

describe("readJsonFile", () => {
  test("parses a file and returns its exact text", async () => {
    const path = join(makeTempDir("json"), "a.json");
    writeFileSync(path, '{ "a": [1, 2] }\n');
    expect(await readJsonFile(path)).toEqual({ ok: true, value: { a: [1, 2] }, text: '{ "a": [1, 2] }\n' });
  });

  test("reports a missing file, an empty file and broken JSON as values naming the file", async () => {
    const dir = makeTempDir("json");
    const missing = await readJsonFile(join(dir, "none.json"));
    expect(missing).toMatchObject({ ok: false, reason: "missing" });

    writeFileSync(join(dir, "empty.json"), "");
    const empty = await readJsonFile(join(dir, "empty.json"));
    expect(empty).toMatchObject({ ok: false, reason: "invalid-json" });
    if (!empty.ok) expect(empty.error).toContain("empty.json is not valid JSON: the file is empty");

    writeFileSync(join(dir, "broken.json"), '{"a": ');
    const broken = await readJsonFile(join(dir, "broken.json"));
    expect(broken).toMatchObject({ ok: false, reason: "invalid-json", text: '{"a": ' });
    if (!broken.ok) expect(broken.error).toContain("broken.json is not valid JSON");

    const directory = await readJsonFile(dir);
    expect(directory).toMatchObject({ ok: false, reason: "unreadable" });
  });
});
