// Charts of the public panoramic window, from the data-* attributes the page carries (no inline script).
(function () {
  "use strict";
  var BANDS = { green: "#2e7d32", yellow: "#f9a825", red: "#c62828", none: "#9aa5b1" };

  function read(element, name) {
    try { return JSON.parse(element.getAttribute(name) || "null"); } catch (e) { return null; }
  }

  function trendChart(element) {
    var rows = read(element, "data-trend") || [];
    var chart = echarts.init(element);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: ["受理", "办结"], top: 0 },
      grid: { left: 36, right: 12, top: 30, bottom: 24 },
      xAxis: { type: "category", data: rows.map(function (r) { return r.start.slice(5); }) },
      yAxis: { type: "value", name: "件", minInterval: 1 },
      series: [
        { name: "受理", type: "bar", data: rows.map(function (r) { return r.received; }), itemStyle: { color: "#5470c6" } },
        { name: "办结", type: "line", data: rows.map(function (r) { return r.resolved; }), itemStyle: { color: "#2e7d32" } }
      ]
    });
    return chart;
  }

  function scoreChart(element) {
    var rows = (read(element, "data-ranking") || []).slice().reverse();
    var chart = echarts.init(element);
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 72, right: 24, top: 10, bottom: 24 },
      xAxis: { type: "value", max: 100, name: "分" },
      yAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
      series: [{ type: "bar", data: rows.map(function (r) {
        return { value: r.score === null ? 0 : Math.round(r.score * 1000) / 10, itemStyle: { color: BANDS[r.band] || BANDS.none } };
      }) }]
    });
    return chart;
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof echarts === "undefined") { return; }
    var charts = [];
    var trend = document.getElementById("trend-chart");
    var score = document.getElementById("score-chart");
    if (trend) { charts.push(trendChart(trend)); }
    if (score) { charts.push(scoreChart(score)); }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  });
})();
