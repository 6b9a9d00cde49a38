/**
 * Heartbeats for a page's socket, so "nothing arrived" means something even
 * on a quiet market: a socket that asked for them (`/ws?…&heartbeat=1`, which
 * static/connection.js adds to every page's socket) gets HEARTBEAT_MESSAGE
 * whenever nothing else was sent to it for HEARTBEAT_MS. The page calls the
 * connection stale after STALE_AFTER_MS without any message. Scripts on the
 * JSON feed do not ask and get none (an HTML comment is not JSON).
 *
 * The message is an HTML comment: the htmx ws extension parses it as a
 * fragment with no elements and swaps nothing.
 */
import type { LiveClient } from "./hub.ts";

export const HEARTBEAT_MS = 2000;
export const HEARTBEAT_MESSAGE = "<!--heartbeat-->";
/** Three heartbeats missed: with a tick every half beat a quiet gap is at most 1.5 beats. */
export const STALE_AFTER_MS = 3 * HEARTBEAT_MS;

export interface Beating {
  /** The client to hand to the hub: what it sends counts as a sign of life too. */
  client: LiveClient;
  stop(): void;
}

/** Wraps `client` so a heartbeat goes out after every `everyMs` of silence, until stop() or the socket is closed. */
export function withHeartbeat(client: LiveClient, isOpen: () => boolean, everyMs = HEARTBEAT_MS): Beating {
  let lastSent = Date.now();
  const wrapped: LiveClient = {
    send: (data) => {
      lastSent = Date.now();
      return client.send(data);
    },
    bufferedAmount: () => client.bufferedAmount(),
    close: (code, reason) => client.close(code, reason),
    // Pub/sub passes through; a message published to the client's topic counts as sent to it.
    subscribe: client.subscribe && ((topic) => client.subscribe?.(topic)),
    unsubscribe: client.unsubscribe && ((topic) => client.unsubscribe?.(topic)),
    published: () => {
      lastSent = Date.now();
      client.published?.();
    },
  };
  const timer = setInterval(() => {
    if (!isOpen()) return stop();
    if (Date.now() - lastSent < everyMs) return;
    try {
      wrapped.send(HEARTBEAT_MESSAGE);
    } catch {
      stop();
    }
  }, Math.max(1, Math.floor(everyMs / 2)));
  // A heartbeat never keeps the process alive on its own.
  (timer as { unref?: () => void }).unref?.();
  function stop(): void {
    clearInterval(timer);
  }
  return { client: wrapped, stop };
}
