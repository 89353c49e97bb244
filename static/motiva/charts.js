// Charts of Motiva pages: data comes from a json_script element next to the chart.
(function () {
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el || typeof echarts === "undefined") return;
    var chart = echarts.init(el);
    option.animation = false;  // figures, not a show: drawn at once
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }
  var history = data("history-data");
  if (history) {
    draw("history-chart", {
      grid: { left: 48, right: 16, top: 24, bottom: 32 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: history.labels },
      yAxis: { type: "value", axisLabel: { formatter: "{value} %" } },
      series: [{ type: "line", data: history.values, name: history.name, markLine: { data: [{ yAxis: 100 }], symbol: "none" } }],
    });
  }
  var dist = data("distribution-data");
  if (dist) {
    draw("distribution-chart", {
      grid: { left: 48, right: 16, top: 24, bottom: 32 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: dist.labels },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: dist.values, name: dist.name }],
    });
  }
  var small = data("scale-charts");
  if (small) {
    small.forEach(function (s) {
      draw(s.id, {
        grid: { left: 32, right: 8, top: 8, bottom: 20 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "value", min: s.xmin, max: s.xmax, axisLabel: { fontSize: 9 } },
        yAxis: { type: "value", axisLabel: { fontSize: 9 } },
        series: [{ type: "line", data: s.points, showSymbol: false, step: s.step ? "end" : false }],
      });
    });
  }
  var scale = data("scale-data");
  if (scale) {
    draw("scale-chart", {
      grid: { left: 48, right: 16, top: 24, bottom: 32 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "value", name: scale.x, min: scale.xmin, max: scale.xmax },
      yAxis: { type: "value", name: scale.y },
      series: [{ type: "line", data: scale.points, showSymbol: false, step: scale.step ? "end" : false }],
    });
  }
})();
