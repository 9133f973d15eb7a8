/* Draws the dashboards' charts with the vendored Chart.js.
 *
 * Each <canvas data-chart="ID"> reads its numbers from <script type="application/json" id="ID">
 * (Django's json_script): data, never code, so the page needs no inline script under the CSP.
 * The same numbers are in a table next to each chart for screen readers and printing.
 */
(function () {
  "use strict";

  function dataset(series, type) {
    return {
      label: series.label,
      data: series.data,
      borderColor: series.color,
      backgroundColor: series.color,
      borderDash: series.dashed ? [6, 4] : [],
      borderWidth: type === "line" ? 2 : 0,
      pointRadius: 0,
      fill: false,
    };
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || !window.Chart || canvas.dataset.drawn) return;
    canvas.dataset.drawn = "1";
    var spec = JSON.parse(source.textContent);
    var valueAxis = spec.horizontal ? "x" : "y";
    var scales = {};
    scales[valueAxis] = { beginAtZero: true };
    if (spec.percent) {
      scales[valueAxis].max = 100;
      scales[valueAxis].ticks = { callback: function (value) { return value + "%"; } };
    }
    new window.Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (series) { return dataset(series, spec.type); }),
      },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: scales,
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
      },
    });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
})();
