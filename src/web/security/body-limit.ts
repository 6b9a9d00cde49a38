/**
 * Reads every request body up front, at most `maxBytes`, so the routes get a
 * complete body or none:
 *  - over the limit (by Content-Length, or counted while reading when the
 *    length is not declared or lies): 413;
 *  - a body that cannot be read (the client went away mid-upload, a broken
 *    chunked encoding): 400 saying so, instead of a 500 from whichever route
 *    first touched the stream.
 * Hono's bodyLimit trusts a declared Content-Length and lets stream errors
 * escape; this one counts every byte and answers both cases itself.
 *
 * @example app.use("*", readBodyWithin(64 * 1024))
 */
import type { Context, MiddlewareHandler } from "hono";

export function readBodyWithin(maxBytes: number): MiddlewareHandler {
  return async (c, next) => {
    const request = c.req.raw;
    if (!request.body) return next();
    const declared = request.headers.get("content-length");
    if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared.trim()) > maxBytes) return tooLarge(c, maxBytes);
    const reader = request.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > maxBytes) {
          await reader.cancel().catch(() => undefined);
          return tooLarge(c, maxBytes);
        }
        chunks.push(value);
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return refuse(c, 400, `the request body could not be read (${reason || "connection closed"}): send it again`);
    }
    const body = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
    const headers = new Headers(request.headers);
    // The body is now exactly these bytes: say so, whatever was declared.
    headers.delete("transfer-encoding");
    headers.set("content-length", String(size));
    c.req.raw = new Request(request.url, { method: request.method, headers, body, signal: request.signal });
    return next();
  };
}

function tooLarge(c: Context, maxBytes: number): Response {
  return refuse(c, 413, `request body larger than ${Math.round(maxBytes / 1024)} KB`);
}

function refuse(c: Context, status: 400 | 413, error: string): Response {
  if (c.req.path.startsWith("/api/") || c.req.path === "/ws") return c.json({ error }, status);
  return c.text(error, status);
}
