/**
 * The WebSocket hub: clients join a group (a scanner page, the trader page,
 * the backtest page, one backtest run's page, a coin page, or JSON for
 * scripts) and receive out-of-band swaps of what changed in the group's
 * fragments: exactly the strings the page itself was built from, or only the
 * parts of them that changed (a card's price, not the card; see
 * FragmentCache.changes). Groups named in `groups` always exist; others are
 * made on demand by `dynamicGroups` and forgotten with their last client.
 *
 * Pushes are coalesced: a change schedules one flush once the code that made
 * it has run (`settleMs` 0, the default: a microtask), so the several
 * notifications of one action go out together. Market changes (price
 * ticks for every coin) go out at most every `minIntervalMs` after the previous
 * push that actually sent something; the owner's own changes (status,
 * account, config, logs) skip that wait so a click shows at once. Each flush
 * renders each stale fragment once and makes one message per group.
 *
 * Fan-out: every member of a group is subscribed to the group's topic and the
 * message is published once (Bun's `server.publish`: encoded and compressed
 * once, fanned out in native code); without a publisher (tests, a client
 * that cannot subscribe) it is sent to each member. A tab in the background
 * (the page says so, see `setVisible`) leaves the topic and is sent nothing
 * until it is visible again, when it gets everything that changed meanwhile
 * in one message. A client that cannot keep up is closed with 1013 ("try
 * again later"); the page reconnects and catches up from its version.
 */
import { logger } from "../../log.ts";
import type { FragmentCache } from "../render/fragment-cache.ts";

const log = logger("web");

/** Changes made by the owner or the bot, pushed without the market-tick rate limit. */
const OWNER_TOPICS = new Set(["status", "account", "config", "logs"]);

/** "scanner", "trader", "json", "backtest", or one made on demand such as "backtest-run:7". */
export type GroupName = string;

export interface LiveClient {
  /** Bun's ServerWebSocket.send: bytes sent, -1 when queued under backpressure, 0 when dropped. */
  send(data: string): number;
  bufferedAmount(): number;
  close(code: number, reason: string): void;
  /** Bun pub/sub: receive what is published to `topic`. A client without it is sent each message itself. */
  subscribe?(topic: string): void;
  unsubscribe?(topic: string): void;
  /** Told after a message was published to a topic it is subscribed to (what `send` would have told it). */
  published?(): void;
}

/** Bun's server.publish: bytes sent, -1 when some subscriber is under backpressure, 0 when dropped for some (or none subscribed). */
export type Publisher = (topic: string, message: string) => number;

/** What a page already has: fragments up to `version` of the process `boot`. */
export interface Since {
  boot: string;
  version: number;
}

export interface HubOptions {
  /** Fragment ids per group, in page order (read at each flush: a group may grow). */
  groups: Record<GroupName, () => readonly string[]>;
  /** The fragment ids of a group not in `groups` (null: no such group); asked when its first client joins. */
  dynamicGroups?: (name: GroupName) => (() => readonly string[]) | null;
  minIntervalMs?: number;
  settleMs?: number;
  /** A client with more than this many bytes queued is dropped (it will reconnect). */
  maxBufferedBytes?: number;
}

interface Member {
  client: LiveClient;
  group: Group;
  /** In the background: off the topic, sent nothing. */
  hidden: boolean;
  /** The version it had when it went to the background. */
  seen: number;
}

interface Group {
  name: GroupName;
  topic: string;
  ids: () => readonly string[];
  members: Set<Member>;
  /** The fragment version every visible member of the group has seen. */
  sent: number;
  /** Made on demand: forgotten when its last client leaves. */
  dynamic: boolean;
}

