/**
 * CoinEx API v2 request signature (exchange-api.md §1):
 * lowercase hex HMAC-SHA256, keyed with the secret, over
 * METHOD + path-with-query (including the `/v2` prefix) + body + timestamp.
 * The caller must pass the exact bytes it sends: the query as it appears in the
 * URL and the JSON body string as sent, never a re-serialisation.
 */
import { createHmac } from "node:crypto";

export function signRequest(method: string, pathWithQuery: string, body: string, timestamp: string, secret: string): string {
  return createHmac("sha256", secret)
    .update(method.toUpperCase() + pathWithQuery + body + timestamp)
    .digest("hex");
}
