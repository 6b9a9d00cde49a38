/**
 * The runtime-config form's fields (`form#config`): one input per
 * TraderConfig field except mode and the coin lists (they have their own
 * controls). Labels and ranges mirror src/config/schema.ts, which stays the
 * judge: the form's text is parsed here and then validated by the schema.
 */
import type { TraderConfig } from "../../config/schema.ts";

export type ConfigFieldKind = "number" | "integer" | "optional-number" | "boolean";

export interface ConfigField {
  name: keyof TraderConfig & string;
  label: string;
  kind: ConfigFieldKind;
  /** Allowed range as shown to the owner. */
  range: string;
}

export const CONFIG_FIELDS: readonly ConfigField[] = [
  { name: "position_size_pct", label: "Position size (% of equity as margin)", kind: "number", range: "0.1 – 50" },
  { name: "max_positions", label: "Max open positions", kind: "integer", range: "0 – 29, whole number" },
  { name: "max_leverage", label: "Max leverage", kind: "integer", range: "1 – 100, whole number" },
  { name: "kill_switch_drawdown_pct", label: "Kill switch drawdown %", kind: "number", range: "1 – 100" },
  { name: "tp_pct", label: "Take profit % of margin", kind: "optional-number", range: "0.1 – 1000, empty = off" },
  { name: "sl_pct", label: "Stop loss % of margin", kind: "optional-number", range: "0.1 – 100, empty = off" },
  { name: "circuit_breaker_threshold", label: "Circuit breaker (failures in a row)", kind: "integer", range: "1 – 100, whole number" },
  { name: "scan_interval_minutes", label: "Scan interval (minutes)", kind: "integer", range: "1 – 1440, whole number" },
  { name: "long_threshold", label: "Long threshold (score)", kind: "number", range: "0 – 130" },
  { name: "short_threshold", label: "Short threshold (score)", kind: "number", range: "0 – 130" },
  { name: "reentry_cooldown_minutes", label: "Re-entry cooldown after a close (minutes)", kind: "integer", range: "0 – 1440, whole number, 0 = off" },
  { name: "use_ta_signals", label: "Add the TA bonus to scores when trading", kind: "boolean", range: "on / off" },
];

/** The text an input shows for a config value (null → empty). */
export function fieldText(value: unknown): string {
  if (value === null || value === undefined) return "";
  return String(value);
}
