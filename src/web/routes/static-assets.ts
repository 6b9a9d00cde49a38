/** Serves the in-memory assets (src/web/assets.ts) with ETags; hashed URLs are cached for a year. */
import { Hono } from "hono";
import type { Assets } from "../assets.ts";

export function staticRoutes(assets: Assets): Hono {
  const routes = new Hono();
  routes.get("/static/:name", (c) => {
    const asset = assets.get(c.req.path);
    if (!asset) return c.text(`no such asset: ${c.req.path}`, 404);
    const versioned = c.req.query("v") !== undefined;
    c.header("Cache-Control", versioned ? "public, max-age=31536000, immutable" : "no-cache");
    c.header("ETag", asset.etag);
    if (c.req.header("if-none-match") === asset.etag) return c.body(null, 304);
    c.header("Content-Type", asset.type);
    return c.body(asset.body as Uint8Array<ArrayBuffer>);
  });
  routes.get("/favicon.ico", (c) => c.redirect(assets.url("favicon.svg"), 301));
  return routes;
}
