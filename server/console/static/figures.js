// The console's trend chart (received vs resolved, and the three rates) from the page's data-trend attribute.
(function () {
  "use strict";
  function percent(value) { return value === null ? null : Math.round(value * 1000) / 10; }
  document.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("trend-chart");
    if (!element || typeof echarts === "undefined") { return; }
    var rows = [];
    try { rows = JSON.parse(element.getAttribute("data-trend") || "[]"); } catch (e) { rows = []; }
    var chart = echarts.init(element);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: ["受理", "办结", "响应率", "按期办结率", "满意率"] },
      grid: { left: 44, right: 44, top: 36, bottom: 28 },
      xAxis: { type: "category", data: rows.map(function (r) { return r.start; }) },
      yAxis: [{ type: "value", name: "件", minInterval: 1 }, { type: "value", name: "%", max: 100 }],
      series: [
        { name: "受理", type: "bar", data: rows.map(function (r) { return r.received; }) },
        { name: "办结", type: "bar", data: rows.map(function (r) { return r.resolved; }) },
        { name: "响应率", type: "line", yAxisIndex: 1, connectNulls: true, data: rows.map(function (r) { return percent(r.response_rate); }) },
        { name: "按期办结率", type: "line", yAxisIndex: 1, connectNulls: true, data: rows.map(function (r) { return percent(r.resolution_rate); }) },
        { name: "满意率", type: "line", yAxisIndex: 1, connectNulls: true, data: rows.map(function (r) { return percent(r.satisfaction_rate); }) }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
