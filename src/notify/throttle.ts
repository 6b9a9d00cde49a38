/**
 * One message per kind per window, then a count: the first exchange error of a
 * kind (or failed close of a coin) is sent at once; more of the same key in the
 * next `windowMs` are counted, and when the window ends one message says how
 * many and the last one's text. A quiet window ends without a message.
 *
 * @example
 *   const throttle = new Throttle(10 * 60_000);
 *   const send = throttle.offer(notice);   // the notice, or null when counted
 *   for (const summary of throttle.flush()) queue(summary);   // on a timer
 */
import type { Notice } from "./messages.ts";

interface Window {
  opened: number;
  held: number;
  last: Notice | null;
}

export class Throttle {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** `notice` itself when it opens a window (or has no throttle key), null when it is counted. */
  offer(notice: Notice): Notice | null {
    const key = notice.throttle?.key;
    if (!key) return notice;
    const now = this.now();
    const open = this.windows.get(key);
    if (open && now - open.opened < this.windowMs) {
      open.held += 1;
      open.last = notice;
      return null;
    }
    this.windows.set(key, { opened: now, held: 0, last: null });
    return notice;
  }

  /** The count of each window that ended with something held; each starts a new window. */
  flush(): Notice[] {
    const now = this.now();
    const out: Notice[] = [];
    for (const [key, window] of this.windows) {
      if (now - window.opened < this.windowMs) continue;
      if (window.held === 0 || !window.last) {
        this.windows.delete(key);
        continue;
      }
      const { throttle: _key, ...last } = window.last;
      const label = window.last.throttle?.label ?? key;
      out.push({ ...last, at: now, text: `${label}: ${window.held} more in the last ${minutes(this.windowMs)}; the last: ${window.last.text}` });
      this.windows.set(key, { opened: now, held: 0, last: null });
    }
    return out;
  }
}

function minutes(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`;
}
