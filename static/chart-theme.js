// The dashboard's look for TradingView Lightweight Charts, in one place for
// both pages that draw with it (coin-chart.js, performance-charts.js): the
// colours, read from app.css's custom properties, and the options every chart
// starts from. Loaded after lightweight-charts.js and before the page's script.
(function () {
  "use strict";
  var css = getComputedStyle(document.documentElement);
  function color(name, fallback) {
    return css.getPropertyValue(name).trim() || fallback;
  }
  var LINE = color("--line", "#30363d");
  var GRID = "#21262d";

  /**
   * createChart options in the dashboard's theme: `background` names the CSS
   * colour behind the chart; `extra`'s layout, timeScale and the rest are laid
   * over the defaults one level deep.
   */
  function options(background, extra) {
    extra = extra || {};
    var base = {
      autoSize: true,
      layout: {
        background: { type: "solid", color: color(background, "#161b22") },
        textColor: color("--muted", "#8b949e"),
        fontFamily: getComputedStyle(document.body).fontFamily,
        fontSize: 11,
        // The logo would add a <style> element (refused by the page's CSP); the credit is on the page.
        attributionLogo: false,
      },
      grid: { vertLines: { color: GRID }, horzLines: { color: GRID } },
      rightPriceScale: { borderColor: LINE },
      timeScale: { borderColor: LINE, timeVisible: true, secondsVisible: false },
    };
    Object.keys(extra).forEach(function (key) {
      var value = extra[key];
      base[key] = value && typeof value === "object" && !Array.isArray(value) && base[key] ? Object.assign({}, base[key], value) : value;
    });
    return base;
  }

  window.ChartTheme = {
    color: color,
    GREEN: color("--green", "#3fb950"),
    RED: color("--red", "#f85149"),
    YELLOW: color("--yellow", "#d29922"),
    BLUE: color("--blue", "#58a6ff"),
    GRAY: color("--gray", "#6e7681"),
    LINE: LINE,
    options: options,
  };
})();
