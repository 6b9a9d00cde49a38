/**
 * Fragments rendered once per state change. Each fragment (a coin card, the
 * positions table, …) names the topics it depends on; a change to a topic
 * marks it stale, and the next reader (a page request or a WebSocket flush)
 * renders it once. A re-render that yields the same HTML keeps its version,
 * so nothing is pushed for a change nobody can see (e.g. an account refresh
 * with the same numbers), and a form being edited is not replaced for nothing.
 *
 * A fragment may have parts (elements its view marks `data-part`, see
 * fragment-parts.ts), each versioned on its own: `changes()` gives a reader
 * that already has version N only the parts rendered differently since, or
 * the whole fragment when what is around the parts (its skeleton) changed.
 * A tick that moves a price sends that price, not the card around it.
 *
 * Versions come from one counter, so "everything newer than N" is how a page
 * tells the WebSocket what it already has. Each HTML fragment's root (and each
 * part's) carries `data-v="boot.version"` so the browser (static/live.js)
 * never lets an older copy replace a newer one, whichever of a push and a form
 * answer lands first. A fragment's version is that of its newest part or of
 * its skeleton, whichever is newer.
 */
import { randomBytes } from "node:crypto";
import { logger } from "../../log.ts";
import { joinParts, splitParts } from "./fragment-parts.ts";

const log = logger("web");

export interface FragmentDef {
  /** The element id of the fragment's root (also its cache key). */
  id: string;
  topics: readonly string[];
  render(): string;
  /** Not HTML (the JSON payload): no data-v attribute. */
  plain?: boolean;
}

export interface Fragment {
  id: string;
  html: string;
  version: number;
}

interface Part {
  id: string;
  /** As rendered, before the version attribute. */
  body: string;
  version: number;
  /** With its version, as the fragment's HTML holds it. */
  html: string;
  /** With its version and hx-swap-oob, to be sent on its own. */
  alone: string;
}

interface Entry extends Fragment {
  def: FragmentDef;
  stale: boolean;
  /** The rendered HTML before the version attribute (what changes are detected on). */
  body: string;
  /** The version of the HTML around the parts (the whole HTML when there are none). */
  skeletonVersion: number;
  /** The HTML around the parts, with the parts' ids: what decides a whole push. */
  skeleton: string;
  parts: Part[];
}

export class FragmentCache {
  /** Distinguishes this process's versions from a previous run's (a page open across a restart). */
  readonly boot = randomBytes(4).toString("hex");
  private counter = 0;
  private readonly entries = new Map<string, Entry>();
  private readonly byTopic = new Map<string, Set<Entry>>();
  renders = 0;

