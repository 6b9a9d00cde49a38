/**
 * Single-use confirmations for dangerous page actions without JavaScript
 * (Emergency stop, Close all, Reset baseline). The plain POST answers with a
 * confirmation page whose form carries a token issued for that action; only a
 * post with an unused, unexpired token of the same action acts. So a stray or
 * crafted `confirm=yes`, a refreshed result page or a resubmitted form is asked
 * again instead of closing positions a second time. htmx posts never need one:
 * hx-confirm asked in the browser before sending.
 *
 * Tokens live in this process (every mutation goes to the trader process, see
 * README "Several web instances"); at most `limit` are outstanding, the oldest
 * dropped first.
 */
import { randomBytes } from "node:crypto";

export class ConfirmTokens {
  private readonly issued = new Map<string, { action: string; expires: number }>();

  constructor(
    private readonly ttlMs = 10 * 60_000,
    private readonly limit = 256,
    private readonly now: () => number = Date.now,
  ) {}

  /** A fresh token for `action` (e.g. "/emergency-stop"). */
  issue(action: string): string {
    this.sweep();
    while (this.issued.size >= this.limit) {
      const oldest = this.issued.keys().next().value;
      if (oldest === undefined) break;
      this.issued.delete(oldest);
    }
    const token = randomBytes(16).toString("hex");
    this.issued.set(token, { action, expires: this.now() + this.ttlMs });
    return token;
  }

  /** True once for a token issued for `action` and not yet expired; it is gone afterwards. */
  consume(action: string, token: string | undefined): boolean {
    if (!token) return false;
    const entry = this.issued.get(token);
    if (!entry) return false;
    this.issued.delete(token);
    return entry.action === action && entry.expires > this.now();
  }

  private sweep(): void {
    const now = this.now();
    for (const [token, entry] of this.issued) if (entry.expires <= now) this.issued.delete(token);
  }
}
