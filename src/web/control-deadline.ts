/**
 * A deadline for controls that can take long (close all, emergency stop, a
 * close or a cycle whose exchange calls retry): the caller always gets an
 * answer. If the controller call has not finished when the deadline passes,
 * the route answers at once that it is still running (202) and the call goes
 * on in the background. Its result is not lost: the controller records every
 * action in the activity log, which the page shows live over the WebSocket;
 * this module adds one line to the server log with the late outcome, and the
 * error when the call threw (the controller records nothing then).
 *
 * Without it a slow control met Bun's idle timeout (10 s by default) and the
 * caller read an empty reply, not knowing whether anything had happened. The
 * server's idleTimeout (src/app/web-server.ts) is set well above the deadline.
 *
 * @example
 *   const outcome = await withinDeadline("Close all", () => controller.closeAllPositions("api"), 8000);
 *   if (!outcome.done) return c.json({ ok: true, accepted: true, message: stillRunning("Close all") }, 202);
 */
import { logger } from "../log.ts";

const log = logger("web");

/** How long a control may run before the caller is answered "still running". */
export const CONTROL_DEADLINE_MS = 8_000;

export type Deadlined<T> = { done: true; value: T } | { done: false };

/**
 * Runs `call`; resolves with its value if it settles before `deadlineMs`
 * (rejects with its error if it throws in time), else with `{ done: false }`
 * and lets it finish in the background, logging how it ended.
 */
export async function withinDeadline<T>(what: string, call: () => Promise<T>, deadlineMs: number): Promise<Deadlined<T>> {
  const running = call();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), Math.max(0, deadlineMs));
  });
  try {
    const first = await Promise.race([running.then((value) => ({ value })), late]);
    if (first !== "late") return { done: true, value: first.value };
  } finally {
    clearTimeout(timer);
  }
  const started = Date.now();
  running.then(
    (value) => log.info(`${what} finished ${Date.now() - started + deadlineMs} ms after it started, after its answer`, summary(value)),
    (error: unknown) => log.error(`${what} failed after its answer (still running at the deadline): ${error instanceof Error ? error.message : String(error)}`),
  );
  return { done: false };
}

/** The message of a 202: what is still running and where its result goes. */
export function stillRunning(what: string): string {
  return `${what} is still running: each result goes to the activity log and the page`;
}

function summary(value: unknown): unknown {
  if (value && typeof value === "object" && "message" in value) {
    const { ok, message } = value as { ok?: unknown; message?: unknown };
    return { ok, message };
  }
  return undefined;
}
