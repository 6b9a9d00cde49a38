/**
 * The coin page (/coin/SYMBOL?tf=5m|1h|4h), assembled from fragment strings:
 * the chart (drawn by static/coin-chart.js with TradingView's Lightweight
 * Charts from the JSON in #coin-chart-data), the newest bar, the score
 * breakdown, the open position and this bot's trades on the coin. The
 * timeframe is a plain link, so it lives in the URL and works without script.
 */
import { raw } from "hono/html";
import type { Timeframe } from "../../src/market/candle.ts";
import { Layout } from "../layout.tsx";
import type { PageShell } from "../pages.tsx";

export const CHART_DATA_ID = "coin-chart-data";

export interface CoinFragments {
  banner: string;
  live: string;
  score: string;
  position: string;
  trades: string;
}

/** URLs of the chart library and of the page's own script. */
export interface CoinScripts {
  charts: string;
  /** static/chart-theme.js: the look both chart pages share. */
  theme: string;
  coinChart: string;
}

function baseAsset(symbol: string): string {
  return symbol.endsWith("USDT") ? symbol.slice(0, -4) : symbol;
}

/** JSON inside a <script type="application/json">: nothing in it may close the tag. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

export function CoinPage(props: {
  shell: PageShell;
  scripts: CoinScripts;
  wsUrl: string;
  symbol: string;
  timeframe: Timeframe;
  timeframes: readonly Timeframe[];
  scoring: string;
  fragments: CoinFragments;
  /** The chart's data as JSON (see scriptJson). */
  chartJson: string;
  hasCandles: boolean;
}) {
  const { symbol, timeframe, fragments: f } = props;
  return (
    <Layout title={`${baseAsset(symbol)}/USDT ${timeframe}`} active="scanner" assets={props.shell.assets} wsUrl={props.wsUrl} authEnabled={props.shell.authEnabled}>
      {raw(f.banner)}
      <main class="coin-page" data-symbol-page={symbol}>
        <p class="crumbs"><a href="/">← Scanner</a></p>
        <div class="coin-title">
          <h1>{baseAsset(symbol)}<small>/USDT</small> <small class="muted">perpetual · scoring: {props.scoring}</small></h1>
          <nav class="segmented tf-switch" aria-label="Chart timeframe">
            {props.timeframes.map((tf) => (
              <a href={`/coin/${symbol}?tf=${tf}`} data-tf={tf} aria-current={tf === timeframe ? "page" : undefined}>{tf}</a>
            ))}
          </nav>
        </div>
        <div class="coin-grid">
          <section class="panel chart-panel" aria-label={`${symbol} ${timeframe} chart`}>
            <div id="coin-chart" class="coin-chart" data-symbol={symbol} data-tf={timeframe}>
              {props.hasCandles ? null : <p class="muted chart-empty">No {timeframe} candles yet: the chart appears when the market feed has some.</p>}
            </div>
            <ul class="legend coin-legend">
              <li><span class="ribbon-key" aria-hidden="true" />EMA 8 · 13 · 21 · 34 · 55 · 89 (fast to slow: light to dark)</li>
              <li>▲ ▼ this bot's entries (long, short) · ● exits</li>
              <li>Middle pane: TTM squeeze momentum; dots on the zero line: <span class="sq-on">● squeeze on</span> <span class="sq-off">● off (released)</span> <span class="muted">● none</span></li>
              <li>Bottom pane: Stoch RSI <span class="k-key">%K</span> / <span class="d-key">%D</span> with 80/20 lines; ■ marks a divergence (at its newer pivot)</li>
            </ul>
            {/* Shown by the chart script when there is an open position: the price scale then also takes in its stop, target and liquidation. */}
            <button type="button" id="fit-levels" class="hidden" aria-pressed="false">Show the position's levels</button>
            {raw(f.live)}
            <noscript><p class="muted">The chart needs JavaScript; everything else on this page works without it.</p></noscript>
            <p class="attribution muted">
              Charts: <a href="https://www.tradingview.com/" rel="noopener noreferrer">TradingView Lightweight Charts™</a>, Copyright © TradingView, Inc.
            </p>
          </section>
          <div class="coin-side">
            {raw(f.score)}
            {raw(f.position)}
          </div>
        </div>
        {raw(f.trades)}
        <script type="application/json" id={CHART_DATA_ID}>{raw(props.chartJson)}</script>
        <script src={props.scripts.charts} defer />
        <script src={props.scripts.theme} defer />
        <script src={props.scripts.coinChart} defer />
      </main>
    </Layout>
  );
}

/** A coin this dashboard does not track, or a timeframe it does not chart: what was asked and what exists. */
export function CoinProblemPage(props: { shell: PageShell; title: string; message: string; symbols: readonly string[] }) {
  return (
    <Layout title={props.title} active="scanner" assets={props.shell.assets} wsUrl={null} authEnabled={props.shell.authEnabled}>
      <main class="narrow coin-missing">
        <section class="panel">
          <h1>{props.title}</h1>
          <p id="coin-problem">{props.message}</p>
          <p>Coins on this dashboard: {props.symbols.map((s, i) => <>{i > 0 ? ", " : ""}<a href={`/coin/${s}`}>{s}</a></>)}</p>
          <p><a href="/">Back to the scanner</a></p>
        </section>
      </main>
    </Layout>
  );
}
