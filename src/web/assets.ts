/**
 * Every file the browser loads, in one table: URL → file on disk. The server
 * reads them once at start-up and serves them from memory, so the dashboard
 * needs nothing from a CDN (and no exchange host ever appears in a page).
 *
 * This is the ONE place that knows where assets live. The files are imported
 * `with { type: "file" }`: run from source that yields their path on disk; in
 * the single binary from `bun build --compile` they are embedded and the path
 * points inside the binary, so the binary needs no node_modules or static/.
 */
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import htmxFile from "../../node_modules/htmx.org/dist/htmx.min.js" with { type: "file" };
import wsFile from "../../node_modules/htmx-ext-ws/dist/ws.min.js" with { type: "file" };
import chartsFile from "../../node_modules/lightweight-charts/dist/lightweight-charts.standalone.production.js" with { type: "file" };
import liveFile from "../../static/live.js" with { type: "file" };
import connectionFile from "../../static/connection.js" with { type: "file" };
import chartThemeFile from "../../static/chart-theme.js" with { type: "file" };
import coinChartFile from "../../static/coin-chart.js" with { type: "file" };
import performanceChartsFile from "../../static/performance-charts.js" with { type: "file" };
import cssFile from "../../static/app.css" with { type: "file" };
import faviconFile from "../../static/favicon.svg" with { type: "file" };

interface AssetSource {
  /** Path of the URL under /static/. */
  name: string;
  file: string;
  type: string;
}

const SOURCES: AssetSource[] = [
  { name: "htmx.min.js", file: htmxFile, type: "text/javascript; charset=utf-8" },
  { name: "htmx-ext-ws.min.js", file: wsFile, type: "text/javascript; charset=utf-8" },
  { name: "live.js", file: liveFile, type: "text/javascript; charset=utf-8" },
  // The header's connection indicator and the messages of failed requests.
  { name: "connection.js", file: connectionFile, type: "text/javascript; charset=utf-8" },
  // TradingView Lightweight Charts (the coin page's chart), and the page's own script that drives it.
  { name: "lightweight-charts.js", file: chartsFile, type: "text/javascript; charset=utf-8" },
  // The dashboard's theme for those charts, shared by the coin and performance pages' scripts.
  { name: "chart-theme.js", file: chartThemeFile, type: "text/javascript; charset=utf-8" },
  { name: "coin-chart.js", file: coinChartFile, type: "text/javascript; charset=utf-8" },
  // The performance page's charts, drawn with the same library over its server-rendered SVG.
  { name: "performance-charts.js", file: performanceChartsFile, type: "text/javascript; charset=utf-8" },
  { name: "app.css", file: cssFile, type: "text/css; charset=utf-8" },
  { name: "favicon.svg", file: faviconFile, type: "image/svg+xml" },
];

export interface Asset {
  /** e.g. /static/app.css */
  path: string;
  /** The URL pages use: path plus a content hash, so a changed file is never served stale. */
  url: string;
  body: Uint8Array;
  type: string;
  etag: string;
}

export type AssetName = "htmx.min.js" | "htmx-ext-ws.min.js" | "live.js" | "connection.js" | "lightweight-charts.js" | "chart-theme.js" | "coin-chart.js" | "performance-charts.js" | "app.css" | "favicon.svg";

export interface Assets {
  get(path: string): Asset | undefined;
  url(name: AssetName): string;
}

/** Reads every asset now; a missing file fails start-up with its path, not a 404 later. */
export function loadAssets(): Assets {
  const byPath = new Map<string, Asset>();
  const byName = new Map<string, Asset>();
  for (const source of SOURCES) {
    let body: Uint8Array;
    try {
      body = readFileSync(source.file);
    } catch (error) {
      throw new Error(`dashboard asset ${source.name} cannot be read from ${source.file}: ${(error as Error).message} (run npm install?)`);
    }
    const hash = createHash("sha256").update(body).digest("hex").slice(0, 12);
    const path = `/static/${source.name}`;
    const asset: Asset = { path, url: `${path}?v=${hash}`, body, type: source.type, etag: `"${hash}"` };
    byPath.set(path, asset);
    byName.set(source.name, asset);
  }
  return {
    get: (path) => byPath.get(path),
    url: (name) => byName.get(name)?.url ?? `/static/${name}`,
  };
}
