/**
 * The coin page's fragments, kept in the dashboard's one FragmentCache so the
 * page and its pushes are the same strings, defined on first use (a page or a
 * socket asks) and kept: there are at most 4 per coin and 1 per coin and
 * timeframe, and a fragment nobody reads is never rendered.
 *
 *  - `#coin-live-SYMBOL-TF` (topic "coin:SYMBOL"): the newest bars with their
 *    indicator points, computed from the candle store on the server;
 *  - `#coin-score-SYMBOL` ("coin:SYMBOL", "config"): the score breakdown;
 *  - `#coin-position-SYMBOL` ("account", "status"): the open position's levels;
 *  - `#coin-trades-SYMBOL` ("account", "status", "logs"): this bot's trades
 *    and the chart's entry/exit markers.
 *
 * Live group "coin-page:SYMBOL:TF" (made by the hub when a coin page's socket
 * joins): those four and the market banner. No other page's group changes.
 */
import type { Timeframe } from "../../market/candle.ts";
import { TIMEFRAME_MS, TIMEFRAMES } from "../../market/candle.ts";
import { chartSeries, seriesTail, type ChartSeries } from "../../ta/chart-series.ts";
import { priceDecimals } from "../../util/number-format.ts";
import type { WebDeps } from "../deps.ts";
import { TRADER_FRAGMENT_IDS, type Dashboard } from "./dashboard.tsx";
import { toHtml } from "./to-html.ts";
import { coinLiveId, LiveBar } from "../../../views/coin/live-bar.tsx";
import { CoinPage, CoinProblemPage, scriptJson, type CoinScripts } from "../../../views/coin/page.tsx";
import { coinPositionId, PositionLevels } from "../../../views/coin/position-levels.tsx";
import { coinScoreId, ScoreBreakdown } from "../../../views/coin/score-breakdown.tsx";
import { coinTrades, CoinTradesPanel, coinTradesId } from "../../../views/coin/trades.tsx";
import type { PageShell } from "../../../views/pages.tsx";

/** Bars the chart shows. */
export const CHART_BARS = 500;
/** Bars before those that only warm the indicators up (EMA 89 and the squeeze's 39 need them). */
export const WARMUP_BARS = 300;
/** Bars each push carries: the forming one and the two before it, so a bar's close is never missed between pushes. */
export const LIVE_BARS = 3;
/** Closed trades read for markers (the record's largest page), of every coin; this coin's are kept. */
export const MARKER_TRADES = 1000;

const GROUP = /^coin-page:([A-Z0-9]{1,20}USDT):(5m|1h|4h)$/;

export function coinGroup(symbol: string, timeframe: Timeframe): string {
  return `coin-page:${symbol}:${timeframe}`;
}

export function isTimeframe(value: string): value is Timeframe {
  return (TIMEFRAMES as readonly string[]).includes(value);
}

/** What the chart script reads from #coin-chart-data. */
export interface ChartData {
  symbol: string;
  tf: Timeframe;
  step_ms: number;
  /** Decimals of the price scale (as formatPrice writes this coin's prices). */
  precision: number;
  series: ChartSeries;
}

export class CoinView {
  constructor(
    private readonly deps: WebDeps,
    private readonly dashboard: Dashboard,
    private readonly shell: PageShell,
    private readonly scripts: CoinScripts,
  ) {}

  /** The coins with a page: those the scanner shows. */
  symbols(): readonly string[] {
    return this.dashboard.symbols;
  }

  tracks(symbol: string): boolean {
    return this.dashboard.symbols.includes(symbol);
  }

  /** The ids of a group made on demand ("coin-page:SYMBOL:TF"), or null for a name that is not one. */
  groupIds(name: string): (() => readonly string[]) | null {
    const match = GROUP.exec(name);
    if (!match) return null;
    const symbol = match[1] as string;
    const timeframe = match[2] as Timeframe;
    // A well-formed name for a coin not shown here: a group with nothing to push.
    if (!this.tracks(symbol)) return () => [];
    const ids = this.ensure(symbol, timeframe);
    return () => ids;
  }

  page(symbol: string, timeframe: Timeframe): string {
    const [banner, live, score, position, trades] = this.dashboard.cache.getAll(this.ensure(symbol, timeframe)).map((f) => f.html) as [string, string, string, string, string];
    const series = this.series(symbol, timeframe);
    const last = series.c.at(-1);
    const data: ChartData = {
      symbol,
      tf: timeframe,
      step_ms: TIMEFRAME_MS[timeframe],
      precision: last === undefined ? 2 : priceDecimals(last),
      series,
    };
    return "<!doctype html>" + toHtml(
      <CoinPage
        shell={this.shell}
        scripts={this.scripts}
        wsUrl={`/ws?page=coin&symbol=${symbol}&tf=${timeframe}&since=${this.dashboard.since()}`}
        symbol={symbol}
        timeframe={timeframe}
        timeframes={TIMEFRAMES}
        scoring={this.deps.market.scorerLabel?.() ?? "built-in base score"}
        fragments={{ banner, live, score, position, trades }}
        chartJson={scriptJson(data)}
        hasCandles={series.t.length > 0}
      />,
    );
  }

  /** A 404 or 400 page saying what was asked and which coins exist. */
  problemPage(title: string, message: string): string {
    return "<!doctype html>" + toHtml(<CoinProblemPage shell={this.shell} title={title} message={message} symbols={this.symbols()} />);
  }

  /** The indicator series of the bars the chart shows, from the market's candle store. */
  private series(symbol: string, timeframe: Timeframe): ChartSeries {
    const candles = this.deps.market.recentCandles?.(symbol, timeframe, CHART_BARS + WARMUP_BARS) ?? [];
    return chartSeries(candles, CHART_BARS);
  }

  /** Defines the page's fragments if need be; their ids, banner first. */
  private ensure(symbol: string, timeframe: Timeframe): string[] {
    const cache = this.dashboard.cache;
    const deps = this.deps;
    const status = () => this.dashboard.status();
    const position = () => status().positions.find((p) => p.symbol === symbol) ?? null;
    const define = (id: string, topics: string[], render: () => string) => {
      if (!cache.has(id)) cache.define({ id, topics, render });
    };
    define(coinLiveId(symbol, timeframe), [`coin:${symbol}`], () =>
      toHtml(<LiveBar symbol={symbol} timeframe={timeframe} tail={seriesTail(this.series(symbol, timeframe), LIVE_BARS)} />),
    );
    define(coinScoreId(symbol), [`coin:${symbol}`, "config"], () => toHtml(<ScoreBreakdown symbol={symbol} coin={deps.market.coin(symbol)} config={status().config} />));
    define(coinPositionId(symbol), ["account", "status"], () => toHtml(<PositionLevels symbol={symbol} position={position()} exchange={status().exchange} />));
    define(coinTradesId(symbol), ["account", "status", "logs"], () => {
      const closed = deps.record.closedTrades(MARKER_TRADES).filter((t) => t.symbol === symbol);
      const trades = coinTrades(closed, position(), status().exchange === "coinex" ? "live" : "dry-run");
      return toHtml(<CoinTradesPanel symbol={symbol} trades={trades} />);
    });
    return [TRADER_FRAGMENT_IDS.banner, coinLiveId(symbol, timeframe), coinScoreId(symbol), coinPositionId(symbol), coinTradesId(symbol)];
  }
}
