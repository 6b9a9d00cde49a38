/**
 * The body of GET /api/trader/status, serialised once per state change
 * instead of once per request: scripts poll it, and building the status
 * (lockfile, config warnings, positions) and stringifying it was most of a
 * request's cost. Forgotten on every controller notification, and after
 * MAX_AGE_MS regardless, because a few fields move without one (a rejection
 * cooldown running out, the market source failing over).
 */
import type { TraderPort } from "../deps.ts";

/** The oldest a served status may be when nothing was notified. */
export const STATUS_MAX_AGE_MS = 1000;

export class StatusJson {
  private text: string | null = null;
  private at = 0;
  private readonly stop: () => void;

  constructor(
    private readonly controller: Pick<TraderPort, "status" | "onChange">,
    private readonly maxAgeMs = STATUS_MAX_AGE_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.stop = controller.onChange(() => {
      this.text = null;
    });
  }

  /** The status as JSON text, rendered at most once per change (or per maxAgeMs). */
  body(): string {
    const now = this.now();
    if (this.text === null || now - this.at >= this.maxAgeMs) {
      this.text = JSON.stringify(this.controller.status());
      this.at = now;
    }
    return this.text;
  }

  close(): void {
    this.stop();
  }
}
