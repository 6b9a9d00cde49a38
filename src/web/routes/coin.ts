/**
 * GET /coin/:symbol?tf=5m|1h|4h: one coin's page (render/coin-view.tsx).
 * A symbol written in lower case is redirected to its canonical spelling; a
 * coin the scanner does not show, or something that is not a symbol, is a
 * 404 page saying so and listing the coins there are; a timeframe other than
 * 5m, 1h or 4h is a 400 page. Auth is app middleware.
 */
import { Hono } from "hono";
import { isTimeframe, type CoinView } from "../render/coin-view.tsx";

const SYMBOL = /^[A-Z0-9]{1,30}$/;

/** A piece of the URL quoted back safely short. */
function quoted(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

export function coinRoutes(view: CoinView): Hono {
  const routes = new Hono();
  routes.get("/:symbol", (c) => {
    const asked = c.req.param("symbol");
    const tf = c.req.query("tf") ?? "5m";
    const symbol = asked.toUpperCase();
    if (!SYMBOL.test(symbol)) {
      return c.html(view.problemPage("No such coin", `${quoted(asked)} is not a coin symbol: a symbol is letters and digits, such as BTCUSDT.`), 404);
    }
    if (!view.tracks(symbol)) {
      return c.html(view.problemPage("No such coin", `${symbol} is not on this dashboard: the scanner shows ${view.symbols().length} coins, listed below.`), 404);
    }
    if (!isTimeframe(tf)) {
      return c.html(view.problemPage("No such timeframe", `The chart's timeframe must be 5m, 1h or 4h, not ${quoted(tf)}.`), 400);
    }
    if (symbol !== asked) return c.redirect(`/coin/${symbol}?tf=${tf}`, 301);
    return c.html(view.page(symbol, tf));
  });
  return routes;
}
