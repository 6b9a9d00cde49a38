/**
 * Renders a hono/jsx element to its HTML string, synchronously: every view
 * here is synchronous, and a fragment must be a plain string to be cached
 * and pushed.
 */
export function toHtml(node: unknown): string {
  const html = (node as { toString(): string | Promise<string> }).toString();
  if (typeof html !== "string") throw new Error("a view rendered asynchronously; views must be synchronous");
  return html;
}
