/**
 * One scanner card (`#coin-BTCUSDT`, `[data-symbol]`): price, 24h change, 24h
 * traded value, the long/short scores as "base + TA bonus = total", the three TA indicators with
 * their tooltips, and a sparkline of recent 5m closes. Its title links to the
 * coin's page (/coin/SYMBOL). The same string is the
 * page's card and the WebSocket push that replaces it. Its root names the
 * states the scanner filters on (data-squeeze, data-divergence, data-above).
 * What moves with every tick is marked `data-part`, as narrowly as the markup
 * allows (price, change, volume, each side's score, the ribbon's spread, the
 * squeeze momentum, %K, the sparkline's forming step), and so is what a candle
 * close moves (the closed line, the squeeze's bar count, the divergence's age,
 * the 1h ribbon): a push carries only the parts whose HTML changed, the card
 * whole only when a state flips (squeeze on/off, a divergence found or gone,
 * the ribbon's 5m state, a threshold crossed) or the config changed
 * (src/web/render/fragment-parts.ts).
 */
import type { TraderConfig } from "../../src/config/schema.ts";
import type { CoinSnapshot } from "../../src/scanner/analyzer.ts";
import { compositeScore, type CompositeSide } from "../../src/scanner/composite.ts";
import type { TaResult } from "../../src/ta/result.ts";
import { holds } from "../../src/web/render/scanner-query.ts";
import { formatCompactUsd, formatPrice, formatSignedPct, signClass } from "../format.ts";
import { Sparkline } from "../svg.tsx";
import { TOOLTIP_EMA_RIBBON, TOOLTIP_STOCH_RSI_DIVERGENCE, TOOLTIP_TTM_SQUEEZE } from "./tooltips.ts";

export function coinCardId(symbol: string): string {
  return `coin-${symbol}`;
}

function baseAsset(symbol: string): string {
  return symbol.endsWith("USDT") ? symbol.slice(0, -4) : symbol;
}

export function CoinCard(props: { symbol: string; coin: CoinSnapshot | null; config: TraderConfig }) {
  const { symbol, coin, config } = props;
  const tags = [
    config.coin_blacklist.includes(symbol) ? <span class="tag blocked">blacklisted</span> : null,
    config.coin_whitelist.includes(symbol) ? <span class="tag allowed">whitelisted</span> : null,
  ];
  if (!coin) {
    return (
      <article class="coin warming" id={coinCardId(symbol)} data-symbol={symbol} data-squeeze="none" data-divergence="none" hx-swap-oob="true">
        <header class="coin-head">
          <CoinTitle symbol={symbol} />
          {tags}
        </header>
        <p class="muted">Warming up: waiting for candles…</p>
      </article>
    );
  }
  const composite = compositeScore(coin.score, coin.ta, config.use_ta_signals);
  // The states the scanner filters on, so a card that left a filter is marked until its list is re-sorted (app.css).
  return (
    <article
      class="coin"
      id={coinCardId(symbol)}
      data-symbol={symbol}
      data-squeeze={coin.ta.ttm_squeeze.squeeze}
      data-divergence={coin.ta.stoch_rsi_divergence.divergence}
      data-above={holds("above-threshold", coin, config) ? "true" : undefined}
      hx-swap-oob="true"
    >
      <header class="coin-head">
        <CoinTitle symbol={symbol} />
        {tags}
        <span class="price" id={`price-${symbol}`} data-part data-field="price">{formatPrice(coin.price)}</span>
        <span class={`change ${signClass(coin.change_24h_pct)}`} id={`change-${symbol}`} data-part data-field="change" title="24h change">{formatSignedPct(coin.change_24h_pct)}</span>
        <span class="volume muted" title="Traded in the last 24h, in USDT (volume × price of each 5m candle)"><span id={`volume-${symbol}`} data-part>vol {formatCompactUsd(coin.volume_24h_usdt)}</span></span>
      </header>
      {coin.unscored ? (
        <div class="scores unscored" id={`scores-${symbol}`} data-part data-unscored="true" title="The scoring module gave no score for the latest closed candle: this coin is not traded until it does">
          no score: {coin.unscored}
        </div>
      ) : (
        <div class="scores" id={`scores-${symbol}`}>
          <ScoreLine symbol={symbol} side="long" label="L" value={composite.long} threshold={config.long_threshold} />
          <ScoreLine symbol={symbol} side="short" label="S" value={composite.short} threshold={config.short_threshold} />
        </div>
      )}
      <Ribbon ta={coin.ta} symbol={symbol} />
      <Squeeze ta={coin.ta} symbol={symbol} />
      <Divergence ta={coin.ta} symbol={symbol} />
      <Sparkline id={`spark-${symbol}`} closes={coin.closes} label={`${symbol} last ${coin.closes.length} 5m closes`} />
    </article>
  );
}

/** The coin's name, a link to its page (chart, score breakdown, the bot's trades on it). */
function CoinTitle(props: { symbol: string }) {
  return (
    <h2>
      <a class="coin-link" href={`/coin/${props.symbol}`} title={`${props.symbol}: chart, score breakdown and this bot's trades`}>{baseAsset(props.symbol)}<small>/USDT</small></a>
    </h2>
  );
}

