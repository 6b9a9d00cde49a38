/**
 * The product's own base score behind the scoring interface. In the scanner
 * it runs inside each coin's streaming CoinAnalyzer (O(1) per candle); called
 * through the interface it replays the given candles into a fresh analyzer,
 * so it can be tested and compared with an owner's module on equal terms.
 */
import { CoinAnalyzer } from "./analyzer.ts";
import type { Scorer, ScoreOutput, ScoringInput } from "./scoring.ts";

export const BUILT_IN_SCORER: Scorer = {
  label: "built-in base score",
  builtIn: true,
  score(input: ScoringInput): ScoreOutput {
    const analyzer = new CoinAnalyzer(input.symbol, { now: () => 0 });
    for (const timeframe of ["5m", "1h", "4h"] as const) {
      for (const candle of input.candles[timeframe]) analyzer.update({ symbol: input.symbol, timeframe, candle, closed: true });
    }
    const snapshot = analyzer.snapshot();
    if (!snapshot) return { long: 0, short: 0, components: [] };
    return { long: snapshot.score.long, short: snapshot.score.short, components: snapshot.score.components.map((c) => ({ name: c.name, long: c.long, short: c.short, detail: c.detail })) };
  },
};
