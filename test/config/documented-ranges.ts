/**
 * The config ranges the README documents ("Configuration"): [min, max, whole
 * numbers]. The contract the bound tests hold the schema (and its messages) to:
 * widening a range must fail them.
 */
export const DOCUMENTED_RANGES: Record<string, [number, number, boolean]> = {
  position_size_pct: [0.1, 50, false],
  max_positions: [0, 29, true],
  max_leverage: [1, 100, true],
  kill_switch_drawdown_pct: [1, 100, false],
  tp_pct: [0.1, 1000, false],
  sl_pct: [0.1, 100, false],
  circuit_breaker_threshold: [1, 100, true],
  scan_interval_minutes: [1, 1440, true],
  long_threshold: [0, 130, false],
  short_threshold: [0, 130, false],
  reentry_cooldown_minutes: [0, 1440, true],
};