/**
 * One side's score. The line and its tooltip change only with the config;
 * the part (the `<b>`) carries what moves: the text, the total and whether
 * it reaches the threshold. So a tick pushes a few dozen bytes per side. The
 * tooltip names no points: they move with the price (24h change, range
 * position), and in the tooltip they re-sent the whole card; the coin page
 * has the breakdown.
 */
function ScoreLine(props: { symbol: string; side: "long" | "short"; label: string; value: CompositeSide; threshold: number }) {
  // `total` is what the trader compares: it includes the bonus only when use_ta_signals is on.
  const hit = props.value.total >= props.threshold;
  return (
    <div
      class={`score ${props.side}`}
      data-score={props.side}
      title={`${props.side} score: base + TA bonus = sum; the trader compares ${props.value.applied ? "the sum" : "the base (TA bonus display-only)"} with its threshold ${props.threshold}. The breakdown is on the coin page`}
    >
      <span class="score-label">{props.label}</span> <b id={`score-${props.side}-${props.symbol}`} data-part class={hit ? "hit" : undefined} data-total={String(props.value.total)}>{props.value.text}</b>
    </div>
  );
}

const RIBBON_WORD = { bullish: "bull", bearish: "bear", mixed: "mixed" } as const;

function Ribbon(props: { ta: TaResult; symbol: string }) {
  const r = props.ta.ema_ribbon;
  // To the 0.1 % the text shows: a bar that moves invisibly is not worth a push.
  const width = Math.round(Math.max(2, Math.min(100, r.spread_5m)) * 10) / 10;
  return (
    <div id={`ema-${props.symbol}`} class={`ind ribbon ${r.state_5m}`} data-indicator="ema_ribbon" title={TOOLTIP_EMA_RIBBON} data-tip={TOOLTIP_EMA_RIBBON} tabindex={0}>
      <span class="ind-label">EMA</span>
      <span class="ind-body">
        {/* What moves with the price: the spread and its bar (a <progress>: a few bytes where an SVG bar took two hundred). */}
        <span class="ind-now" id={`ema-${props.symbol}-now`} data-part>
          <progress class="bar" max="100" value={String(width)} aria-hidden="true" />
          <span class="ind-value">{RIBBON_WORD[r.state_5m]} {r.spread_5m.toFixed(1)}%</span>
        </span>
        <span class={`ind-sub ${r.state_1h}`} id={`ema-${props.symbol}-1h`} data-part>1h {RIBBON_WORD[r.state_1h]}</span>
      </span>
    </div>
  );
}

const ARROW = { bullish: "▲", bearish: "▼", neutral: "–" } as const;

function Squeeze(props: { ta: TaResult; symbol: string }) {
  const s = props.ta.ttm_squeeze;
  const word = s.squeeze === "on" ? `on ${s.bars_in_squeeze} bar${s.bars_in_squeeze === 1 ? "" : "s"}` : s.squeeze === "fired" ? "fired" : "none";
  return (
    <div id={`ttm-${props.symbol}`} class={`ind squeeze sq-${s.squeeze}`} data-indicator="ttm_squeeze" title={TOOLTIP_TTM_SQUEEZE} data-tip={TOOLTIP_TTM_SQUEEZE} tabindex={0}>
      <span class="ind-label">TTM</span>
      <span class="ind-body">
        <span class={`dot ${s.squeeze}`} aria-hidden="true" />
        {/* Counted up at each candle close: a part, so a close does not re-send the card. */}
        <span class="ind-value" id={`ttm-${props.symbol}-state`} data-part>{word}</span>
        {/* The momentum moves with the price. */}
        <span class={`ind-sub ${s.direction}`} id={`ttm-${props.symbol}-now`} data-part>{ARROW[s.direction]} {s.direction}{s.momentum !== null ? ` ${formatMomentum(s.momentum)}` : ""} · {s.timeframe}</span>
      </span>
    </div>
  );
}

function formatMomentum(m: number): string {
  const abs = Math.abs(m);
  return abs >= 100 ? m.toFixed(0) : abs >= 1 ? m.toFixed(2) : m.toPrecision(2);
}

function Divergence(props: { ta: TaResult; symbol: string }) {
  const d = props.ta.stoch_rsi_divergence;
  const k = d.stoch_k === null ? "—" : d.stoch_k.toFixed(0);
  return (
    <div id={`srsi-${props.symbol}`} class={`ind divergence div-${d.divergence}`} data-indicator="stoch_rsi_divergence" title={TOOLTIP_STOCH_RSI_DIVERGENCE} data-tip={TOOLTIP_STOCH_RSI_DIVERGENCE} tabindex={0}>
      <span class="ind-label">SRSI</span>
      <span class="ind-body">
        {d.divergence === "none"
          ? <span class="ind-value muted">no divergence</span>
          : <span class={`badge ${d.divergence}`} data-alert="divergence" id={`srsi-${props.symbol}-badge`} data-part>⚠ {d.divergence} div {d.strength.toFixed(0)}{d.candles_ago !== null ? ` · ${d.candles_ago} bars ago` : ""}</span>}
        {/* %K moves with the price; a divergence is found on closed candles. */}
        <span class="ind-sub" id={`srsi-${props.symbol}-now`} data-part>%K {k}</span>
      </span>
    </div>
  );
}
