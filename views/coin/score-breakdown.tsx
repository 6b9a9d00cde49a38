/**
 * The coin page's score breakdown (`#coin-score-SYMBOL`): every base-score
 * component with its long and short points, the base, the TA bonus with its
 * reasons, and the score the trader compares with its thresholds, written as
 * everywhere else (src/util/score-format.ts): `58 + 20 = 78` when the bonus
 * counts, `58 (+20 TA, not used)` when it does not.
 */
import type { TraderConfig } from "../../src/config/schema.ts";
import type { CoinSnapshot } from "../../src/scanner/analyzer.ts";
import { compositeScore, TA_BONUS_CAP } from "../../src/scanner/composite.ts";
import { formatPrice, formatSignedPct, signClass } from "../format.ts";

export function coinScoreId(symbol: string): string {
  return `coin-score-${symbol}`;
}

export function ScoreBreakdown(props: { symbol: string; coin: CoinSnapshot | null; config: TraderConfig }) {
  const { symbol, coin, config } = props;
  const id = coinScoreId(symbol);
  if (!coin) {
    return (
      <section id={id} class="panel coin-score" hx-swap-oob="true">
        <h2>Score</h2>
        <p class="muted">Warming up: waiting for candles…</p>
      </section>
    );
  }
  const composite = compositeScore(coin.score, coin.ta, config.use_ta_signals);
  const adjustment = coin.ta.composite_score_adjustment;
  const capped = adjustment.long_bonus > TA_BONUS_CAP || adjustment.short_bonus > TA_BONUS_CAP;
  return (
    <section id={id} class="panel coin-score" hx-swap-oob="true">
      <h2>
        Score <span class="coin-price" data-field="price">{formatPrice(coin.price)}</span>{" "}
        <small class={signClass(coin.change_24h_pct)} title="24h change">{formatSignedPct(coin.change_24h_pct)}</small>
      </h2>
      {coin.unscored ? (
        <p class="refusal" data-unscored="true">No score: {coin.unscored}. This coin is not traded until it has one.</p>
      ) : (
        <table class="score-table">
          <thead>
            <tr><th>Component</th><th class="num">Long</th><th class="num">Short</th></tr>
          </thead>
          <tbody>
            {coin.score.components.map((c) => (
              <tr data-component={c.name}>
                <th scope="row">{c.name}{c.detail ? <small class="detail">{c.detail}</small> : null}</th>
                <td class="num" data-points="long">{c.long}</td>
                <td class="num" data-points="short">{c.short}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr data-row="base"><th scope="row">Base score</th><td class="num">{composite.long.base}</td><td class="num">{composite.short.base}</td></tr>
            <tr data-row="bonus">
              <th scope="row">TA bonus{capped ? <small class="detail">capped at +{TA_BONUS_CAP}</small> : null}</th>
              <td class="num">+{composite.long.bonus}</td>
              <td class="num">+{composite.short.bonus}</td>
            </tr>
            <tr data-row="total">
              <th scope="row">Score</th>
              <ScoreCell side="long" text={composite.long.text} hit={composite.long.total >= config.long_threshold} />
              <ScoreCell side="short" text={composite.short.text} hit={composite.short.total >= config.short_threshold} />
            </tr>
            <tr data-row="threshold"><th scope="row">Threshold</th><td class="num">{config.long_threshold}</td><td class="num">{config.short_threshold}</td></tr>
          </tfoot>
        </table>
      )}
      <p class="muted">
        {config.use_ta_signals
          ? "TA signals are on: the bonus counts towards the score the trader compares."
          : "TA signals are off: the bonus is shown but the trader compares the base score."}
      </p>
      {adjustment.reasoning.length > 0 ? (
        <ul class="reasons" data-field="ta-reasons">{adjustment.reasoning.map((line) => <li>{line}</li>)}</ul>
      ) : (
        <p class="muted" data-field="ta-reasons">No TA bonus now.</p>
      )}
    </section>
  );
}

function ScoreCell(props: { side: "long" | "short"; text: string; hit: boolean }) {
  return (
    <td class={`num score ${props.side}${props.hit ? " hit" : ""}`} data-score={props.side}>
      <b>{props.text}</b>
    </td>
  );
}
