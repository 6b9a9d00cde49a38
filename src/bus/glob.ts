/**
 * Redis's PSUBSCRIBE glob syntax compiled to a RegExp, so the in-memory bus
 * matches exactly the channels Redis would: `*` any run of characters (also
 * none, also `:`), `?` one character, `[abc]` / `[a-z]` / `[^a]` one character
 * of a set, and `\x` a literal x. The contract tests run the same patterns
 * against a real redis-server to keep the two in step.
 */

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/-]/g;

function literal(char: string): string {
  return char.replace(REGEX_SPECIAL, "\\$&");
}

/** Compiles a Redis glob into an anchored RegExp. */
export function globToRegExp(pattern: string): RegExp {
  let source = "";
  let i = 0;
  while (i < pattern.length) {
    const char = pattern[i]!;
    if (char === "*") {
      source += "[\\s\\S]*";
      i++;
    } else if (char === "?") {
      source += "[\\s\\S]";
      i++;
    } else if (char === "\\" && i + 1 < pattern.length) {
      source += literal(pattern[i + 1]!);
      i += 2;
    } else if (char === "[") {
      const compiled = compileClass(pattern, i + 1);
      source += compiled.source;
      i = compiled.next;
    } else {
      source += literal(char);
      i++;
    }
  }
  return new RegExp(`^${source}$`);
}

/** A `[...]` set starting after the `[`; like Redis, an unclosed set ends with the pattern. */
function compileClass(pattern: string, start: number): { source: string; next: number } {
  let i = start;
  let negate = false;
  if (pattern[i] === "^") {
    negate = true;
    i++;
  }
  let members = "";
  while (i < pattern.length && pattern[i] !== "]") {
    let char = pattern[i]!;
    if (char === "\\" && i + 1 < pattern.length) {
      i++;
      char = pattern[i]!;
      members += literal(char);
      i++;
      continue;
    }
    // A range `a-z`; Redis accepts it reversed (`z-a`) as the same range.
    if (pattern[i + 1] === "-" && i + 2 < pattern.length) {
      let low = char;
      let high = pattern[i + 2]!;
      if (low > high) [low, high] = [high, low];
      members += `${literal(low)}-${literal(high)}`;
      i += 3;
      continue;
    }
    members += literal(char);
    i++;
  }
  const next = i < pattern.length ? i + 1 : i;
  // An empty set matches nothing; an empty negated set matches any one character.
  if (members === "") return { source: negate ? "[\\s\\S]" : "(?!)", next };
  return { source: `[${negate ? "^" : ""}${members}]`, next };
}
