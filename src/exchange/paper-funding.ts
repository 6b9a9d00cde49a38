/**
 * Funding of the paper exchange, as pure arithmetic (exchange-api.md §6.2):
 * settlements every 8 h at 00:00, 08:00 and 16:00 UTC; a position open at that
 * instant pays (long, rate > 0) or receives size × mark × rate; a negative
 * rate reverses who pays. CoinEx may shorten the interval to 4 h or 2 h when
 * the premium is high; paper keeps 8 h.
 */
import { sideSign } from "./margin.ts";
import type { PositionSide } from "./types.ts";

/** 8 h. Funding instants are the epoch multiples of it, which are 00:00, 08:00 and 16:00 UTC. */
export const FUNDING_INTERVAL_MS = 8 * 60 * 60_000;

/**
 * 0.01 % per 8 h, used when no live rate is known for a symbol: the usual
 * resting rate of USDT perpetuals (their interest component), so a dry-run
 * long pays something plausible rather than nothing.
 */
export const DEFAULT_FUNDING_RATE = 0.0001;

/** The funding instant at or before `t`. */
export function fundingBoundaryAtOrBefore(t: number): number {
  return Math.floor(t / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS;
}

/** The funding instants after `last` up to and including `upTo`, oldest first. */
export function fundingBoundariesDue(last: number, upTo: number): number[] {
  const due: number[] = [];
  for (let t = fundingBoundaryAtOrBefore(last) + FUNDING_INTERVAL_MS; t <= upTo; t += FUNDING_INTERVAL_MS) due.push(t);
  return due;
}

/** What one settlement does to a position: + received, − paid. */
export function fundingAmount(side: PositionSide, size: number, mark: number, rate: number): number {
  // Negated so that 0 stays 0 (not −0) when the rate is 0.
  const amount = sideSign(side) * size * mark * rate;
  return amount === 0 ? 0 : -amount;
}

/** The rate to charge: the live one when the source has a finite number, else the default. */
export function resolveFundingRate(rate: number | undefined): number {
  return typeof rate === "number" && Number.isFinite(rate) ? rate : DEFAULT_FUNDING_RATE;
}
