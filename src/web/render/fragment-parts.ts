/**
 * The parts of a rendered fragment: elements a view marks `data-part` (each
 * with its own id) are cut out of the fragment's HTML, so the fragment cache
 * can tell which of them changed between two renderings and push only those
 * (a coin card's price, not the whole card; a position's P&L, not the table
 * with its Close buttons). What is left, the skeleton, is compared as a whole:
 * when it changed, the fragment is pushed whole.
 *
 * The HTML is hono/jsx output, which this relies on: attribute values are
 * double-quoted with `<`, `>` and `"` escaped, and every non-void element has
 * its closing tag. A part must be a non-void element with an id, and not a
 * table's row or cell: sent on its own beside other fragments, a <td> is
 * dropped by the HTML parser (mark a <span> inside the cell). A part inside a
 * part stays part of the outer one. The marker attribute itself is removed,
 * so pages and pushes never carry it.
 */

/** What a view writes on a part's root element (`data-part` in JSX renders as this). */
export const PART_MARKER = ' data-part="true"';

export interface FragmentPart {
  id: string;
  html: string;
}

export interface SplitFragment {
  /** The HTML around the parts: pieces[0] part[0] pieces[1] part[1] … pieces[n]. */
  pieces: string[];
  parts: FragmentPart[];
}

const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]);
/** Parsed only inside a table: pushed beside other elements, the browser drops them. */
const TABLE_ONLY = new Set(["caption", "colgroup", "tbody", "thead", "tfoot", "tr", "td", "th"]);

export function splitParts(html: string): SplitFragment {
  const pieces: string[] = [];
  const parts: FragmentPart[] = [];
  let from = 0;
  let at = html.indexOf(PART_MARKER);
  while (at >= 0) {
    const start = html.lastIndexOf("<", at);
    const tag = /^<([a-zA-Z][\w-]*)/.exec(html.slice(start, at))?.[1];
    const startTagEnd = html.indexOf(">", at);
    if (start < from || !tag || startTagEnd < 0) throw new Error(`a data-part marker outside an element's start tag, near ${JSON.stringify(html.slice(Math.max(0, at - 40), at + 20))}`);
    if (VOID.has(tag.toLowerCase())) throw new Error(`a <${tag}> cannot be a part (it has no content); mark an element around it`);
    if (TABLE_ONLY.has(tag.toLowerCase())) throw new Error(`a <${tag}> cannot be a part (pushed on its own it does not parse); mark a <span> inside it`);
    const startTag = html.slice(start, startTagEnd + 1);
    const id = /\sid="([^"]+)"/.exec(startTag)?.[1];
    if (!id) throw new Error(`a part without an id: ${startTag.slice(0, 80)}`);
    const end = closingEnd(html, tag, startTagEnd + 1);
    pieces.push(unmarked(html.slice(from, start)));
    parts.push({ id, html: unmarked(html.slice(start, end)) });
    from = end;
    at = html.indexOf(PART_MARKER, end);
  }
  pieces.push(unmarked(html.slice(from)));
  return { pieces, parts };
}

/** The index just after the `</tag>` closing the element whose content starts at `from`. */
function closingEnd(html: string, tag: string, from: number): number {
  const pattern = new RegExp(`<(/?)${tag}(?=[\\s>/])`, "gi");
  pattern.lastIndex = from;
  let depth = 1;
  for (let match = pattern.exec(html); match; match = pattern.exec(html)) {
    const close = html.indexOf(">", match.index);
    if (close < 0) break;
    if (match[1] === "/") depth--;
    else if (html[close - 1] !== "/") depth++;
    if (depth === 0) return close + 1;
  }
  throw new Error(`the part <${tag}> is not closed`);
}

function unmarked(html: string): string {
  return html.includes(PART_MARKER) ? html.replaceAll(PART_MARKER, "") : html;
}

/** The pieces and parts put back together (`parts[i]` between `pieces[i]` and `pieces[i + 1]`). */
export function joinParts(pieces: readonly string[], parts: readonly string[]): string {
  let html = pieces[0] ?? "";
  for (let i = 0; i < parts.length; i++) html += (parts[i] as string) + (pieces[i + 1] ?? "");
  return html;
}
