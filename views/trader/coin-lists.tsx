/**
 * Whitelist / blacklist toggles per coin (`#coin-lists`). Each button says
 * the state it sets ("whitelist:BTCUSDT:on"), so a double click or a stale
 * page never flips a coin back by accident.
 */
import type { TraderConfig } from "../../src/config/schema.ts";
import { PageForm } from "./forms.tsx";

export function CoinLists(props: { symbols: string[]; config: TraderConfig }) {
  const { config } = props;
  return (
    <section id="coin-lists" class="panel" hx-swap-oob="true">
      <h2>Coins</h2>
      <p class="muted">
        Whitelist: {config.coin_whitelist.length === 0 ? "empty (every coin may trade)" : config.coin_whitelist.join(", ")}.
        {" "}Blacklist: {config.coin_blacklist.length === 0 ? "empty" : config.coin_blacklist.join(", ")}.
      </p>
      {/* The id lets static/live.js keep it open when a toggle's answer or a push replaces the panel. */}
      <details id="coin-lists-edit">
        <summary>Edit per coin</summary>
        <PageForm action="/trader/coin-list" class="coin-lists">
          <table class="coin-table">
            <thead><tr><th>Coin</th><th>Whitelist</th><th>Blacklist</th></tr></thead>
            <tbody>
              {props.symbols.map((symbol) => {
                const white = config.coin_whitelist.includes(symbol);
                const black = config.coin_blacklist.includes(symbol);
                return (
                  <tr data-coin={symbol}>
                    <td>{symbol}</td>
                    <td><button type="submit" class="toggle" name="toggle" value={`whitelist:${symbol}:${white ? "off" : "on"}`} aria-pressed={String(white)}>{white ? "on" : "off"}</button></td>
                    <td><button type="submit" class="toggle danger-toggle" name="toggle" value={`blacklist:${symbol}:${black ? "off" : "on"}`} aria-pressed={String(black)}>{black ? "on" : "off"}</button></td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </PageForm>
      </details>
    </section>
  );
}
