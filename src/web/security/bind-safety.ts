/**
 * Refuses to serve the dashboard to the network without a token: anyone who
 * can reach an open dashboard can trade the account. main.ts calls this at
 * start-up and exits with the message.
 */

/** True for names that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === "::ffff:127.0.0.1";
}

/** Minimum token length when the dashboard is reachable from the network. */
export const MIN_NETWORK_TOKEN_LENGTH = 16;

/** An error message when serving on `host` with this token would be unsafe; null when it is fine. */
export function checkBindSafety(host: string, token: string | null | undefined): string | null {
  if (isLoopbackHost(host)) return null;
  if (!token) {
    return `Refusing to serve the dashboard on ${host} without DASHBOARD_TOKEN: anyone on the network could trade this account. Set DASHBOARD_TOKEN (at least ${MIN_NETWORK_TOKEN_LENGTH} characters) or bind to 127.0.0.1.`;
  }
  if (token.length < MIN_NETWORK_TOKEN_LENGTH) {
    return `Refusing to serve the dashboard on ${host}: DASHBOARD_TOKEN is ${token.length} characters; use at least ${MIN_NETWORK_TOKEN_LENGTH} (e.g. openssl rand -hex 24).`;
  }
  return null;
}
