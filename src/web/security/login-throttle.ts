/**
 * Slows down token guessing at /login without ever locking the owner out.
 *
 * Failed logins are counted per client address (an IPv6 client by its /64,
 * which one host usually owns whole) in a fixed window. Once an address has
 * `maxFailures` failures in the window it is "throttled": each of its attempts
 * waits `delayMs` before the token is compared, and a wrong token is answered
 * 429 instead of 401.
 *
 * Why the right token is still accepted from a throttled address, after that
 * short delay, instead of being refused until the window passes:
 *  - refusing it lets anyone lock the owner out just by posting wrong tokens,
 *    and a per-address count alone does not prevent that: behind the reverse
 *    proxy README recommends, every browser reaches us from the proxy's own
 *    address, so the attacker and the owner share one bucket;
 *  - what makes guessing hopeless is the token itself: DASHBOARD_TOKEN must be
 *    at least 16 characters (refused at start otherwise), 64 bits or more when
 *    random; at ten thousand guesses a second that is millions of years. The
 *    throttle is a second line: it caps a sequential guesser at one try per
 *    `delayMs` and keeps the log quiet, it is not what keeps the token secret.
 * So the owner waits `delayMs` (1 s by default) at most, never a minute.
 *
 * The table of addresses is bounded (`maxAddresses`): expired entries are
 * dropped first, then the oldest. An attacker with more addresses than that
 * only loses its own counts, which the token length makes harmless.
 *
 * @example
 *   const throttle = new LoginThrottle();
 *   const key = LoginThrottle.key(peerAddress);
 *   if (throttle.throttled(key)) await Bun.sleep(throttle.delayMs);
 *   if (!correct) throttle.recordFailure(key);
 */

export interface LoginThrottleOptions {
  /** Failed logins per address per window before the address is throttled (default 10). */
  maxFailures?: number;
  /** The counting window (default 60 s). */
  windowMs?: number;
  /** How long each attempt from a throttled address waits before it is checked (default 1 s). */
  delayMs?: number;
  /** Addresses remembered at most (default 10,000). */
  maxAddresses?: number;
  now?: () => number;
}

interface Entry {
  failures: number;
  windowStart: number;
}

export class LoginThrottle {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly delayMs: number;
  readonly maxAddresses: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();

  constructor(options: LoginThrottleOptions = {}) {
    this.maxFailures = whole(options.maxFailures ?? 10, "maxFailures", 1);
    this.windowMs = whole(options.windowMs ?? 60_000, "windowMs", 1);
    this.delayMs = whole(options.delayMs ?? 1_000, "delayMs", 0);
    this.maxAddresses = whole(options.maxAddresses ?? 10_000, "maxAddresses", 1);
    this.now = options.now ?? Date.now;
  }

  /**
   * The bucket of a peer address: IPv4 as is (also when IPv4-mapped), IPv6 by
   * its first 64 bits, anything else (no address known) as one shared bucket.
   */
  static key(address: string | null | undefined): string {
    if (!address) return "unknown";
    const plain = address.trim().toLowerCase().replace(/^\[|\]$/g, "").replace(/%.*$/, "");
    const mapped = /^(?:0*:)*:?ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(plain) ?? /^::(\d{1,3}(?:\.\d{1,3}){3})$/.exec(plain);
    if (mapped) return mapped[1] ?? plain;
    if (!plain.includes(":")) return plain;
    const groups = expandIpv6(plain);
    return groups ? `${groups.slice(0, 4).join(":")}::/64` : plain;
  }

  /** True when this bucket failed `maxFailures` times or more in the current window. */
  throttled(key: string): boolean {
    const entry = this.current(key);
    return entry !== null && entry.failures >= this.maxFailures;
  }

  recordFailure(key: string): void {
    const entry = this.current(key);
    if (entry) {
      entry.failures += 1;
      return;
    }
    this.makeRoom();
    this.entries.set(key, { failures: 1, windowStart: this.now() });
  }

  /** Addresses currently remembered. */
  size(): number {
    return this.entries.size;
  }

  /** The bucket's entry in its live window, dropping it when its window has passed. */
  private current(key: string): Entry | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (this.now() - entry.windowStart >= this.windowMs) {
      this.entries.delete(key);
      return null;
    }
    return entry;
  }

  private makeRoom(): void {
    if (this.entries.size < this.maxAddresses) return;
    const now = this.now();
    for (const [key, entry] of this.entries) if (now - entry.windowStart >= this.windowMs) this.entries.delete(key);
    // Still full of live entries: forget the oldest (Map keeps insertion order).
    for (const key of this.entries.keys()) {
      if (this.entries.size < this.maxAddresses) break;
      this.entries.delete(key);
    }
  }
}

/** "2001:db8::1" → ["2001","db8","0","0","0","0","0","1"], or null when it is not an IPv6 address. */
function expandIpv6(address: string): string[] | null {
  const halves = address.split("::");
  if (halves.length > 2) return null;
  const part = (text: string | undefined) => (text ? text.split(":") : []);
  const head = part(halves[0]);
  const tail = part(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array.from({ length: halves.length === 2 ? missing : 0 }, () => "0"), ...tail];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => g.replace(/^0+(?=.)/, ""));
}

function whole(value: number, name: string, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`LoginThrottle: ${name} must be a whole number ≥ ${min}, got ${value}`);
  return value;
}
