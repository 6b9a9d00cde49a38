/**
 * Kill switch: equity drawdown from the starting balance. When the drawdown
 * reaches the configured percentage the cycle closes everything, writes the
 * lockfile and pauses. `distance_pct` is how many percentage points of
 * drawdown remain before it trips (shown on the dashboard).
 */
export interface KillSwitchReading {
  drawdown_pct: number;
  distance_pct: number;
  tripped: boolean;
}

export function readKillSwitch(equity: number, startingBalance: number, thresholdPct: number): KillSwitchReading {
  if (!(startingBalance > 0) || !Number.isFinite(equity)) {
    // Without a valid baseline the drawdown is unknowable: report no drawdown but never trip on bad data.
    return { drawdown_pct: 0, distance_pct: thresholdPct, tripped: false };
  }
  const drawdown = Math.max(0, ((startingBalance - equity) / startingBalance) * 100);
  return {
    drawdown_pct: drawdown,
    distance_pct: Math.max(0, thresholdPct - drawdown),
    tripped: drawdown >= thresholdPct,
  };
}

/**
 * What a new kill-switch limit would do with the drawdown as last read: null
 * when the drawdown is below it, else the sentence the owner reads before
 * saving ("trips at once" while the trader runs, "at the first cycle" when not).
 */
export function killSwitchPreview(drawdownPct: number | null, limitPct: number, tradingNow: boolean): string | null {
  if (drawdownPct === null || !(drawdownPct >= limitPct)) return null;
  const when = tradingNow ? "trips at once" : "trips at the first cycle once the trader runs";
  return `the drawdown is ${drawdownPct.toFixed(2)} % now: with the kill switch at ${limitPct} % it ${when} — every position is closed, the lockfile written and the trader paused`;
}
