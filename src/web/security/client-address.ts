/**
 * The peer address of a request: Bun.serve passes the server as the second
 * argument of fetch (Hono's `c.env`) and `server.requestIP(request)` names the
 * socket's peer. Requests made without a server (app.request in tests) or
 * whose socket is gone have no address: null.
 *
 * Bun knows the peer only for the Request object it created itself, and the
 * body middleware replaces c.req.raw with a buffered copy, so the address is
 * taken once, first thing (rememberClientAddress), and read from there.
 *
 * X-Forwarded-For is not read: nothing here can tell a trusted proxy's header
 * from one a client wrote itself.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getConnInfo } from "hono/bun";

const KEY = "clientAddress";

function lookup(c: Context): string | null {
  const env = c.env as unknown;
  if (env === null || typeof env !== "object") return null;
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null; // no server in env (tests), or one without requestIP
  }
}

/** Mount before anything that replaces c.req.raw. */
export function rememberClientAddress(): MiddlewareHandler {
  return async (c, next) => {
    c.set(KEY as never, lookup(c) as never);
    await next();
  };
}

export function clientAddress(c: Context): string | null {
  const remembered = c.get(KEY as never) as string | null | undefined;
  return remembered !== undefined ? remembered : lookup(c);
}
