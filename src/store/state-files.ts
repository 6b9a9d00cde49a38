/**
 * The product's two small JSON files in the data dir, written atomically:
 *
 * - `trader_state.json` `{ running, mode?, live_confirmed_at, last_exchange,
 *   coinex_starting_balance, baselines, closing_duty, updated_at }`: whether the owner
 *   last left the trader ON or OFF (so a restart resumes what they chose), when they
 *   confirmed live trading, which exchange's account the dashboard shows, the
 *   kill-switch baselines, and the positions the bot must still close.
 * - `live-trader-lock.json` `{ reason, at, count?, source }`: the lockfile written by
 *   the circuit breaker, kill switch or emergency stop; no new orders while it exists.
 *
 * Both fail safe when damaged: a corrupt lockfile means LOCKED (it was written to stop
 * trading; we cannot know it no longer should), and a corrupt state file means NOT
 * running (never turn on what may have been off). Each comes with a message saying
 * which file is damaged and what to do.
 */
import { open, rename, rm, unlink } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { isErrnoCode, readJsonFile, writeFileAtomic } from "../util/atomic-file.ts";

export const TRADER_STATE_FILE = "trader_state.json";
/**
 * Where trader_state.json is moved when the trader was stopped but the OFF could
 * not be written (a full disk): a rename needs no space, and a restart then
 * finds no state file and comes up OFF, with the rest of the state read from here.
 */
export const STOPPED_STATE_FILE = "trader_state.stopped.json";
export const LOCK_FILE = "live-trader-lock.json";

const ModeSchema = z.enum(["live", "dry-run", "paused"]);
const ExchangeNameSchema = z.enum(["paper", "coinex"]);
const BaselineSchema = z.object({ equity: z.number().positive(), at: z.number().int().nonnegative().nullable() });
const ClosingTaskSchema = z.object({
  exchange: ExchangeNameSchema,
  symbol: z.string().min(1),
  reason: z.string().min(1),
  since: z.number().int().nonnegative(),
  attempts: z.number().int().nonnegative(),
  last_error: z.string().nullable(),
  next_at: z.number().int().nonnegative(),
});

const OpeningIntentSchema = z.object({
  exchange: ExchangeNameSchema,
  client_id: z.string().min(1),
  symbol: z.string().min(1),
  side: z.enum(["long", "short"]),
  reason: z.string().min(1),
  mode: z.enum(["live", "dry-run"]),
  at: z.number().int().nonnegative(),
});

// Loose: a field a newer version added does not make the file "corrupt".
const TraderStateFileSchema = z.looseObject({
  running: z.boolean(),
  mode: ModeSchema.optional(),
  live_confirmed_at: z.number().nullable().optional(),
  last_exchange: z.enum(["paper", "coinex"]).optional(),
  coinex_starting_balance: z.number().positive().nullable().optional(),
  baselines: z.object({ paper: BaselineSchema.optional(), coinex: BaselineSchema.optional() }).optional(),
  closing_duty: z.array(ClosingTaskSchema).optional(),
  opening_intents: z.array(OpeningIntentSchema).optional(),
  updated_at: z.union([z.string(), z.number()]).optional(),
});

export type ClosingTaskRecord = z.infer<typeof ClosingTaskSchema>;
export type OpeningIntentRecord = z.infer<typeof OpeningIntentSchema>;
export type BaselineRecord = z.infer<typeof BaselineSchema>;

/** What the controller persists beyond ON/OFF. */
export interface TraderStateExtras {
  /** ms; set only by a confirmed switch to live, null otherwise. */
  live_confirmed_at: number | null;
  last_exchange: "paper" | "coinex";
  coinex_starting_balance: number | null;
  baselines: { paper?: BaselineRecord; coinex?: BaselineRecord };
  /** Positions the closing duty must still close. */
  closing_duty: ClosingTaskRecord[];
  /** Opening orders sent (or about to be) whose trade is not recorded yet (src/trader/opening-intents.ts). */
  opening_intents: OpeningIntentRecord[];
}

