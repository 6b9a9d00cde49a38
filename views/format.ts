/**
 * Number and time formatting shared by every view, so a price or a P&L reads
 * the same on the scanner, the trader page and in pushes.
 */

export { formatPrice, formatSignedUsd, formatUsd } from "../src/util/number-format.ts";

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
