/**
 * Login sessions: a random id in an HttpOnly, SameSite=Strict cookie maps to
 * an expiry kept in memory (never the token itself, so a stolen cookie dies
 * with the process or at expiry, and the token never travels after login).
 * Failed logins are throttled so the token cannot be guessed quickly.
 */
import { randomBytes } from "node:crypto";

export const SESSION_COOKIE = "dash_session";

export interface SessionOptions {
  ttlMs?: number;
  maxSessions?: number;
  now?: () => number;
  /** Failed logins allowed per window before answering 429. */
  maxFailures?: number;
  failureWindowMs?: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, number>();
  private failures: number[] = [];
  readonly ttlMs: number;
  private readonly maxSessions: number;
  private readonly now: () => number;
  private readonly maxFailures: number;
  private readonly failureWindowMs: number;

  constructor(options: SessionOptions = {}) {
    this.ttlMs = options.ttlMs ?? 12 * 60 * 60 * 1000;
    this.maxSessions = options.maxSessions ?? 1000;
    this.now = options.now ?? Date.now;
    this.maxFailures = options.maxFailures ?? 10;
    this.failureWindowMs = options.failureWindowMs ?? 60_000;
  }

  create(): string {
    const id = randomBytes(32).toString("base64url");
    if (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    this.sessions.set(id, this.now() + this.ttlMs);
    return id;
  }

  valid(id: string | undefined): boolean {
    if (!id) return false;
    const expires = this.sessions.get(id);
    if (expires === undefined) return false;
    if (expires <= this.now()) {
      this.sessions.delete(id);
      return false;
    }
    return true;
  }

  destroy(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  /** True when too many logins failed recently: refuse before even comparing. */
  throttled(): boolean {
    const since = this.now() - this.failureWindowMs;
    this.failures = this.failures.filter((t) => t > since);
    return this.failures.length >= this.maxFailures;
  }

  recordFailure(): void {
    this.failures.push(this.now());
  }
}
