/**
 * The handlers registered on a bus, grouped as Redis groups them: one group per
 * subscribed channel and one per pattern. Redis sends a message once per
 * matching group (a channel subscription and a `*` pattern both receive it), so
 * both buses decode and deliver per group through `deliver`, which makes the
 * two behave alike: each group validates the raw message once, a malformed
 * message costs one error line per group and reaches no handler, and a
 * throwing handler is logged without disturbing the others.
 */
import type { Logger } from "../log.ts";
import { decodeMessage } from "./codec.ts";
import { globToRegExp } from "./glob.ts";
import type { ChannelName } from "./payloads.ts";

type AnyHandler = (message: never, channel: ChannelName) => void | Promise<void>;

export interface Subscription {
  readonly handler: AnyHandler;
}

export interface Group {
  readonly kind: "channel" | "pattern";
  /** The channel name or the pattern. */
  readonly name: string;
  readonly members: Set<Subscription>;
}

interface PatternGroup extends Group {
  readonly regex: RegExp;
}

export class SubscriptionRegistry {
  private readonly channels = new Map<string, Group>();
  private readonly patterns = new Map<string, PatternGroup>();

  constructor(private readonly log: Logger) {}

  /** Adds a handler; `created` is true when this is the group's first member (Redis must be told). */
  add(kind: "channel" | "pattern", name: string, handler: AnyHandler): { subscription: Subscription; created: boolean } {
    let group: Group | undefined = kind === "channel" ? this.channels.get(name) : this.patterns.get(name);
    const created = group === undefined;
    if (group === undefined) {
      if (kind === "channel") {
        group = { kind, name, members: new Set() };
        this.channels.set(name, group);
      } else {
        const patternGroup: PatternGroup = { kind, name, members: new Set(), regex: globToRegExp(name) };
        this.patterns.set(name, patternGroup);
        group = patternGroup;
      }
    }
    const subscription: Subscription = { handler };
    group.members.add(subscription);
    return { subscription, created };
  }

  /** Removes a handler; true when its group became empty (Redis may be told to unsubscribe). */
  remove(kind: "channel" | "pattern", name: string, subscription: Subscription): boolean {
    const groups = kind === "channel" ? this.channels : this.patterns;
    const group = groups.get(name);
    if (!group || !group.members.delete(subscription)) return false;
    if (group.members.size > 0) return false;
    groups.delete(name);
    return true;
  }

  channelNames(): string[] {
    return [...this.channels.keys()];
  }

  patternNames(): string[] {
    return [...this.patterns.keys()];
  }

  channelGroup(channel: string): Group | undefined {
    return this.channels.get(channel);
  }

  patternGroup(pattern: string): Group | undefined {
    return this.patterns.get(pattern);
  }

  /** Every group a message on `channel` reaches, with its members as of now. */
  groupsFor(channel: string): Group[] {
    const found: Group[] = [];
    const exact = this.channels.get(channel);
    if (exact) found.push(snapshot(exact));
    for (const group of this.patterns.values()) {
      if (group.regex.test(channel)) found.push(snapshot(group));
    }
    return found;
  }

  /** Whether `subscription` is still registered (it may have unsubscribed since a snapshot). */
  isActive(group: Group, subscription: Subscription): boolean {
    const live = group.kind === "channel" ? this.channels.get(group.name) : this.patterns.get(group.name);
    return live?.members.has(subscription) ?? false;
  }

  clear(): void {
    this.channels.clear();
    this.patterns.clear();
  }

  /** Validates `raw` once for the group and hands it to the members still subscribed. */
  deliver(group: Group, channel: string, raw: string): void {
    const members = [...group.members].filter((subscription) => this.isActive(group, subscription));
    if (members.length === 0) return;
    const decoded = decodeMessage(channel, raw);
    if (!decoded.ok) {
      const via = group.kind === "pattern" ? ` (pattern ${group.name})` : "";
      this.log.error(`Dropped a malformed message on ${channel}${via}: ${decoded.problem}`);
      return;
    }
    for (const { handler } of members) {
      try {
        const result = (handler as (message: unknown, channel: string) => unknown)(decoded.value, channel);
        if (result instanceof Promise) {
          result.catch((error: unknown) => this.reportHandlerError(channel, error));
        }
      } catch (error) {
        this.reportHandlerError(channel, error);
      }
    }
  }

  private reportHandlerError(channel: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.log.error(`A handler for ${channel} failed: ${message}`);
  }
}

function snapshot(group: Group): Group {
  return { kind: group.kind, name: group.name, members: new Set(group.members) };
}
