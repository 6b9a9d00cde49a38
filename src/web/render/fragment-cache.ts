/**
 * Fragments rendered once per state change. Each fragment (a coin card, the
 * positions table, …) names the topics it depends on; a change to a topic
 * marks it stale, and the next reader (a page request or a WebSocket flush)
 * renders it once. A re-render that yields the same HTML keeps its version,
 * so nothing is pushed for a change nobody can see (e.g. an account refresh
 * with the same numbers), and a form being edited is not replaced for nothing.
 *
 * Versions come from one counter, so "everything newer than N" is how a page
 * tells the WebSocket what it already has. Each HTML fragment's root carries
 * `data-v="boot.version"` so the browser (static/live.js) never lets an older
 * copy replace a newer one, whichever of a push and a form answer lands first.
 */
import { randomBytes } from "node:crypto";
import { logger } from "../../log.ts";

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

interface Entry extends Fragment {
  def: FragmentDef;
  stale: boolean;
  /** The rendered HTML before the version attribute (what changes are detected on). */
  body: string;
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
    const entry: Entry = { def, id: def.id, html: "", body: "", version: 0, stale: true };
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
    if (html !== entry.body) {
      entry.body = html;
      entry.version = ++this.counter;
      entry.html = entry.def.plain ? html : withVersion(html, this.boot, entry.version);
    }
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
