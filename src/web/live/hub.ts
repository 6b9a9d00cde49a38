/**
 * The WebSocket hub: clients join a group (the scanner page, the trader page,
 * or JSON for scripts) and receive out-of-band swaps of the group's fragments
 * whenever they change: exactly the strings the page itself was built from.
 *
 * Pushes are coalesced: a change schedules one flush a few ms later (so the
 * several notifications of one action go out together). Market changes (price
 * ticks for 29 coins) go out at most every `minIntervalMs` after the previous
 * push that actually sent something; the owner's own changes (status,
 * account, config, logs) skip that wait so a click shows at once. Each flush renders each stale
 * fragment once and sends one message per group, the same string to every
 * member. A client that cannot keep up is closed with 1013 ("try again
 * later"); the htmx extension reconnects and catches up from its version.
 */
import { logger } from "../../log.ts";
import type { FragmentCache } from "../render/fragment-cache.ts";

const log = logger("web");

/** Changes made by the owner or the bot, pushed without the market-tick rate limit. */
const OWNER_TOPICS = new Set(["status", "account", "config", "logs"]);

export type GroupName = "scanner" | "trader" | "json";

export interface LiveClient {
  /** Bun's ServerWebSocket.send: bytes sent, -1 when queued under backpressure, 0 when dropped. */
  send(data: string): number;
  bufferedAmount(): number;
  close(code: number, reason: string): void;
}

/** What a page already has: fragments up to `version` of the process `boot`. */
export interface Since {
  boot: string;
  version: number;
}

export interface HubOptions {
  /** Fragment ids per group, in page order (read at each flush: a group may grow). */
  groups: Record<GroupName, () => readonly string[]>;
  minIntervalMs?: number;
  settleMs?: number;
  /** A client with more than this many bytes queued is dropped (it will reconnect). */
  maxBufferedBytes?: number;
}

interface Group {
  clients: Set<LiveClient>;
  /** The fragment version every member of the group has seen. */
  sent: number;
}

export class LiveHub {
  private readonly groups = new Map<GroupName, Group>();
  private readonly membership = new Map<LiveClient, GroupName>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** When a flush last sent something (the market-tick rate limit counts from here). */
  private lastSent = 0;
  private timerDue = 0;
  private closed = false;
  private readonly minIntervalMs: number;
  private readonly settleMs: number;
  private readonly maxBufferedBytes: number;
  /** Messages sent, for tests and /health. */
  messages = 0;

  constructor(
    private readonly cache: FragmentCache,
    private readonly options: HubOptions,
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 250;
    this.settleMs = options.settleMs ?? 2;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024;
    for (const name of ["scanner", "trader", "json"] as const) this.groups.set(name, { clients: new Set(), sent: 0 });
  }

  clientCount(): number {
    return this.membership.size;
  }

  /** Adds a client and sends it what changed since its page was rendered (everything, for a fresh or foreign `since`). */
  join(name: GroupName, client: LiveClient, since: Since | null): void {
    if (this.closed) {
      client.close(1012, "server restarting");
      return;
    }
    const group = this.group(name);
    const known = since && since.boot === this.cache.boot ? since.version : -1;
    const fragments = this.cache.getAll(this.options.groups[name]()).filter((f) => f.version > known);
    // A first member has now seen everything current: the next flush need not resend it.
    if (group.clients.size === 0) group.sent = Math.max(group.sent, this.cache.version());
    group.clients.add(client);
    this.membership.set(client, name);
    if (fragments.length > 0) this.deliver(client, fragments.map((f) => f.html).join(""));
  }

  leave(client: LiveClient): void {
    const name = this.membership.get(client);
    if (!name) return;
    this.membership.delete(client);
    this.group(name).clients.delete(client);
  }

  /** Topics changed: mark their fragments stale and schedule a push. */
  changed(topics: Iterable<string>): void {
    if (this.closed) return;
    const list = [...topics];
    if (!this.cache.invalidate(list)) return;
    this.schedule(list.some((topic) => OWNER_TOPICS.has(topic)));
  }

  private schedule(urgent: boolean): void {
    const now = Date.now();
    const delay = urgent ? this.settleMs : Math.max(this.settleMs, this.lastSent + this.minIntervalMs - now);
    // A pending flush that is due sooner already covers this change.
    if (this.timer && this.timerDue <= now + delay) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = now + delay;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, delay);
  }

  /** Renders what is stale and pushes each group's changed fragments to its members. */
  flush(): void {
    let sent = false;
    for (const [name, group] of this.groups) {
      if (group.clients.size === 0) continue;
      const fragments = this.cache.getAll(this.options.groups[name]());
      const fresh = fragments.filter((f) => f.version > group.sent);
      group.sent = this.cache.version();
      if (fresh.length === 0) continue;
      const message = fresh.map((f) => f.html).join("");
      for (const client of group.clients) this.deliver(client, message);
      sent = true;
    }
    if (sent) this.lastSent = Date.now();
  }

  private deliver(client: LiveClient, message: string): void {
    let result: number;
    try {
      result = client.send(message);
    } catch (error) {
      log.warn("WebSocket send failed; dropping the client", { error: (error as Error).message });
      this.drop(client, 1011, "send failed");
      return;
    }
    this.messages++;
    if (result === 0 || (result === -1 && client.bufferedAmount() > this.maxBufferedBytes)) {
      this.drop(client, 1013, "too slow: reconnect to catch up");
    }
  }

  private drop(client: LiveClient, code: number, reason: string): void {
    this.leave(client);
    try {
      client.close(code, reason);
    } catch {
      // already closed
    }
  }

  private group(name: GroupName): Group {
    const group = this.groups.get(name);
    if (!group) throw new Error(`unknown live group ${name}`);
    return group;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // 1012 "service restart": the htmx extension reconnects (it does not after 1001)
    // and the page catches up from the new process with a full set of fragments.
    for (const client of [...this.membership.keys()]) this.drop(client, 1012, "server restarting");
  }
}

/** Parses "boot.version" from a page's ws-connect URL. */
export function parseSince(text: string | undefined): Since | null {
  if (!text) return null;
  const match = /^([0-9a-f]{1,16})\.(\d{1,15})$/.exec(text);
  if (!match) return null;
  return { boot: match[1] ?? "", version: Number(match[2]) };
}
