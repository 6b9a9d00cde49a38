/**
 * Serves the dashboard app on Bun.serve for any role that shows it, and the
 * /health body every role answers with (role, market source, Redis and lease
 * state), so a proxy or systemd check can tell what each process is doing.
 */
import type { Settings } from "../settings.ts";
import { createApp } from "../web/app.ts";
import type { WebDeps } from "../web/deps.ts";

export interface ServedDashboard {
  url: string;
  port: number;
  stop(): void;
}

export function serveDashboard(settings: Settings, deps: WebDeps): ServedDashboard {
  const web = createApp(deps);
  const server = Bun.serve({ port: settings.port, hostname: settings.host, fetch: web.app.fetch, websocket: web.websocket });
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
