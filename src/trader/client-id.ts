/**
 * Deterministic order ids. Every decision maps to one client_id, so a retried
 * or restarted cycle that reaches the same decision sends the same id, and the
 * exchange (and our trade record) recognise it instead of doubling a position.
 * An opening decision is identified by symbol, side and the scan slot (the
 * scan interval it belongs to). CoinEx allows letters, digits, - and _, at most
 * 32 bytes; longer ids are shortened with a hash.
 */
import { createHash } from "node:crypto";

const MAX_LEN = 32;

function fit(id: string): string {
  if (id.length <= MAX_LEN) return id;
  const digest = createHash("sha256").update(id).digest("hex").slice(0, 12);
  return `${id.slice(0, MAX_LEN - 13)}_${digest}`;
}

export function scanSlot(at: number, scanIntervalMinutes: number): number {
  return Math.floor(at / (scanIntervalMinutes * 60_000));
}

export function openOrderClientId(symbol: string, side: "long" | "short", slot: number): string {
  return fit(`o-${symbol}-${side === "long" ? "L" : "S"}-${slot}`);
}

export function closeOrderClientId(symbol: string, reason: string, at: number): string {
  const tag = reason.replace(/[^A-Za-z0-9]/g, "").slice(0, 6) || "close";
  return fit(`c-${symbol}-${tag}-${Math.floor(at / 1000)}`);
}
