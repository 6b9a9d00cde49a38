/**
 * Loopback stand-ins for the three notification channels, in one Bun.serve on
 * 127.0.0.1 (port 0), recording everything that arrives:
 *
 *  - the Telegram Bot API: POST /bot<token>/sendMessage with Telegram's JSON
 *    answers ({ok:true,result:…} / {ok:false,error_code,description,parameters});
 *    a wrong token is 401 "Unauthorized", a wrong chat id 400 "chat not found";
 *  - a webhook receiver: POST /hook, its X-Signature checked against the secret;
 *  - an ntfy-style topic: POST /ntfy/<topic>, plain text.
 *
 * `script(channel, …)` makes the next requests of a channel answer 429 (with
 * Telegram's retry_after, or Retry-After for the others), 5xx, 4xx, or hang
 * until `release()` (a timeout for the client); after the script, requests
 * succeed. `arrivals` lists every request in order, `delivered(channel)` the
 * ones answered with success.
 *
 * @example
 *   const standIn = startNotifyStandIn();
 *   standIn.script("telegram", { status: 429, retryAfter: 1 }, { status: 500 }, "hang");
 *   // TELEGRAM_BASE_URL=standIn.url TELEGRAM_BOT_TOKEN=standIn.token TELEGRAM_CHAT_ID=standIn.chatId
 *   await standIn.waitForDelivered("telegram", 1);
 *   standIn.stop();
 */
import { createHmac } from "node:crypto";
import { waitFor } from "./wait.ts";

export type StandInChannel = "telegram" | "webhook" | "ntfy";

export type Behaviour = "hang" | { status: number; retryAfter?: number; description?: string };

export interface Arrival {
  seq: number;
  channel: StandInChannel;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The parsed JSON body (Telegram, webhook), else null. */
  json: any;
  /** How it was answered: the status, or "hang". */
  answer: number | "hang";
  /** Webhook only: whether X-Signature is the HMAC-SHA256 of the body with the secret. */
  signatureValid?: boolean;
}

export interface NotifyStandIn {
  url: string;
  /** The bot token and chat id the Telegram stand-in accepts. */
  token: string;
  chatId: string;
  webhookUrl: string;
  webhookSecret: string;
  ntfyUrl: string;
  /** The environment a server needs to use these stand-ins. */
  env: Record<string, string>;
  arrivals: Arrival[];
  script(channel: StandInChannel, ...behaviours: Behaviour[]): void;
  delivered(channel: StandInChannel): Arrival[];
  /** The text of each delivered message (Telegram's `text`, the webhook's `text`, ntfy's body). */
  texts(channel: StandInChannel): string[];
  waitForDelivered(channel: StandInChannel, count: number, timeoutMs?: number): Promise<Arrival[]>;
  /** Called on every arrival, before it is answered (tests record the order of events). */
  onArrival(listener: (arrival: Arrival) => void): void;
  /** Answers every hanging request (with 500: the client has usually given up on it already). */
  release(): void;
  stop(): void;
}

