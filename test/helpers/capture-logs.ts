import { setQuiet } from "../../src/log.ts";

/** Runs `fn` with logging on and returns what it wrote to stderr, one entry per line. */
export async function captureLogs<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split("\n").filter(Boolean));
    return true;
  }) as typeof process.stderr.write;
  setQuiet(false);
  try {
    return { result: await fn(), lines };
  } finally {
    process.stderr.write = write;
    setQuiet(true);
  }
}
