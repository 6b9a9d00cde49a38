/**
 * Fault injection for kill9-positions.test.ts, loaded into the server with
 * `bun --preload`: the process SIGKILLs itself the moment it writes a log line
 * matching KILL9_AT_LOG (a regular expression), once the file KILL9_ARM exists.
 * The paper exchange logs "paper order filled", "paper position closed" and
 * "paper take-profit" / "paper stop-loss" right after the account file holds the
 * change and before control returns to the trader, so a kill there lands exactly
 * between the exchange's fill and the trader's record of it. The matching line is
 * written to KILL9_MARKER first (synchronously), so the test knows what was cut.
 */
import { existsSync, writeFileSync } from "node:fs";

const pattern = process.env.KILL9_AT_LOG ? new RegExp(process.env.KILL9_AT_LOG) : null;
const arm = process.env.KILL9_ARM;
const marker = process.env.KILL9_MARKER;

if (pattern && arm && marker) {
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
    if (pattern.test(text) && existsSync(arm)) {
      writeFileSync(marker, text);
      process.kill(process.pid, "SIGKILL");
    }
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
}
