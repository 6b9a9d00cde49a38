/**
 * The dashboard app on a real loopback port over a fake world (test/web/fakes.ts),
 * for tests that need real WebSockets. `socket()` opens a recording client on
 * it; `stop()` closes the clients, the hub, the server and the controller.
 */
import { setQuiet } from "../../src/log.ts";
import { createApp, type CreateAppOptions, type DashboardApp } from "../../src/web/app.ts";
import { makeWorld, type FakeWorld } from "./fakes.ts";
import { recordingSocket } from "./helpers.ts";

export interface ServedDashboard {
  world: FakeWorld;
  dash: DashboardApp;
  /** host:port */
  base: string;
  /** A recording WebSocket client on `path` (e.g. "/ws?page=trader"). */
  socket(path: string): ReturnType<typeof recordingSocket>;
  stop(): Promise<void>;
}

/** `prepare` changes the world before the controller boots and the app is made. */
export async function serveDashboard(options: CreateAppOptions = {}, prepare: (world: FakeWorld) => void = () => {}): Promise<ServedDashboard> {
  setQuiet(true);
  const world = makeWorld();
  prepare(world);
  await world.controller.boot();
  const dash = createApp(world.deps, options);
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: dash.app.fetch, websocket: dash.websocket });
  const base = `127.0.0.1:${server.port}`;
  const sockets: WebSocket[] = [];
  return {
    world,
    dash,
    base,
    socket: (path) => {
      const client = recordingSocket(`ws://${base}${path}`);
      sockets.push(client.ws);
      return client;
    },
    stop: async () => {
      for (const ws of sockets) ws.close();
      dash.hub.close();
      server.stop(true);
      await world.controller.shutdown();
    },
  };
}