const NO_EXTRAS: TraderStateExtras = { live_confirmed_at: null, last_exchange: "paper", coinex_starting_balance: null, baselines: {}, closing_duty: [], opening_intents: [] };

export interface TraderState extends TraderStateExtras {
  running: boolean;
  mode: "live" | "dry-run" | "paused" | null;
  /** ISO time of the last write; null when there is no (readable) file. */
  updated_at: string | null;
  /** Set when the file exists but could not be used; the state is then "not running". */
  error: string | null;
}

export async function readTraderState(dataDir: string): Promise<TraderState> {
  const path = join(dataDir, TRADER_STATE_FILE);
  const read = await readJsonFile(path);
  if (!read.ok && read.reason === "missing") {
    const aside = await readJsonFile(join(dataDir, STOPPED_STATE_FILE));
    if (aside.ok) {
      const parsed = TraderStateFileSchema.safeParse(aside.value);
      if (parsed.success) return { ...extrasOf(parsed.data), running: false, mode: null, updated_at: null, error: null };
    }
    return { running: false, mode: null, updated_at: null, error: null, ...NO_EXTRAS };
  }
  const offBecause = (problem: string): TraderState => ({
    ...NO_EXTRAS,
    running: false,
    mode: null,
    updated_at: null,
    error: `${problem}; treating the trader as OFF (start it again from the dashboard to rewrite the file)`,
  });
  if (!read.ok) return offBecause(read.error);
  const parsed = TraderStateFileSchema.safeParse(read.value);
  if (!parsed.success) return offBecause(`${path} is corrupt (${issueList(parsed.error)})`);
  const { running, mode, updated_at } = parsed.data;
  return {
    ...extrasOf(parsed.data),
    running,
    mode: mode ?? null,
    updated_at: updated_at === undefined ? null : isoOrAsWritten(updated_at),
    error: null,
  };
}

function extrasOf(data: z.infer<typeof TraderStateFileSchema>): TraderStateExtras {
  return {
    live_confirmed_at: data.live_confirmed_at ?? null,
    last_exchange: data.last_exchange ?? "paper",
    coinex_starting_balance: data.coinex_starting_balance ?? null,
    baselines: data.baselines ?? {},
    closing_duty: data.closing_duty ?? [],
    opening_intents: data.opening_intents ?? [],
  };
}

/**
 * The trader was stopped but trader_state.json could not be rewritten: move it
 * aside (a rename needs no free space), so a restart comes up OFF. The next
 * successful write puts a fresh file back and removes the moved one.
 */
export async function setStateAsideAsStopped(dataDir: string): Promise<void> {
  try {
    await rename(join(dataDir, TRADER_STATE_FILE), join(dataDir, STOPPED_STATE_FILE));
  } catch (error) {
    // No file, or a directory in its place: both already read as OFF.
    if (isErrnoCode(error, "ENOENT") || isErrnoCode(error, "EISDIR") || isErrnoCode(error, "ENOTDIR")) return;
    throw new Error(`could not move ${TRADER_STATE_FILE} aside to mark the trader OFF: ${(error as Error).message}`, { cause: error });
  }
}

export async function writeTraderState(
  dataDir: string,
  state: { running: boolean; mode?: "live" | "dry-run" | "paused" } & Partial<TraderStateExtras>,
): Promise<TraderState> {
  if (typeof state.running !== "boolean") throw new TypeError("writeTraderState: running must be true or false");
  if (state.mode !== undefined) ModeSchema.parse(state.mode);
  const updated_at = new Date().toISOString();
  const extras: TraderStateExtras = {
    live_confirmed_at: state.live_confirmed_at ?? null,
    last_exchange: state.last_exchange ?? "paper",
    coinex_starting_balance: state.coinex_starting_balance ?? null,
    baselines: state.baselines ?? {},
    closing_duty: state.closing_duty ?? [],
    opening_intents: state.opening_intents ?? [],
  };
  const file = { running: state.running, ...(state.mode === undefined ? {} : { mode: state.mode }), ...extras, updated_at };
  TraderStateFileSchema.parse(file);
  await writeFileAtomic(join(dataDir, TRADER_STATE_FILE), JSON.stringify(file, null, 2) + "\n");
  await rm(join(dataDir, STOPPED_STATE_FILE), { force: true }).catch(() => undefined);
  return { running: state.running, mode: state.mode ?? null, updated_at, error: null, ...extras };
}

