/**
 * A loopback TCP relay that counts the bytes the server sends back: put
 * between a WebSocket client and the server, it measures what the connection
 * really carries (frame headers, and compressed frames when permessage-deflate
 * was negotiated), which the message sizes a client sees do not show.
 *
 * The HTTP upgrade answer is counted too; callers take a reading after the
 * connection is set up and subtract it.
 */
import type { Socket } from "bun";

export interface ByteRelay {
  port: number;
  /** Server → client bytes over every connection so far. */
  downstreamBytes(): number;
  stop(): void;
}

/** Writes to a Bun socket without losing what it could not take at once (the rest goes out on drain). */
class Writer {
  private queue: Uint8Array[] = [];
  private ended = false;
  constructor(private readonly socket: () => Socket<unknown> | null) {}

  write(chunk: Uint8Array): void {
    this.queue.push(new Uint8Array(chunk));
    this.drain();
  }

  drain(): void {
    const socket = this.socket();
    if (!socket) return;
    while (this.queue.length > 0) {
      const head = this.queue[0] as Uint8Array;
      const written = socket.write(head);
      if (written < head.byteLength) {
        this.queue[0] = head.subarray(Math.max(0, written));
        return;
      }
      this.queue.shift();
    }
    if (this.ended) socket.end();
  }

  end(): void {
    this.ended = true;
    this.drain();
  }
}

interface Pair {
  toServer: Writer;
  toClient: Writer;
  server: Socket<unknown> | null;
}

export async function startByteRelay(targetPort: number): Promise<ByteRelay> {
  let down = 0;
  const clients = new Set<Socket<Pair>>();
  const listener = Bun.listen<Pair>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        clients.add(client);
        const pair: Pair = { server: null, toServer: new Writer(() => pair.server), toClient: new Writer(() => client as Socket<unknown>) };
        client.data = pair;
        void Bun.connect({
          hostname: "127.0.0.1",
          port: targetPort,
          socket: {
            open(server) {
              pair.server = server as Socket<unknown>;
              pair.toServer.drain();
            },
            data(_server, chunk) {
              down += chunk.byteLength;
              pair.toClient.write(chunk);
            },
            drain: () => pair.toServer.drain(),
            close: () => pair.toClient.end(),
            error: () => pair.toClient.end(),
          },
        }).catch(() => client.end());
      },
      data: (client, chunk) => client.data.toServer.write(chunk),
      drain: (client) => client.data.toClient.drain(),
      close(client) {
        clients.delete(client);
        client.data.toServer.end();
      },
      error: (client) => client.data.toServer.end(),
    },
  });
  return {
    port: listener.port,
    downstreamBytes: () => down,
    stop: () => {
      for (const client of clients) client.end();
      listener.stop(true);
    },
  };
}
