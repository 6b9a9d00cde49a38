/**
 * The market banner (`#market-banner`) at the top of every page: shown while
 * prices are simulated or replayed, or while the market feed reports an error
 * (e.g. Binance US unreachable), so nobody mistakes fake prices for real ones.
 * It says the problem in a trader's words first; the technical text (the URL,
 * the error code) is folded away beside it.
 */
import { explainMarketError, splitBanner } from "../src/market/market-problem.ts";
import type { MarketSourceStatus } from "../src/market/source.ts";

/** Removes URLs and host names from a message: pages never name an exchange host. */
export function withoutHosts(text: string): string {
  return text
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, "[url]")
    .replace(/\b(?:[a-z0-9-]+\.)+(?:com|us|io|net|org|exchange)\b(?::\d+)?/gi, "[host]");
}

/**
 * What the banner says: each line a sentence for a trader ("Binance US cannot
 * be reached (DNS lookup failed for api.binance.us); using the simulated
 * market"), with the technical text, when there is one, folded away beside it.
 */
export function bannerLines(status: MarketSourceStatus): { text: string; detail: string | null }[] {
  const lines: { text: string; detail: string | null }[] = [];
  if (status.banner) lines.push(splitBanner(status.banner));
  else if (status.simulated) lines.push({ text: `Market source "${status.source}": prices are ${status.source === "replay" ? "replayed" : "simulated"}, not live. Live trading is off.`, detail: null });
  if (status.lastError) {
    const problem = explainMarketError(status.lastError);
    lines.push({ text: `Market data: ${problem.text}`, detail: problem.detail === problem.text ? null : problem.detail });
  }
  return lines;
}

export function MarketBanner(props: { status: MarketSourceStatus }) {
  const lines = bannerLines(props.status);
  if (lines.length === 0) return <div id="market-banner" class="banner hidden" hx-swap-oob="true" />;
  return (
    <div id="market-banner" class={`banner ${props.status.simulated ? "simulated" : "error"}`} role="alert" hx-swap-oob="true">
      {lines.map((line) => (
        <>
          <p>{line.text}</p>
          {line.detail ? <details class="tech"><summary>Technical detail</summary>{line.detail}</details> : null}
        </>
      ))}
    </div>
  );
}
