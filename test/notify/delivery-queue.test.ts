/**
 * The per-channel delivery queue: pushing never waits; messages go out in
 * order; a failure is retried with back-off (a 429's retry_after exactly) and
 * the message arrives after recovery; a timeout is a failure like another; a
 * full queue drops its oldest low-priority message and counts it; a failing
 * channel is reported once, and its recovery once. Waits are recorded, never
 * measured.
 */
import { describe, expect, test } from "bun:test";
import type { Channel, OutgoingMessage, SendOutcome } from "../../src/notify/channels/channel.ts";
import { DeliveryQueue } from "../../src/notify/delivery-queue.ts";
import type { Notice } from "../../src/notify/messages.ts";
import { waitFor } from "../helpers/wait.ts";

type Step = SendOutcome | "hang";

/** A channel answering from a script (then ok), recording what it was given. */
function scriptedChannel(...script: Step[]) {
  const tried: string[] = [];
  const sent: string[] = [];
  const channel: Channel = {
    name: "telegram",
    async send(message: OutgoingMessage, signal: AbortSignal): Promise<SendOutcome> {
      tried.push(message.notice.text);
      const step = script.shift() ?? { ok: true };
      if (step === "hang") {
        await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        return { ok: false, error: "no answer in time" };
      }
      if (step.ok) sent.push(message.notice.text);
      return step;
    },
  };
  return { channel, tried, sent, script };
}

function message(text: string, priority: "high" | "low" = "high"): OutgoingMessage {
  const notice: Notice = { event: "kill_switch", mode: "live", text, priority, at: 0 };
  return { notice, silent: false };
}

function makeQueue(channel: Channel, options: ConstructorParameters<typeof DeliveryQueue>[1] = {}) {
  const waits: number[] = [];
  const reports: string[] = [];
  const queue = new DeliveryQueue(channel, {
    timeoutMs: 50,
    sleep: async (ms) => void waits.push(ms),
    ...options,
  }, {
    failing: (error, waiting) => reports.push(`failing: ${error} (${waiting} waiting)`),
    recovered: (failures) => reports.push(`recovered after ${failures} failure(s)`),
  });
  return { queue, waits, reports };
}

describe("DeliveryQueue", () => {
  test("push returns at once; messages go out in order", async () => {
    const { channel, sent } = scriptedChannel();
    const { queue } = makeQueue(channel);
    const order: string[] = [];
    queue.push(message("one"));
    queue.push(message("two"));
    order.push("pushed both");
    queue.push(message("three"));
    expect(sent).toEqual([]); // nothing was sent inside push
    await queue.idle();
    order.push(...sent);
    expect(order).toEqual(["pushed both", "one", "two", "three"]);
    expect(queue.state()).toMatchObject({ waiting: 0, sent: 3, dropped: 0, gave_up: 0, last_error: null });
  });

  test("5xx and a timeout are retried with doubling back-off; a 429 waits exactly its retry_after; the message arrives after recovery", async () => {
    const { channel, tried, sent } = scriptedChannel({ ok: false, error: "HTTP 500" }, "hang", { ok: false, error: "HTTP 429", retryAfterMs: 3000 });
    const { queue, waits, reports } = makeQueue(channel, { firstRetryMs: 1000, maxRetryMs: 60_000 });
    queue.push(message("kill switch"));
    queue.push(message("after it"));
    await queue.idle();
    expect(tried).toEqual(["kill switch", "kill switch", "kill switch", "kill switch", "after it"]);
    expect(sent).toEqual(["kill switch", "after it"]);
    expect(waits).toEqual([1000, 2000, 3000]);
    expect(reports).toEqual(["failing: HTTP 500 (2 waiting)", "recovered after 3 failure(s)"]);
    const state = queue.state();
    expect(state.last_error).toBe("HTTP 429");
    expect(state.last_failure_at).not.toBeNull();
    expect(state.last_success_at! >= state.last_failure_at!).toBe(true);
    expect(state.failing).toBe(false);
  });

  test("while a channel fails, the state says when and how many wait for a retry", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { channel } = scriptedChannel({ ok: false, error: "HTTP 502" });
    const { queue } = makeQueue(channel, { sleep: () => gate });
    queue.push(message("a"));
    queue.push(message("b"));
    queue.push(message("c"));
    await waitFor("the first failure", () => queue.state().failing);
    expect(queue.state()).toMatchObject({ failing: true, waiting: 3, last_error: "HTTP 502", last_success_at: null });
    release();
    await queue.idle();
    expect(queue.state()).toMatchObject({ failing: false, waiting: 0, sent: 3 });
  });

  test("a permanent refusal (bad token) drops that message without retrying; it is counted", async () => {
    const { channel, tried } = scriptedChannel({ ok: false, error: "HTTP 401: Unauthorized", permanent: true });
    const { queue, waits } = makeQueue(channel);
    queue.push(message("x"));
    queue.push(message("y"));
    await queue.idle();
    expect(tried).toEqual(["x", "y"]);
    expect(waits).toEqual([]);
    expect(queue.state()).toMatchObject({ gave_up: 1, sent: 1 });
  });

  test("a message is given up after maxAttempts, and counted", async () => {
    const { channel } = scriptedChannel(...Array.from({ length: 3 }, () => ({ ok: false as const, error: "HTTP 500" })));
    const { queue } = makeQueue(channel, { maxAttempts: 3 });
    queue.push(message("doomed"));
    queue.push(message("next"));
    await queue.idle();
    expect(queue.state()).toMatchObject({ gave_up: 1, sent: 1 });
  });

  test("full: the oldest low-priority message waiting is dropped and counted; high-priority ones stay", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { channel, sent } = scriptedChannel({ ok: false, error: "HTTP 500" });
    const { queue } = makeQueue(channel, { capacity: 4, sleep: () => gate });
    queue.push(message("H1 (in flight)", "high"));
    await waitFor("the first failure", () => queue.state().failing);
    queue.push(message("L1", "low"));
    queue.push(message("H2", "high"));
    queue.push(message("L2", "low"));
    queue.push(message("H3", "high")); // full: L1 goes
    queue.push(message("H4", "high")); // full: L2 goes
    queue.push(message("H5", "high")); // full, nothing low left: the oldest waiting (H2) goes
    expect(queue.state()).toMatchObject({ waiting: 4, dropped: 3 });
    release();
    await queue.idle();
    expect(sent).toEqual(["H1 (in flight)", "H3", "H4", "H5"]);
  });

  test("sendNow (the test message) tries once, outside the queue, and wakes a queue waiting to retry", async () => {
    const never = new Promise<void>(() => {});
    const { channel, sent } = scriptedChannel({ ok: false, error: "HTTP 500" });
    const { queue } = makeQueue(channel, { sleep: () => never });
    queue.push(message("waiting"));
    await waitFor("the first failure", () => queue.state().failing);
    expect(await queue.sendNow(message("test"))).toEqual({ ok: true });
    await queue.idle();
    expect(sent).toEqual(["test", "waiting"]);
  });

  test("stop ends the waits and the attempt in flight", async () => {
    const { channel } = scriptedChannel("hang");
    const { queue } = makeQueue(channel, { timeoutMs: 60_000 });
    queue.push(message("never"));
    await waitFor("the attempt", () => queue.state().waiting === 1);
    queue.stop();
    await queue.idle();
    expect(queue.state().sent).toBe(0);
  });
});
