/**
 * Raw HTTP over a loopback TCP socket, for requests fetch() cannot send (no
 * Host header, HTTP/1.0, broken framing, hand-made WebSocket handshakes).
 */
import { connect } from "node:net";

export interface RawAnswer {
  /** Everything the server wrote before closing (or before the wait ran out). */
  text: string;
  /** The status code of the first response line, or 0 when the server wrote nothing. */
  status: number;
  /** The body after the first blank line. */
  body: string;
  /** True when the server closed the connection; false when the answer was complete first, or the wait ran out. */
  closed: boolean;
}

/**
 * Sends `request` verbatim to 127.0.0.1:port and collects the first answer:
 * until it is complete (by its Content-Length, or a 101/204/304 head), the
 * server closes, or `waitMs` passes.
 */
export function rawRequest(port: number, request: string | Uint8Array, waitMs = 2000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    let text = "";
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      const split = text.indexOf("\r\n\r\n");
      resolve({ text, status, body: split < 0 ? "" : text.slice(split + 4), closed });
    };
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      text += chunk;
      if (complete(text)) finish(false);
    });
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    socket.on("error", () => finish(true));
    const timer = setTimeout(() => finish(false), waitMs);
  });
}

/** True when `text` holds a whole response: its head, and as many body bytes as Content-Length says. */
function complete(text: string): boolean {
  const split = text.indexOf("\r\n\r\n");
  if (split < 0) return false;
  const head = text.slice(0, split);
  if (/^HTTP\/1\.[01] (101|204|304) /.test(head)) return true;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  return length !== null && text.length - (split + 4) >= Number(length[1]);
}
