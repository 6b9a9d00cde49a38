/**
 * The market banner (`#market-banner`) at the top of every page: shown while
 * prices are simulated or replayed, or while the market feed reports an error
 * (e.g. Binance US unreachable), so nobody mistakes fake prices for real ones.
 */
import type { MarketSourceStatus } from "../src/market/source.ts";

/** Removes URLs and host names from a message: pages never name an exchange host. */
export function withoutHosts(text: string): string {
  return text
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, "[url]")
    .replace(/\b(?:[a-z0-9-]+\.)+(?:com|us|io|net|org|exchange)\b(?::\d+)?/gi, "[host]");
}

export function bannerLines(status: MarketSourceStatus): string[] {
  const lines: string[] = [];
  if (status.banner) lines.push(status.banner);
  else if (status.simulated) lines.push(`Market source "${status.source}": prices are ${status.source === "replay" ? "replayed" : "simulated"}, not live. Live trading is off.`);
  if (status.lastError) lines.push(`Market data error: ${status.lastError}`);
  return lines.map(withoutHosts);
}

export function MarketBanner(props: { status: MarketSourceStatus }) {
  const lines = bannerLines(props.status);
  if (lines.length === 0) return <div id="market-banner" class="banner hidden" hx-swap-oob="true" />;
  return (
    <div id="market-banner" class={`banner ${props.status.simulated ? "simulated" : "error"}`} role="alert" hx-swap-oob="true">
      {lines.map((line) => <p>{line}</p>)}
    </div>
  );
}
