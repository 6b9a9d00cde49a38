/**
 * A WebSocket client as the benchmarks use it: Bun's WebSocket with the
 * server's own Origin (the product refuses a foreign one), opened or failed
 * within 10 s, recording every message it receives and its size in bytes.
 */

export interface RecordingClient {
  ws: WebSocket;
  /** Every message's text, in arrival order (only when `keep` was asked for). */
  texts: string[];
  messages: number;
  /** UTF-8 bytes of every message received (the payload, before any WebSocket framing or compression). */
  bytes: number;
  /** Resolves when `n` messages have arrived (or at once if they have). */
  waitForMessages(n: number, timeoutMs?: number): Promise<void>;
  close(): void;
}

export function openSocket(url: string, origin: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    // Bun's WebSocket takes headers; the DOM lib's constructor type, which wins here, only knows protocols.
    const options: Bun.WebSocketOptions = { headers: { Origin: origin } };
    const ws = new WebSocket(url, options as unknown as string[]);
    const timer = setTimeout(() => reject(new Error(`WebSocket ${url} did not open within 10 s`)), 10_000);
    ws.onopen = () => {
      clearTimeout(timer);
      resolve(ws);
    };
    ws.onerror = () => {
      clearTimeout(timer);
      reject(new Error(`WebSocket ${url} failed to connect (is the Origin accepted? is /ws up?)`));
    };
  });
}

/** Opens `url` and counts what arrives; `keep` also keeps every message's text (for checks). */
export async function recordingClient(url: string, origin: string, keep = false): Promise<RecordingClient> {
  const waiters: { n: number; resolve: () => void }[] = [];
  const client: RecordingClient = {
    ws: null as unknown as WebSocket,
    texts: [],
    messages: 0,
    bytes: 0,
    waitForMessages: (n, timeoutMs = 10_000) =>
      client.messages >= n
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`${url}: ${client.messages} of ${n} messages after ${timeoutMs} ms`)), timeoutMs);
            waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
          }),
    close: () => client.ws.close(),
  };
  const ws = await openSocket(url, origin);
  client.ws = ws;
  ws.onmessage = (event) => {
    const text = String(event.data);
    client.messages++;
    client.bytes += Buffer.byteLength(text);
    if (keep) client.texts.push(text);
    for (let i = waiters.length - 1; i >= 0; i--) {
      const waiter = waiters[i] as (typeof waiters)[number];
      if (client.messages >= waiter.n) {
        waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  };
  return client;
}

/** The ws-connect URL a page asks for (with its since= version), as a ws:// URL. */
export async function pageSocketUrl(base: string, path: string): Promise<string> {
  const response = await fetch(base + path);
  const html = await response.text();
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${html.slice(0, 200)}`);
  const match = /ws-connect="([^"]+)"/.exec(html);
  if (!match) throw new Error(`GET ${path} has no ws-connect attribute: ${html.slice(0, 200)}`);
  return base.replace(/^http/, "ws") + (match[1] as string).replace(/&amp;/g, "&");
}
