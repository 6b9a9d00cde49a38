/**
 * Number and time formatting shared by every view, so a price or a P&L reads
 * the same on the scanner, the trader page and in pushes.
 */

export { formatPrice, formatSignedUsd, formatUsd } from "../src/util/number-format.ts";
/** "58 + 20 = 78" when the TA bonus counts, "58 (+20 TA, not used)" when it does not: see src/util/score-format.ts. */
export { formatScoreWithBonus, type ScoreWithBonus } from "../src/util/score-format.ts";

/** Signed percentage with two decimals: +1.25%, −0.40%. */
export function formatSignedPct(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "—";
  return `${value > 0 ? "+" : value < 0 ? "−" : ""}${Math.abs(value).toFixed(2)}%`;
}

export function formatPct(value: number): string {
  if (!Number.isFinite(value)) return "—";
  return `${value.toFixed(2)}%`;
}

/** CSS class for a signed number: up (green), down (red), flat. */
export function signClass(value: number | null): "up" | "down" | "flat" {
  if (value === null || !Number.isFinite(value) || value === 0) return "flat";
  return value > 0 ? "up" : "down";
}

/** UTC date and time (the server renders; the browser runs no script to localise). Takes ms or an ISO string. */
export function formatTime(value: number | string): string {
  const ms = typeof value === "string" ? Date.parse(value) : value;
  if (!Number.isFinite(ms)) return typeof value === "string" ? value : "—";
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
}

/** Time of day only, UTC, for dense lists. */
export function formatClock(ms: number): string {
  if (!Number.isFinite(ms)) return "—";
  return `${new Date(ms).toISOString().slice(11, 19)}Z`;
}

/** A span of time for people, two units at most: "45 s", "12 min", "3 h 05 min", "2 d 4 h". */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return "—";
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return `${Math.floor(ms / 1000)} s`;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${String(minutes % 60).padStart(2, "0")} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** A large USDT amount in short (a 24h traded value): "812", "45.3 k", "12.3 M", "1.24 B"; "—" when unknown. */
export function formatCompactUsd(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "—";
  const abs = Math.abs(value);
  const [scaled, unit] = abs >= 1e9 ? [value / 1e9, " B"] : abs >= 1e6 ? [value / 1e6, " M"] : abs >= 1e3 ? [value / 1e3, " k"] : [value, ""];
  const digits = Math.abs(scaled) >= 100 || unit === "" ? 0 : Math.abs(scaled) >= 10 ? 1 : 2;
  return `${scaled.toFixed(digits)}${unit}`;
}
