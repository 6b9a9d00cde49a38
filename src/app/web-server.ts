/**
 * Serves the dashboard app on Bun.serve for any role that shows it, and the
 * /health body every role answers with (role, market source, Redis and lease
 * state), so a proxy or systemd check can tell what each process is doing.
 */
import type { Settings } from "../settings.ts";
import { createApp } from "../web/app.ts";
import { missingHostAnswer } from "../web/security/host-check.ts";
import type { WebDeps } from "../web/deps.ts";

export interface ServedDashboard {
  url: string;
  port: number;
  stop(): void;
}

/**
 * Seconds a connection may stay silent, also while its answer is being
 * prepared. Bun's default (10 s) cut slow controls off with an empty reply;
 * a control now answers by CONTROL_DEADLINE_MS (8 s, "still running" if it
 * has not finished), so this covers that deadline and page renders with
 * margin. Bun's ceiling is 255.
 */
export const IDLE_TIMEOUT_SECONDS = 30;

export function serveDashboard(settings: Settings, deps: WebDeps): ServedDashboard {
  const web = createApp(deps);
  const server = Bun.serve({
    port: settings.port,
    hostname: settings.host,
    idleTimeout: IDLE_TIMEOUT_SECONDS,
    // A request without a usable Host (HTTP/1.0) is answered here: no route could parse its URL.
    fetch: (request, bunServer) => missingHostAnswer(request) ?? web.fetch(request, bunServer),
    websocket: web.websocket,
  });
  return {
    url: urlOf(settings.host, server.port ?? settings.port),
    port: server.port ?? settings.port,
    stop: () => {
      web.hub.close();
      server.stop(true);
    },
  };
}

export function urlOf(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}
