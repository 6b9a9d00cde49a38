/**
 * The coin lists, in two fragments:
 *
 *  - `#coin-lists` on /trader: who is on the whitelist and the blacklist, and
 *    a link to the page that edits them per coin. Only that: the table has a
 *    row per tracked coin (300 coins made it about 95 KB of every /trader
 *    load, in a panel most visits never open).
 *  - `#coin-lists-table` on /trader/coins: the whitelist / blacklist toggles
 *    per coin. Each button says the state it sets ("whitelist:BTCUSDT:on"), so
 *    a double click or a stale page never flips a coin back by accident; the
 *    form says which page it came from (`back`), so without JavaScript the
 *    answer comes back to it.
 */
import type { TraderConfig } from "../../src/config/schema.ts";
import { PageForm } from "./forms.tsx";

export const COIN_LISTS_ID = "coin-lists";
export const COIN_LISTS_TABLE_ID = "coin-lists-table";
export const COINS_PAGE_PATH = "/trader/coins";

function listsText(config: TraderConfig): string {
  const white = config.coin_whitelist.length === 0 ? "empty (every coin may trade)" : config.coin_whitelist.join(", ");
  const black = config.coin_blacklist.length === 0 ? "empty" : config.coin_blacklist.join(", ");
  return `Whitelist: ${white}. Blacklist: ${black}.`;
}

export function CoinLists(props: { symbols: string[]; config: TraderConfig }) {
  return (
    <section id={COIN_LISTS_ID} class="panel" hx-swap-oob="true">
      <h2>Coins</h2>
      <p class="muted">{listsText(props.config)}</p>
      <p><a href={COINS_PAGE_PATH} id="coin-lists-edit">Edit per coin ({props.symbols.length} coins) →</a></p>
    </section>
  );
}

export function CoinListsTable(props: { symbols: string[]; config: TraderConfig }) {
  const { config } = props;
  return (
    <section id={COIN_LISTS_TABLE_ID} class="panel" hx-swap-oob="true">
      <h2>Whitelist and blacklist per coin</h2>
      <p class="muted">{listsText(config)}</p>
      <PageForm action="/trader/coin-list" class="coin-lists">
        <input type="hidden" name="back" value="coins" />
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
    </section>
  );
}
