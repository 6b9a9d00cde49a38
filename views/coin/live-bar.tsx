/**
 * The newest bars of the chart's timeframe (`#coin-live-SYMBOL-TF`): the last
 * bar's prices in words, and in `data-bars` the last few bars of every series
 * (candle, ribbon, squeeze, Stoch RSI) with the divergences of the window.
 * Rendered into the page and pushed over the WebSocket whenever the coin's
 * candles move; static/coin-chart.js applies it to the chart.
 */
import type { Timeframe } from "../../src/market/candle.ts";
import type { ChartSeries } from "../../src/ta/chart-series.ts";
import { formatPrice, formatTime } from "../format.ts";

export function coinLiveId(symbol: string, timeframe: Timeframe): string {
  return `coin-live-${symbol}-${timeframe}`;
}

export function LiveBar(props: { symbol: string; timeframe: Timeframe; tail: ChartSeries }) {
  const { symbol, timeframe, tail } = props;
  const last = tail.t.length - 1;
  return (
    <p id={coinLiveId(symbol, timeframe)} class="coin-live" hx-swap-oob="true" data-tf={timeframe} data-bars={JSON.stringify(tail)}>
      {last < 0 ? (
        <span class="muted">No {timeframe} candles yet.</span>
      ) : (
        <>
          <span class="muted">Last {timeframe} bar {formatTime(tail.t[last] as number)}</span>{" "}
          <span>O {formatPrice(tail.o[last] as number)}</span>{" "}
          <span>H {formatPrice(tail.h[last] as number)}</span>{" "}
          <span>L {formatPrice(tail.l[last] as number)}</span>{" "}
          <span>C <b data-field="close">{formatPrice(tail.c[last] as number)}</b></span>
        </>
      )}
    </p>
  );
}