export function startNotifyStandIn(options: { token?: string; chatId?: string; webhookSecret?: string } = {}): NotifyStandIn {
  const token = options.token ?? "4242424242:STANDIN-bot-token-never-in-logs-x9Qz";
  const chatId = options.chatId ?? "-1009876543210";
  const webhookSecret = options.webhookSecret ?? "standin-webhook-secret-7hK2";
  const scripts: Record<StandInChannel, Behaviour[]> = { telegram: [], webhook: [], ntfy: [] };
  const arrivals: Arrival[] = [];
  const listeners: ((arrival: Arrival) => void)[] = [];
  let hanging: (() => void)[] = [];
  let seq = 0;

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      const channel: StandInChannel | null = url.pathname.startsWith("/bot") ? "telegram" : url.pathname === "/hook" ? "webhook" : url.pathname.startsWith("/ntfy/") ? "ntfy" : null;
      if (!channel || request.method !== "POST") return new Response("not found", { status: 404 });
      const body = await request.text();
      let json: any = null;
      try {
        json = channel === "ntfy" ? null : JSON.parse(body);
      } catch {}
      const headers: Record<string, string> = {};
      request.headers.forEach((value, name) => (headers[name] = value));
      const behaviour = scripts[channel].shift();
      const arrival: Arrival = { seq: ++seq, channel, path: url.pathname, headers, body, json, answer: behaviour === "hang" ? "hang" : behaviour?.status ?? 200 };
      if (channel === "webhook") {
        const expected = `sha256=${createHmac("sha256", webhookSecret).update(body).digest("hex")}`;
        arrival.signatureValid = headers["x-signature"] === expected;
      }
      if (channel === "telegram") {
        if (url.pathname !== `/bot${token}/sendMessage`) arrival.answer = 401;
        else if (json?.chat_id !== chatId) arrival.answer = 400;
        // Telegram's own limit, on the text as shown (tags dropped, entities read as one character).
        else if (typeof json?.text === "string" && shownLength(json.text) > 4096) arrival.answer = 400;
      }
      arrivals.push(arrival);
      for (const listener of listeners) listener(arrival);
      if (behaviour === "hang") {
        await new Promise<void>((resolve) => hanging.push(resolve));
        return new Response("released", { status: 500 });
      }
      const tooLong = channel === "telegram" && typeof json?.text === "string" && shownLength(json.text) > 4096;
      return answer(channel, arrival.answer as number, tooLong ? { status: 400, description: "Bad Request: message is too long" } : behaviour, json);
    },
  });

  const url = `http://127.0.0.1:${server.port}`;
  const delivered = (channel: StandInChannel) => arrivals.filter((a) => a.channel === channel && a.answer === 200);
  const standIn: NotifyStandIn = {
    url,
    token,
    chatId,
    webhookUrl: `${url}/hook`,
    webhookSecret,
    ntfyUrl: `${url}/ntfy/trader-alerts`,
    env: {
      TELEGRAM_BASE_URL: url,
      TELEGRAM_BOT_TOKEN: token,
      TELEGRAM_CHAT_ID: chatId,
      WEBHOOK_URL: `${url}/hook`,
      WEBHOOK_SECRET: webhookSecret,
      NTFY_URL: `${url}/ntfy/trader-alerts`,
    },
    arrivals,
    script: (channel, ...behaviours) => void scripts[channel].push(...behaviours),
    delivered,
    texts: (channel) => delivered(channel).map((a) => (channel === "ntfy" ? a.body : String(a.json?.text ?? ""))),
    waitForDelivered: async (channel, count, timeoutMs = 10_000) =>
      (await waitFor(`${count} message(s) delivered to the ${channel} stand-in`, () => (delivered(channel).length >= count ? delivered(channel) : null), timeoutMs)) ?? [],
    onArrival: (listener) => void listeners.push(listener),
    release: () => {
      const waiting = hanging;
      hanging = [];
      for (const resolve of waiting) resolve();
    },
    stop: () => {
      standIn.release();
      server.stop(true);
    },
  };
  return standIn;
}

/** The length Telegram counts: the text of HTML parse mode as shown. */
function shownLength(html: string): number {
  return html.replace(/<[^>]*>/g, "").replace(/&(lt|gt|amp|quot|#\d+);/g, "x").length;
}

function answer(channel: StandInChannel, status: number, behaviour: Behaviour | undefined, json: any): Response {
  const retryAfter = behaviour && behaviour !== "hang" ? behaviour.retryAfter : undefined;
  if (channel === "telegram") {
    if (status === 200) return Response.json({ ok: true, result: { message_id: Date.now() % 100000, chat: { id: json?.chat_id }, text: json?.text } });
    const description = behaviour && behaviour !== "hang" && behaviour.description
      ? behaviour.description
      : status === 401 ? "Unauthorized" : status === 400 ? "Bad Request: chat not found" : status === 429 ? `Too Many Requests: retry after ${retryAfter}` : "Internal Server Error";
    return Response.json({ ok: false, error_code: status, description, ...(retryAfter !== undefined ? { parameters: { retry_after: retryAfter } } : {}) }, { status });
  }
  if (status === 200) return new Response(channel === "ntfy" ? '{"id":"standin"}' : "ok", { status: 200 });
  return new Response(`stand-in answers ${status}`, { status, headers: retryAfter !== undefined ? { "retry-after": String(retryAfter) } : {} });
}

// `bun test/helpers/notify-stand-in.ts`: run the stand-ins by hand (README "Notifications"):
// prints the environment to give the server, then every message that arrives.
if (import.meta.main) {
  const standIn = startNotifyStandIn();
  console.log("# notification stand-ins on loopback; start the server with:");
  for (const [name, value] of Object.entries(standIn.env)) console.log(`export ${name}='${value}'`);
  standIn.onArrival((arrival) => {
    const text = arrival.channel === "ntfy" ? arrival.body : arrival.json?.text;
    const signed = arrival.channel === "webhook" ? (arrival.signatureValid ? " (signature ok)" : " (BAD signature)") : "";
    console.log(`${new Date().toISOString()} ${arrival.channel}${signed}: ${text}`);
  });
}
