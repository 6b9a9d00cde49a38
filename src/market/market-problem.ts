/**
 * A market-data failure said for a trader: what happened, in words
 * ("Binance US cannot be reached (DNS lookup failed for api.binance.us)"),
 * with the technical text kept beside it for whoever needs it. It reads the
 * messages this program's Binance US client writes (binance-client.ts) and
 * the fetch errors inside them; anything else keeps its own words.
 */

export interface ExplainedProblem {
  /** The sentence a trader reads first. */
  text: string;
  /** The message as it came (URLs, error codes): shown folded away. */
  detail: string;
}

/** Between the sentence and the technical detail in a banner that carries both (one string: it travels over the bus). */
const DETAIL_MARK = " Technical detail: ";

export function explainMarketError(raw: string): ExplainedProblem {
  return { text: sentenceFor(raw), detail: raw };
}

/** The start-up banner when Binance US cannot be used: the sentence, what the server does instead, then the detail. */
export function startBanner(raw: string): string {
  return `${sentenceFor(raw)}; using the simulated market — prices are not real.${DETAIL_MARK}${raw}`;
}

/** A banner split into the sentence and the technical detail (null when it carries none). */
export function splitBanner(banner: string): { text: string; detail: string | null } {
  const at = banner.indexOf(DETAIL_MARK);
  if (at < 0) return { text: banner, detail: null };
  return { text: banner.slice(0, at), detail: banner.slice(at + DETAIL_MARK.length) };
}

function sentenceFor(raw: string): string {
  const unreachable = (why: string) => `Binance US cannot be reached (${why})`;
  const host = hostIn(raw);
  const dns = /ENOTFOUND\s+([^\s)]+)/.exec(raw) ?? /EAI_AGAIN\s+([^\s)]+)/.exec(raw);
  if (dns) return unreachable(`DNS lookup failed for ${dns[1]}`);
  if (/ECONNREFUSED|ConnectionRefused/i.test(raw)) return unreachable(`the connection to ${host ?? "its address"} was refused`);
  const waited = /no answer within (\d+) ms/.exec(raw);
  if (waited) return unreachable(`no answer within ${Math.round(Number(waited[1]) / 1000)} s`);
  if (/ETIMEDOUT|timed out/i.test(raw)) return unreachable("the connection timed out");
  if (/certificate|CERT_|SSL|TLS/i.test(raw)) return unreachable(`a secure connection to ${host ?? "it"} could not be made`);
  if (/ECONNRESET|socket hang up|connection (was )?closed/i.test(raw)) return unreachable("the connection was cut");
  const http = /HTTP (\d{3})/.exec(raw)?.[1];
  if (http === "451") return "Binance US is not available from this location (HTTP 451)";
  if (http === "403") return "Binance US refused access (HTTP 403)";
  if (http === "429") return "Binance US asks to slow down: too many requests (HTTP 429)";
  if (http === "418") return "Binance US blocked this address for a while after too many requests (HTTP 418)";
  if (http && http.startsWith("5")) return `Binance US had a server error (HTTP ${http})`;
  if (/cannot reach/.test(raw)) return unreachable("the connection failed");
  // Our own client's prefix ("Binance US klines BTCUSDT 5m: …"), said once.
  const own = /^Binance US [^:]*: (.*)$/s.exec(raw);
  return own ? `Binance US: ${own[1]}` : raw;
}

/** "api.binance.us" or "127.0.0.1:9" from the URL in the message, if any. */
function hostIn(raw: string): string | null {
  const url = /\b[a-z][a-z0-9+.-]*:\/\/([^/\s()]+)/i.exec(raw)?.[1];
  // Never credentials, should a URL carry any.
  return url ? url.replace(/^[^@]*@/, "") : null;
}