export class LiveHub {
  private readonly groups = new Map<GroupName, Group>();
  private readonly members = new Map<LiveClient, Member>();
  private publisher: Publisher | null = null;
  private timer: { timeout: ReturnType<typeof setTimeout> } | { microtask: true } | null = null;
  /** When a flush last sent something (the market-tick rate limit counts from here). */
  private lastSent = 0;
  private timerDue = 0;
  private closed = false;
  private readonly minIntervalMs: number;
  private readonly settleMs: number;
  private readonly maxBufferedBytes: number;
  /** Messages handed over (one per publish, or per client sent to), for tests and /health. */
  messages = 0;

  constructor(
    private readonly cache: FragmentCache,
    private readonly options: HubOptions,
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 250;
    this.settleMs = options.settleMs ?? 0;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024;
    for (const [name, ids] of Object.entries(options.groups)) this.groups.set(name, newGroup(name, ids, false));
  }

  /** Publishes through Bun's pub/sub from now on (the server is known once the first socket arrives). */
  usePublisher(publish: Publisher): void {
    this.publisher ??= publish;
  }

  clientCount(): number {
    return this.members.size;
  }

  /** Clients in the background (sent nothing until they are visible again), for tests. */
  backgroundCount(): number {
    let count = 0;
    for (const member of this.members.values()) if (member.hidden) count++;
    return count;
  }

  /** Groups that exist now (the fixed ones and those with clients), for tests. */
  groupCount(): number {
    return this.groups.size;
  }

  /** Adds a client and sends it what changed since its page was rendered (everything, for a fresh or foreign `since`). */
  join(name: GroupName, client: LiveClient, since: Since | null): void {
    if (this.closed) {
      client.close(1012, "server restarting");
      return;
    }
    const group = this.group(name, true);
    const known = since && since.boot === this.cache.boot ? since.version : -1;
    const catchUp = this.cache.changes(group.ids(), known);
    // A first member has now seen everything current: the next flush need not resend it.
    if (group.members.size === 0) group.sent = Math.max(group.sent, this.cache.version());
    const member: Member = { client, group, hidden: false, seen: 0 };
    group.members.add(member);
    this.members.set(client, member);
    // Sent before subscribing: whatever is published next reaches the page after it.
    if (catchUp.length > 0 && !this.deliver(client, catchUp.join(""))) return;
    client.subscribe?.(group.topic);
  }

  leave(client: LiveClient): void {
    const member = this.members.get(client);
    if (!member) return;
    this.members.delete(client);
    const group = member.group;
    group.members.delete(member);
    try {
      client.unsubscribe?.(group.topic);
    } catch {
      // the socket is closed already, and with it its subscriptions
    }
    if (group.dynamic && group.members.size === 0) this.groups.delete(group.name);
  }

  /**
   * The page went to the background (`visible` false) or came back. In the
   * background it is sent nothing; back, it first gets everything that
   * changed meanwhile, in one message, then the pushes again.
   */
  setVisible(client: LiveClient, visible: boolean): void {
    const member = this.members.get(client);
    if (!member || member.hidden === !visible) return;
    const group = member.group;
    if (!visible) {
      member.hidden = true;
      member.seen = group.sent;
      client.unsubscribe?.(group.topic);
      return;
    }
    member.hidden = false;
    const catchUp = this.cache.changes(group.ids(), member.seen);
    if (catchUp.length > 0 && !this.deliver(client, catchUp.join(""))) return;
    client.subscribe?.(group.topic);
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
    this.cancelFlush();
    this.timerDue = now + delay;
    const run = () => {
      this.timer = null;
      this.flush();
    };
    // No settle: flush as a microtask, once the code that made the change has
    // run (its other notifications, made in the same step, go in the same
    // message) and before whoever awaited that code goes on: an owner's POST
    // pushes to every page before its own answer is rendered and written.
    if (delay <= 0) {
      const pending = { microtask: true as const };
      this.timer = pending;
      queueMicrotask(() => {
        if (this.timer === pending) run();
      });
    } else {
      this.timer = { timeout: setTimeout(run, delay) };
    }
  }

  private cancelFlush(): void {
    if (this.timer && "timeout" in this.timer) clearTimeout(this.timer.timeout);
    this.timer = null;
  }

