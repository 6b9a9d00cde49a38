// The performance page's charts, drawn with TradingView Lightweight Charts
// (served as /static/lightweight-charts.js, in the theme of chart-theme.js)
// over the server-rendered SVG
// charts, which stay as they are when this script or the library is missing.
// Everything comes from the server (#perf-chart-data):
//   {pnl|equity|bars: {type: "baseline"|"line"|"histogram", points: [[sec, value, text], …]}}
// Each figure[data-lc-chart=NAME] has an empty .lc-holder to draw in and a
// .chart-readout: while the crosshair is on a point it shows that point's
// text (written on the server: UTC time, money to 2 decimals), else the
// latest one. No figure is computed here.
(function () {
  "use strict";
  var dataEl = document.getElementById("perf-chart-data");
  var LC = window.LightweightCharts;
  var theme = window.ChartTheme; // static/chart-theme.js
  if (!dataEl || !LC || !theme) return;
  var data = JSON.parse(dataEl.textContent || "{}");

  var GREEN = theme.GREEN;
  var RED = theme.RED;
  var BLUE = theme.BLUE;
  var money = { type: "price", precision: 2, minMove: 0.01 };

  function seriesFor(chart, spec) {
    if (spec.type === "baseline") {
      return chart.addSeries(LC.BaselineSeries, {
        baseValue: { type: "price", price: 0 },
        topLineColor: GREEN, topFillColor1: "rgba(63, 185, 80, 0.25)", topFillColor2: "rgba(63, 185, 80, 0.02)",
        bottomLineColor: RED, bottomFillColor1: "rgba(248, 81, 73, 0.02)", bottomFillColor2: "rgba(248, 81, 73, 0.25)",
        lineWidth: 2, priceFormat: money,
      });
    }
    if (spec.type === "histogram") return chart.addSeries(LC.HistogramSeries, { priceFormat: money, base: 0, priceLineVisible: false });
    return chart.addSeries(LC.LineSeries, { color: BLUE, lineWidth: 2, priceFormat: money });
  }

  function pointsFor(spec) {
    return spec.points.map(function (p) {
      var point = { time: p[0], value: p[1] };
      if (spec.type === "histogram") point.color = p[1] >= 0 ? GREEN : RED;
      return point;
    });
  }

  function draw(figure) {
    var spec = data[figure.getAttribute("data-lc-chart")];
    var holder = figure.querySelector(".lc-holder");
    var readout = figure.querySelector(".chart-readout");
    if (!spec || !holder || spec.points.length === 0) return;
    holder.hidden = false;
    var chart = LC.createChart(holder, theme.options("--panel-2", {
      timeScale: { timeVisible: spec.type !== "histogram" },
      crosshair: { mode: LC.CrosshairMode.Magnet },
      handleScroll: { vertTouchDrag: false },
    }));
    var series = seriesFor(chart, spec);
    series.setData(pointsFor(spec));
    chart.timeScale().fitContent();
    figure.classList.add("lc-ready");

    var texts = new Map();
    spec.points.forEach(function (p) {
      texts.set(p[0], p[2]);
    });
    var latest = readout ? readout.getAttribute("data-latest") || "" : "";
    chart.subscribeCrosshairMove(function (param) {
      if (!readout) return;
      var text = param.time !== undefined && param.point ? texts.get(param.time) : undefined;
      readout.textContent = text || latest;
      if (text) readout.setAttribute("data-hovered", "true");
      else readout.removeAttribute("data-hovered");
    });
  }

  var figures = document.querySelectorAll("figure[data-lc-chart]");
  for (var i = 0; i < figures.length; i++) draw(figures[i]);
})();