const LockFileSchema = z.looseObject({
  reason: z.string().min(1),
  at: z.union([z.string(), z.number()]),
  count: z.number().int().nonnegative().optional(),
  source: z.string().min(1),
});

export interface LockInfo {
  reason: string;
  /** ISO time the lock was written. */
  at: string;
  /** E.g. the number of consecutive failures that tripped the circuit breaker. */
  count?: number;
  /** What locked: "circuit_breaker", "kill_switch", "emergency_stop", … */
  source: string;
}

export type LockStatus =
  | { locked: false }
  /** `lock` is null when the file is damaged; `message` always says why trading is locked. */
  | { locked: true; lock: LockInfo | null; corrupt: boolean; message: string };

export async function readLock(dataDir: string): Promise<LockStatus> {
  const path = join(dataDir, LOCK_FILE);
  const read = await readJsonFile(path);
  if (!read.ok && read.reason === "missing") return { locked: false };
  const lockedBecauseDamaged = (problem: string): LockStatus => ({
    locked: true,
    lock: null,
    corrupt: true,
    message: `${problem}; trading stays LOCKED until the lock is cleared from the dashboard`,
  });
  if (!read.ok) return lockedBecauseDamaged(`lockfile ${read.error}`);
  const parsed = LockFileSchema.safeParse(read.value);
  if (!parsed.success) return lockedBecauseDamaged(`lockfile ${path} is corrupt (${issueList(parsed.error)})`);
  const lock: LockInfo = {
    reason: parsed.data.reason,
    at: isoOrAsWritten(parsed.data.at),
    source: parsed.data.source,
    ...(parsed.data.count === undefined ? {} : { count: parsed.data.count }),
  };
  const count = lock.count === undefined ? "" : ` after ${lock.count}`;
  return {
    locked: true,
    lock,
    corrupt: false,
    message: `trading is locked by ${lock.source}${count} since ${lock.at}: ${lock.reason}`,
  };
}

export async function writeLock(
  dataDir: string,
  lock: { reason: string; source: string; count?: number },
): Promise<LockInfo> {
  const info: LockInfo = {
    reason: lock.reason,
    at: new Date().toISOString(),
    ...(lock.count === undefined ? {} : { count: lock.count }),
    source: lock.source,
  };
  const checked = LockFileSchema.safeParse(info);
  if (!checked.success) throw new TypeError(`writeLock: ${issueList(checked.error)}`);
  await writeFileAtomic(join(dataDir, LOCK_FILE), JSON.stringify(info, null, 2) + "\n");
  return info;
}

/** Removes the lockfile (durably). Clearing an absent lock is not an error. */
export async function clearLock(dataDir: string): Promise<void> {
  const path = join(dataDir, LOCK_FILE);
  try {
    await unlink(path);
  } catch (error) {
    if (isErrnoCode(error, "ENOENT")) return;
    throw new Error(`could not remove the lockfile ${path}: ${(error as Error).message}`, { cause: error });
  }
  const directory = await open(dataDir, "r");
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/** A time as ISO text; an unparseable one is shown as written rather than failing the read. */
function isoOrAsWritten(time: string | number): string {
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? String(time) : date.toISOString();
}

function issueList(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.map(String).join(".") || "(root)"}: ${issue.message}`).join("; ");
}