  /** Renders what is stale and pushes each group's changes to its visible members. */
  flush(): void {
    let sent = false;
    for (const group of this.groups.values()) {
      if (group.members.size === 0) continue;
      const changes = this.cache.changes(group.ids(), group.sent);
      group.sent = this.cache.version();
      if (changes.length === 0) continue;
      sent = this.fanOut(group, changes.join("")) || sent;
    }
    if (sent) this.lastSent = Date.now();
  }

  /** One publish to the group's topic (and a send to each visible member that cannot subscribe); false when nobody was listening. */
  private fanOut(group: Group, message: string): boolean {
    const visible = [...group.members].filter((member) => !member.hidden);
    if (visible.length === 0) return false;
    const publish = this.publisher;
    let result = 1;
    let published = false;
    if (publish && visible.some((member) => member.client.subscribe)) {
      try {
        result = publish(group.topic, message);
        published = true;
        this.messages++;
      } catch (error) {
        log.warn("WebSocket publish failed; sending to each client", { error: (error as Error).message });
      }
    }
    for (const member of visible) {
      const client = member.client;
      if (!published || !client.subscribe) {
        this.deliver(client, message);
        continue;
      }
      client.published?.();
      // Some subscriber is behind (-1) or was skipped (0): drop those that cannot catch up, they reconnect.
      if (result <= 0 && client.bufferedAmount() > this.maxBufferedBytes) this.drop(client, 1013, "too slow: reconnect to catch up");
    }
    return true;
  }

  /** Sends one message to one client; false when the client had to be dropped. */
  private deliver(client: LiveClient, message: string): boolean {
    let result: number;
    try {
      result = client.send(message);
    } catch (error) {
      log.warn("WebSocket send failed; dropping the client", { error: (error as Error).message });
      this.drop(client, 1011, "send failed");
      return false;
    }
    this.messages++;
    if (result === 0 || (result === -1 && client.bufferedAmount() > this.maxBufferedBytes)) {
      this.drop(client, 1013, "too slow: reconnect to catch up");
      return false;
    }
    return true;
  }

  private drop(client: LiveClient, code: number, reason: string): void {
    this.leave(client);
    try {
      client.close(code, reason);
    } catch {
      // already closed
    }
  }

  private group(name: GroupName, create = false): Group {
    let group = this.groups.get(name);
    if (!group && create) {
      const ids = this.options.dynamicGroups?.(name) ?? null;
      if (ids) this.groups.set(name, (group = newGroup(name, ids, true)));
    }
    if (!group) throw new Error(`unknown live group ${name}`);
    return group;
  }

  close(): void {
    this.closed = true;
    this.cancelFlush();
    // 1012 "service restart": the htmx extension reconnects (it does not after 1001)
    // and the page catches up from the new process with a full set of fragments.
    for (const client of [...this.members.keys()]) this.drop(client, 1012, "server restarting");
  }
}

function newGroup(name: GroupName, ids: () => readonly string[], dynamic: boolean): Group {
  return { name, topic: `live:${name}`, ids, members: new Set(), sent: 0, dynamic };
}

/** Parses "boot.version" from a page's ws-connect URL. */
export function parseSince(text: string | undefined): Since | null {
  if (!text) return null;
  const match = /^([0-9a-f]{1,16})\.(\d{1,15})$/.exec(text);
  if (!match) return null;
  return { boot: match[1] ?? "", version: Number(match[2]) };
}

/**
 * What a page says over its socket: `{"visibility":"hidden"|"visible"}` (the
 * browser's visibility API, static/live.js). Anything else is not for us: null.
 */
export function parseClientMessage(text: string): { visible: boolean } | null {
  if (text.length > 100) return null;
  try {
    const message = JSON.parse(text) as { visibility?: unknown };
    if (message.visibility === "hidden") return { visible: false };
    if (message.visibility === "visible") return { visible: true };
  } catch {
    // not JSON: not a visibility message
  }
  return null;
}
