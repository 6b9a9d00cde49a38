// The coin page's chart, drawn with TradingView Lightweight Charts (served as
// /static/lightweight-charts.js, in the theme of chart-theme.js). Everything drawn was computed on the server:
//   #coin-chart-data (JSON)      the bars and every indicator series;
//   #coin-trades-SYMBOL          data-markers: this bot's entries and exits;
//   #coin-position-SYMBOL        data-levels: the open position's price lines;
//   #coin-live-SYMBOL-TF         data-bars: the newest bars, replaced by each
//                                WebSocket push (htmx applies the swap; this
//                                script then redraws from the new element).
// No indicator is computed here. What was drawn is written back onto
// #coin-chart as data-* attributes (bars, markers, price lines, last close).
(function () {
  "use strict";
  var dataEl = document.getElementById("coin-chart-data");
  var box = document.getElementById("coin-chart");
  var LC = window.LightweightCharts;
  var theme = window.ChartTheme; // static/chart-theme.js
  if (!dataEl || !box || !LC || !theme) return;
  var data = JSON.parse(dataEl.textContent || "{}");
  var series = data.series;
  if (!series || series.t.length === 0) {
    // No candles when the page was made: the first push that brings some reloads it.
    document.addEventListener("htmx:wsAfterMessage", function () {
      var live = liveElement();
      var tail = live && JSON.parse(live.getAttribute("data-bars") || "null");
      if (tail && tail.t.length > 0) location.reload();
    });
    return;
  }

  var GREEN = theme.GREEN;
  var RED = theme.RED;
  var YELLOW = theme.YELLOW;
  var BLUE = theme.BLUE;
  var GRAY = theme.GRAY;
  var LINE = theme.LINE;
  // Fast EMA light, slow EMA dark.
  var RIBBON = ["#cae8ff", "#a5d6ff", "#79c0ff", "#58a6ff", "#388bfd", "#1f6feb"];
  var RIBBON_KEYS = ["ema8", "ema13", "ema21", "ema34", "ema55", "ema89"];
  var LEVEL_COLORS = { entry: BLUE, sl: RED, tp: GREEN, liq: "#d2a8ff" };
  var LEVEL_TITLES = { entry: "entry", sl: "SL", tp: "TP", liq: "liq." };
  var SQUEEZE_COLORS = { on: RED, off: GREEN, none: GRAY };

  var priceFormat = { type: "price", precision: data.precision, minMove: Math.pow(10, -data.precision) };
  var quiet = { priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false };
  function merge(a, b) {
    return Object.assign({}, a, b);
  }

  var chart = LC.createChart(box, theme.options("--panel", {
    layout: { panes: { separatorColor: LINE, separatorHoverColor: LINE } },
    timeScale: { rightOffset: 3 },
    crosshair: { mode: LC.CrosshairMode.Normal },
  }));

  /** The open position's levels ({kind, label, price}); with `fitLevels` the price scale takes them in. */
  var levels = [];
  var fitLevels = false;
  var candles = chart.addSeries(LC.CandlestickSeries, {
    upColor: GREEN, downColor: RED, wickUpColor: GREEN, wickDownColor: RED, borderVisible: false, priceFormat: priceFormat,
    autoscaleInfoProvider: function (original) {
      var range = original();
      if (!fitLevels || !range || levels.length === 0) return range;
      var prices = levels.map(function (l) { return l.price; });
      return {
        priceRange: {
          minValue: Math.min.apply(null, prices.concat([range.priceRange.minValue])),
          maxValue: Math.max.apply(null, prices.concat([range.priceRange.maxValue])),
        },
        margins: range.margins,
      };
    },
  });
  var ribbon = RIBBON_KEYS.map(function (key, i) {
    return chart.addSeries(LC.LineSeries, merge(quiet, { color: RIBBON[i], lineWidth: 1, priceFormat: priceFormat, title: "" }));
  });
  var momentum = chart.addSeries(LC.HistogramSeries, merge(quiet, { priceFormat: priceFormat, base: 0 }), 1);
  var squeezeDots = chart.addSeries(LC.LineSeries, merge(quiet, { lineVisible: false, pointMarkersVisible: true, pointMarkersRadius: 2.5, color: GRAY }), 1);
  var fixedRange = function () {
    return { priceRange: { minValue: 0, maxValue: 100 } };
  };
  var percent = { type: "price", precision: 0, minMove: 1 };
  var stochK = chart.addSeries(LC.LineSeries, merge(quiet, { color: BLUE, lineWidth: 1.5, autoscaleInfoProvider: fixedRange, priceFormat: percent }), 2);
  var stochD = chart.addSeries(LC.LineSeries, merge(quiet, { color: YELLOW, lineWidth: 1, autoscaleInfoProvider: fixedRange, priceFormat: percent }), 2);
  stochK.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: 0.08 } });
  [80, 20].forEach(function (level) {
    stochK.createPriceLine({ price: level, color: GRAY, lineWidth: 1, lineStyle: LC.LineStyle.Dashed, axisLabelVisible: false, title: "" });
  });
  var panes = chart.panes();
  panes[0].setStretchFactor(3);
  panes[1].setStretchFactor(1);
  panes[2].setStretchFactor(1);

  var tradeMarkers = LC.createSeriesMarkers(candles, []);
  var divergenceMarkers = LC.createSeriesMarkers(stochK, []);

  /** Bar times shown (seconds, ascending) and the newest close. */
  var times = [];
  var lastClose = null;

  function seconds(ms) {
    return Math.floor(ms / 1000);
  }
  function point(time, value) {
    return value === null || value === undefined ? { time: time } : { time: time, value: value };
  }
  // Momentum bars in four shades: above zero and rising bright green, falling dark green; below zero mirrored.
  function momentumColor(value, previous) {
    if (value === null) return GRAY;
    var rising = previous === null || previous === undefined || value >= previous;
    if (value >= 0) return rising ? GREEN : "#1a7f37";
    return rising ? "#8e1519" : RED;
  }
  /** Every series' point for bar i of a column set (the page's data or a push). */
  function rows(set, i, previousMomentum) {
    var time = seconds(set.t[i]);
    return {
      candle: { time: time, open: set.o[i], high: set.h[i], low: set.l[i], close: set.c[i] },
      ribbon: RIBBON_KEYS.map(function (key) {
        return point(time, set[key][i]);
      }),
      momentum: set.momentum[i] === null ? { time: time } : { time: time, value: set.momentum[i], color: momentumColor(set.momentum[i], previousMomentum) },
      squeeze: { time: time, value: 0, color: SQUEEZE_COLORS[set.squeeze[i]] || GRAY },
      k: point(time, set.stoch_k[i]),
      d: point(time, set.stoch_d[i]),
    };
  }

  function drawAll(set) {
    var lists = { candle: [], ribbon: RIBBON_KEYS.map(function () { return []; }), momentum: [], squeeze: [], k: [], d: [] };
    for (var i = 0; i < set.t.length; i++) {
      var r = rows(set, i, i > 0 ? set.momentum[i - 1] : null);
      lists.candle.push(r.candle);
      r.ribbon.forEach(function (p, j) { lists.ribbon[j].push(p); });
      lists.momentum.push(r.momentum);
      lists.squeeze.push(r.squeeze);
      lists.k.push(r.k);
      lists.d.push(r.d);
    }
    candles.setData(lists.candle);
    ribbon.forEach(function (s, j) { s.setData(lists.ribbon[j]); });
    momentum.setData(lists.momentum);
    squeezeDots.setData(lists.squeeze);
    stochK.setData(lists.k);
    stochD.setData(lists.d);
    times = set.t.map(seconds);
    lastClose = set.c[set.c.length - 1];
  }

  /** The newest bars from a push: the forming bar updated, a closed one final, a new one appended. */
  function applyTail(tail) {
    if (tail.t.length === 0) return true;
    // Nothing in the push overlaps the chart: bars were missed (a long disconnect). Start afresh.
    if (seconds(tail.t[0]) > times[times.length - 1]) return false;
    for (var i = 0; i < tail.t.length; i++) {
      var time = seconds(tail.t[i]);
      if (time < times[0]) continue;
      var newest = times[times.length - 1];
      var historical = time < newest;
      var r = rows(tail, i, i > 0 ? tail.momentum[i - 1] : null);
      candles.update(r.candle, historical);
      ribbon.forEach(function (s, j) { s.update(r.ribbon[j], historical); });
      momentum.update(r.momentum, historical);
      squeezeDots.update(r.squeeze, historical);
      stochK.update(r.k, historical);
      stochD.update(r.d, historical);
      if (time > newest) times.push(time);
      if (time >= newest) lastClose = tail.c[i];
    }
    return true;
  }

  /** The bar containing `ms` (the last bar opened at or before it), or null outside the chart. */
  function barTime(ms) {
    var t = ms / 1000;
    if (times.length === 0 || t < times[0]) return null;
    var lo = 0;
    var hi = times.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (times[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    return times[lo];
  }

  function drawDivergences(list) {
    var markers = [];
    (list || []).forEach(function (d) {
      var time = barTime(d.t);
      if (time === null) return;
      var bullish = d.kind === "bullish";
      markers.push({
        time: time,
        position: bullish ? "belowBar" : "aboveBar",
        shape: "square",
        color: bullish ? GREEN : RED,
        size: 0.6,
        text: (bullish ? "bull div " : "bear div ") + d.strength,
      });
    });
    divergenceMarkers.setMarkers(markers);
    box.setAttribute("data-divergences", String(markers.length));
  }

  var seen = { markers: null, levels: null, live: null };

  function drawTrades() {
    var el = document.getElementById("coin-trades-" + data.symbol);
    var text = el ? el.getAttribute("data-markers") || "[]" : "[]";
    if (text === seen.markers) return;
    seen.markers = text;
    var markers = [];
    JSON.parse(text).forEach(function (m) {
      var time = barTime(m.t);
      if (time === null) return;
      var entry = m.kind === "entry";
      var long = m.side === "long";
      markers.push({
        time: time,
        position: entry ? (long ? "belowBar" : "aboveBar") : long ? "aboveBar" : "belowBar",
        shape: entry ? (long ? "arrowUp" : "arrowDown") : "circle",
        color: entry ? (long ? GREEN : RED) : "#e6edf3",
        text: m.text,
      });
    });
    markers.sort(function (a, b) { return a.time - b.time; });
    tradeMarkers.setMarkers(markers);
    box.setAttribute("data-markers", String(markers.length));
  }

  var priceLines = [];
  function drawLevels() {
    var el = document.getElementById("coin-position-" + data.symbol);
    var text = el ? el.getAttribute("data-levels") || "[]" : "[]";
    if (text === seen.levels) return;
    seen.levels = text;
    priceLines.forEach(function (line) { candles.removePriceLine(line); });
    levels = JSON.parse(text);
    fitButton.classList.toggle("hidden", levels.length === 0);
    priceLines = levels.map(function (level) {
      return candles.createPriceLine({
        price: level.price,
        color: LEVEL_COLORS[level.kind] || BLUE,
        lineWidth: 1,
        lineStyle: level.kind === "entry" ? LC.LineStyle.Solid : LC.LineStyle.Dashed,
        axisLabelVisible: true,
        title: LEVEL_TITLES[level.kind] || level.kind,
      });
    });
    box.setAttribute("data-price-lines", String(priceLines.length));
  }

  function liveElement() {
    return document.getElementById("coin-live-" + data.symbol + "-" + data.tf);
  }

  function drawLive() {
    var el = liveElement();
    var text = el ? el.getAttribute("data-bars") : null;
    if (!text || text === seen.live) return;
    seen.live = text;
    var tail = JSON.parse(text);
    if (!applyTail(tail)) {
      location.reload();
      return;
    }
    drawDivergences(tail.divergences);
    // A new bar may now hold a marker that lay beyond the chart's end.
    seen.markers = null;
  }

  var fitButton = document.getElementById("fit-levels") || document.createElement("button");
  fitButton.addEventListener("click", function () {
    fitLevels = !fitLevels;
    fitButton.setAttribute("aria-pressed", String(fitLevels));
    fitButton.textContent = fitLevels ? "Fit the candles" : "Show the position's levels";
    // The scale is recomputed on the next paint; count what is in view after it.
    requestAnimationFrame(function () { requestAnimationFrame(report); });
  });

  function report() {
    box.setAttribute("data-bars", String(times.length));
    box.setAttribute("data-last-time", String(times[times.length - 1]));
    box.setAttribute("data-last-close", String(lastClose));
    // How many of the position's levels lie inside the price pane as drawn now.
    var height = panes[0].getHeight();
    var inView = levels.filter(function (l) {
      var y = candles.priceToCoordinate(l.price);
      return y !== null && y >= 0 && y <= height;
    }).length;
    box.setAttribute("data-levels-in-view", String(inView));
  }

  drawAll(series);
  drawDivergences(series.divergences);
  // The live fragment rendered into the page is not newer than the chart's data: only pushes are applied.
  seen.live = (liveElement() || { getAttribute: function () { return null; } }).getAttribute("data-bars");
  drawTrades();
  drawLevels();
  chart.timeScale().setVisibleLogicalRange({ from: Math.max(0, times.length - 150), to: times.length + 3 });
  report();
  box.setAttribute("data-ready", "true");

  document.addEventListener("htmx:wsAfterMessage", function () {
    drawLive();
    drawTrades();
    drawLevels();
    report();
  });
})();
