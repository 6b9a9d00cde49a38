/**
 * kill -9 durability: a child writes in a loop and prints each committed id; we
 * SIGKILL it at a random moment and check that everything it printed survived and
 * the database passes SQLite's integrity check.
 */
import { afterEach, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { DB_FILE_NAME, openStore } from "../../src/store/trader-store.ts";
import { makeTempDir, removeTempDirs } from "../util/temp-dir.ts";

afterEach(removeTempDirs);

const WRITER = join(import.meta.dir, "fixtures", "crash-writer.ts");

interface Committed {
  trade: Set<number>;
  closed: Set<number>;
  log: Set<number>;
  equity: Set<number>;
}

/** Runs the writer until it has printed `killAfterLines` lines, then SIGKILLs it a random 0–15 ms later. */
async function runAndKill(dataDir: string, killAfterLines: number): Promise<Committed> {
  const child = Bun.spawn([process.execPath, WRITER, dataDir], { stdout: "pipe", stderr: "pipe" });
  const committed: Committed = { trade: new Set(), closed: new Set(), log: new Set(), equity: new Set() };
  const decoder = new TextDecoder();
  let pending = "";
  let lines = 0;
  let killScheduled = false;
  const reader = child.stdout.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    pending += decoder.decode(value, { stream: true });
    const complete = pending.split("\n");
    // The last piece has no newline yet: it may be a line cut short by the kill, so it is not counted.
    pending = complete.pop() ?? "";
    for (const line of complete) {
      const [table, id] = line.split(" ");
      if (!table || !(table in committed) || !id) throw new Error(`unexpected writer output: ${line}`);
      committed[table as keyof Committed].add(Number(id));
      lines += 1;
    }
    if (!killScheduled && lines >= killAfterLines) {
      killScheduled = true;
      setTimeout(() => child.kill("SIGKILL"), Math.floor(Math.random() * 15));
    }
  }
  await child.exited;
  const stderr = await new Response(child.stderr).text();
  // The writer only ever stops because we killed it; anything else is a failure of the writer.
  expect({ signal: child.signalCode, stderr }).toEqual({ signal: "SIGKILL", stderr: "" });
  return committed;
}

test("kill -9 loses nothing committed and leaves an intact database", async () => {
  const dataDir = makeTempDir("crash");
  const printed: Committed = { trade: new Set(), closed: new Set(), log: new Set(), equity: new Set() };
  for (let run = 0; run < 3; run += 1) {
    const killAfterLines = 20 + Math.floor(Math.random() * 400);
    const committed = await runAndKill(dataDir, killAfterLines);
    expect(committed.trade.size).toBeGreaterThan(0);
    for (const key of Object.keys(printed) as (keyof Committed)[]) {
      for (const id of committed[key]) printed[key].add(id);
    }

    const db = new Database(join(dataDir, DB_FILE_NAME), { readonly: true });
    try {
      expect(db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").all()).toEqual([
        { integrity_check: "ok" },
      ]);
      const ids = (sql: string) => new Set(db.query<{ id: number }, []>(sql).all().map((row) => row.id));
      const trades = ids("SELECT id FROM trades");
      const closed = ids("SELECT id FROM trades WHERE closed_at IS NOT NULL");
      const logs = ids("SELECT id FROM activity_log");
      const equity = ids("SELECT id FROM equity_snapshots");
      const missing = (wanted: Set<number>, present: Set<number>) => [...wanted].filter((id) => !present.has(id));
      expect(missing(printed.trade, trades)).toEqual([]);
      expect(missing(printed.closed, closed)).toEqual([]);
      expect(missing(printed.log, logs)).toEqual([]);
      expect(missing(printed.equity, equity)).toEqual([]);
      // A trade and its "trade" log entry commit together: no trade without its entry.
      const tradesWithoutEntry = db
        .query<{ id: number }, []>(
          `SELECT id FROM trades WHERE id NOT IN (
             SELECT json_extract(data, '$.trade_id') FROM activity_log WHERE kind = 'trade'
             AND json_extract(data, '$.event') = 'open')`,
        )
        .all();
      expect(tradesWithoutEntry).toEqual([]);
    } finally {
      db.close();
    }
  }

  // And the store opens normally on the crashed file and keeps writing.
  const store = openStore(dataDir);
  try {
    expect(store.openTrades().length).toBeGreaterThan(0);
    expect(store.log("error", "after the crash").id).toBeGreaterThan(Math.max(...printed.log));
  } finally {
    store.close();
  }
}, 60_000);