  define(def: FragmentDef): void {
    if (this.entries.has(def.id)) throw new Error(`fragment ${def.id} defined twice`);
    const entry: Entry = { def, id: def.id, html: "", body: "", version: 0, stale: true, skeletonVersion: 0, skeleton: "", parts: [] };
    this.entries.set(def.id, entry);
    for (const topic of def.topics) {
      let set = this.byTopic.get(topic);
      if (!set) this.byTopic.set(topic, (set = new Set()));
      set.add(entry);
    }
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** Drops a fragment defined on demand (a backtest run's panel no page shows any more); defining it again starts afresh. */
  forget(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    for (const topic of entry.def.topics) {
      const set = this.byTopic.get(topic);
      set?.delete(entry);
      if (set && set.size === 0) this.byTopic.delete(topic);
    }
  }

  /** Marks every fragment depending on one of `topics` stale; true if any was. */
  invalidate(topics: Iterable<string>): boolean {
    let any = false;
    for (const topic of topics) {
      const set = this.byTopic.get(topic);
      if (!set) continue;
      for (const entry of set) {
        entry.stale = true;
        any = true;
      }
    }
    return any;
  }

  /** The fragment's current HTML, rendering it first if it is stale. */
  get(id: string): Fragment {
    const entry = this.entries.get(id);
    if (!entry) throw new Error(`unknown fragment ${id}`);
    if (entry.stale) this.render(entry);
    return { id: entry.id, html: entry.html, version: entry.version };
  }

  /** Current fragments of `ids`, rendering the stale ones. */
  getAll(ids: readonly string[]): Fragment[] {
    return ids.map((id) => this.get(id));
  }

  /**
   * What a reader that has everything up to `since` lacks of fragments `ids`,
   * as strings to send: a fragment whose skeleton changed since, whole; else
   * each of its parts that changed since, alone (with hx-swap-oob when
   * `oob`: an HTTP answer's out-of-band swaps; a WebSocket push swaps every
   * top-level element anyway). Stale fragments are rendered first.
   */
  changes(ids: readonly string[], since: number, options: { oob?: boolean } = {}): string[] {
    const out: string[] = [];
    for (const id of ids) {
      this.get(id);
      const entry = this.entries.get(id) as Entry;
      if (entry.version <= since) continue;
      if (entry.skeletonVersion > since) {
        out.push(entry.html);
        continue;
      }
      for (const part of entry.parts) if (part.version > since) out.push(options.oob ? part.alone : part.html);
    }
    return out;
  }

  /** The highest version handed out so far. */
  version(): number {
    return this.counter;
  }

  private render(entry: Entry): void {
    entry.stale = false;
    let html: string;
    try {
      html = entry.def.render();
      this.renders++;
    } catch (error) {
      // A broken view must not take the page down: show the error in its place.
      const message = error instanceof Error ? error.message : String(error);
      log.error(`rendering ${entry.id} failed`, { error: message });
      html = `<div id="${entry.id}" class="panel render-error" hx-swap-oob="true">This part could not be shown: ${escapeHtml(message)}</div>`;
    }
    if (html === entry.body) return;
    entry.body = html;
    if (entry.def.plain) {
      entry.skeletonVersion = entry.version = ++this.counter;
      entry.html = html;
      return;
    }
    this.versionParts(entry, html);
  }

  /** New versions for the parts rendered differently and, if it changed, the skeleton; then the fragment's HTML. */
  private versionParts(entry: Entry, html: string): void {
    let split: ReturnType<typeof splitParts>;
    try {
      split = splitParts(html);
    } catch (error) {
      // A view's mistake in marking parts: the fragment still shows, pushed whole.
      log.error(`fragment ${entry.id}: ${(error as Error).message}`);
      split = { pieces: [html], parts: [] };
    }
    const previous = new Map(entry.parts.map((part) => [part.id, part]));
    entry.parts = split.parts.map(({ id, html: body }) => {
      const known = previous.get(id);
      if (known && known.body === body) return known;
      const version = ++this.counter;
      const html = withVersion(body, this.boot, version);
      return { id, body, version, html, alone: html.replace(/^<([a-zA-Z][\w-]*) /, '<$1 hx-swap-oob="true" ') };
    });
    const skeleton = `${split.pieces.join("\u0000")}\u0001${split.parts.map((part) => part.id).join(" ")}`;
    if (skeleton !== entry.skeleton) {
      entry.skeleton = skeleton;
      entry.skeletonVersion = ++this.counter;
    }
    entry.version = Math.max(entry.skeletonVersion, ...entry.parts.map((part) => part.version));
    const whole = joinParts(split.pieces, entry.parts.map((part) => part.html));
    entry.html = withVersion(whole, this.boot, entry.version);
  }

  private pins = 0;

  /**
   * `html` (a one-off rendering of fragment `id`, e.g. a form showing a
   * refusal) marked "boot.version.pin": it outranks the cached copy of the same
   * version (so a late push of that copy does not undo it) but not a newer one.
   */
  pin(id: string, html: string): string {
    return withVersion(html, this.boot, `${this.get(id).version}.${++this.pins}`);
  }
}

/** Adds data-v="boot.version" to the root element of `html`. */
export function withVersion(html: string, boot: string, version: number | string): string {
  return html.replace(/^<([a-zA-Z][\w-]*)/, `<$1 data-v="${boot}.${version}"`);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}
