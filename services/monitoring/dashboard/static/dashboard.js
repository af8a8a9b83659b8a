// Draws the dashboard's charts from the figures embedded in the page (suppressed figures are gaps).
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var common = { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { display: true } } };
  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    var chart = new Chart(canvas, config);
    canvas.dataset.rendered = "true";
    canvas.dataset.points = String(config.data.datasets[0].data.filter(function (v) { return v !== null; }).length);
    return chart;
  }
  draw("funnel-chart", {
    type: "bar",
    data: { labels: data.funnel.labels, datasets: [{ label: "people", data: data.funnel.values, backgroundColor: "#2b6cb0" }] },
    options: Object.assign({}, common, { indexAxis: "y" })
  });
  draw("durations-chart", {
    type: "bar",
    data: { labels: data.durations.labels, datasets: [
      { label: "median days", data: data.durations.median, backgroundColor: "#2f855a" },
      { label: "90th percentile", data: data.durations.p90, backgroundColor: "#9ae6b4" }
    ] },
    options: common
  });
  draw("retention-chart", {
    type: "line",
    data: { labels: data.retention.labels, datasets: [{ label: "still in training", data: data.retention.values, borderColor: "#c05621", spanGaps: false }] },
    options: Object.assign({}, common, { scales: { y: { min: 0, max: 1 } } })
  });
})();
