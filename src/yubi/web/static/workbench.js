/* yubi workbench: the pages' only script (the Content-Security-Policy forbids inline ones).
 *
 * - sends the CSRF token with every htmx request (header X-CSRF-Token, from <meta>);
 * - draws charts with uPlot from the JSON in each [data-chart] element's data-json
 *   attribute (htmx drops <script> elements from swapped fragments): "fans" (what-if fan charts), "update"
 *   (scenario probabilities after each evidence item), "calibration" (forecast scores);
 * - on the What-if page, shows each slider's value, marks changed inputs, and measures the
 *   time from the last input change to the redrawn charts (performance marks "whatif-input"
 *   and "whatif-drawn"; the figures are kept in window.yubiWhatif.latencies, in ms).
 * Text from the server is only ever put into the page with textContent, never as HTML.
 */
(function () {
  "use strict";

  var lang = document.documentElement.lang || "en";
  var compact = new Intl.NumberFormat(lang, { notation: "compact", maximumSignificantDigits: 3 });
  var percent = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 0 });
  var monthFmt = new Intl.DateTimeFormat(lang, { year: "numeric", month: "short", timeZone: "UTC" });
  var dayFmt = new Intl.DateTimeFormat(lang, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
  var ACCENT = "#1f4e8c";
  var state = { lastInput: null, latencies: [], draws: 0 };
  window.yubiWhatif = state;

  function readJson(el) {
    var text = el.getAttribute("data-json");
    return text ? JSON.parse(text) : null;
  }

  function paintSwatches(root) {
    root.querySelectorAll("[data-color]").forEach(function (el) {
      el.style.backgroundColor = el.getAttribute("data-color");
    });
  }

  function rgba(hex, alpha) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  function width(el) {
    return Math.max(260, Math.floor(el.getBoundingClientRect().width));
  }

  function legend(el, entries) {
    var box = document.createElement("div");
    box.className = "chart-legend";
    entries.forEach(function (entry) {
      var item = document.createElement("span");
      item.className = "legend-item";
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.backgroundColor = entry.color;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(entry.label));
      box.appendChild(item);
    });
    el.appendChild(box);
  }

  var AXIS_FONT = "11px " + getComputedStyle(document.body).fontFamily;
  var timeAxis = {
    stroke: "#5b6675", font: AXIS_FONT, space: 72, grid: { stroke: "#eceff3" }, ticks: { stroke: "#d9dee5" },
    values: function (u, ticks) { return ticks.map(function (t) { return monthFmt.format(new Date(t * 1000)); }); },
  };

  function valueAxis(format) {
    return {
      stroke: "#5b6675", font: AXIS_FONT, grid: { stroke: "#eceff3" }, ticks: { stroke: "#d9dee5" }, size: 52,
      values: function (u, ticks) { return ticks.map(format); },
    };
  }

  /* What-if: one fan chart per output: 90% and 50% bands, median, scenario medians. */
  function drawFans(container, data) {
    data.fans.forEach(function (fan) {
      var el = document.getElementById("fan-" + fan.id);
      if (!el) { return; }
      var series = [{}];
      var values = [data.months];
      ["p05", "p25", "p50", "p75", "p95"].forEach(function (q) {
        values.push(fan[q]);
        series.push({ label: q, stroke: q === "p50" ? "#1b2430" : "transparent", width: q === "p50" ? 2 : 0, points: { show: false } });
      });
      fan.scenarios.forEach(function (s) {
        values.push(s.p50);
        series.push({ label: s.label, stroke: s.color, width: 1.25, points: { show: false } });
      });
      if (fan.baseline) {
        values.push(fan.baseline);
        series.push({ label: "baseline", stroke: "#8a94a3", width: 1.25, dash: [5, 4], points: { show: false } });
      }
      var opts = {
        width: width(el), height: 190, legend: { show: false }, cursor: { y: false },
        series: series,
        bands: [{ series: [5, 1], fill: rgba(ACCENT, 0.12) }, { series: [4, 2], fill: rgba(ACCENT, 0.22) }],
        axes: [timeAxis, valueAxis(function (v) { return compact.format(v); })],
        scales: { x: { time: true } },
      };
      new uPlot(opts, values, el);
    });
    if (data.fans.length) {
      legend(container, data.fans[0].scenarios);
    }
  }

  /* Evidence: each scenario's probability from the prior through every item (steps). */
  function drawUpdate(el, data) {
    var values = [data.x];
    var series = [{}];
    data.series.forEach(function (s) {
      values.push(s.values);
      series.push({ label: s.label, stroke: s.color, width: 2, paths: uPlot.paths.stepped({ align: 1 }),
                    points: { show: true, size: 4, fill: s.color } });
    });
    var opts = {
      width: width(el), height: 220, legend: { show: false },
      series: series, scales: { x: { time: true }, y: { range: [0, 1] } },
      axes: [{ stroke: "#5b6675", font: AXIS_FONT, space: 80, grid: { stroke: "#eceff3" },
               values: function (u, ticks) { return ticks.map(function (t) { return dayFmt.format(new Date(t * 1000)); }); } },
             valueAxis(function (v) { return percent.format(v); })],
    };
    new uPlot(opts, values, el);
    legend(el, data.series);
  }

  /* Calibration: mean forecast (x) against observed frequency (y), per forecaster. */
  function drawCalibration(el, data) {
    var xs = [0, 1];
    data.forEach(function (f) { f.bins.forEach(function (b) { xs.push(b[0]); }); });
    xs = Array.from(new Set(xs)).sort(function (a, b) { return a - b; });
    var values = [xs, xs.slice()];
    var series = [{}, { label: "perfect", stroke: "#8a94a3", dash: [4, 4], width: 1, points: { show: false } }];
    data.forEach(function (f) {
      var ys = xs.map(function (x) {
        var bin = f.bins.find(function (b) { return b[0] === x; });
        return bin ? bin[1] : null;
      });
      values.push(ys);
      series.push({ label: f.forecaster, stroke: f.color, width: 1, spanGaps: true,
                    points: { show: true, size: 7, fill: f.color } });
    });
    var opts = {
      width: width(el), height: 220, legend: { show: false }, series: series,
      scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1] } },
      axes: [valueAxis(function (v) { return percent.format(v); }), valueAxis(function (v) { return percent.format(v); })],
    };
    new uPlot(opts, values, el);
    legend(el, data.map(function (f) { return { label: f.forecaster, color: f.color }; }));
  }

  function drawCharts(root) {
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var data = readJson(el);
      if (!data || typeof uPlot === "undefined") { return; }
      var kind = el.getAttribute("data-chart");
      if (kind === "fans") { drawFans(el, data); }
      else if (kind === "update") { drawUpdate(el, data); }
      else if (kind === "calibration") { drawCalibration(el, data); }
    });
  }

  /* -- what-if inputs ---------------------------------------------------------------------- */
  function showPriors(form) {
    form.querySelectorAll("input[type=range]").forEach(function (input) {
      var out = document.getElementById(input.id + "-out");
      if (out) { out.textContent = percent.format(Number(input.value)); }
    });
    form.querySelectorAll(".input-row[data-default]").forEach(function (row) {
      var now = Array.from(row.querySelectorAll("input[type=number], input[type=range]"))
        .map(function (i) { return i.type === "range" ? Number(i.value).toFixed(2) : i.value; }).join(" ");
      var off = row.querySelector("input[type=checkbox]");
      row.classList.toggle("changed", now !== row.getAttribute("data-default") || (off && off.checked));
    });
  }

  function markInput() {
    state.lastInput = performance.now();
    performance.mark("whatif-input");
  }

  function afterWhatifDraw() {
    requestAnimationFrame(function () {
      performance.mark("whatif-drawn");
      state.draws += 1;
      var run = document.getElementById("whatif-run");
      var label = document.getElementById("whatif-latency");
      if (state.lastInput !== null) {
        var ms = performance.now() - state.lastInput;
        state.latencies.push(ms);
        state.lastInput = null;
        if (label) {
          label.textContent = label.getAttribute("data-template")
            ? label.getAttribute("data-template").replace("{ms}", Math.round(ms))
              .replace("{server}", run ? run.getAttribute("data-server-ms") : "?")
            : Math.round(ms) + " ms";
        }
      }
      document.body.setAttribute("data-whatif-draws", String(state.draws));
    });
  }

  function setup(root) {
    paintSwatches(root);
    drawCharts(root);
  }

  document.addEventListener("DOMContentLoaded", function () {
    setup(document);
    var form = document.getElementById("whatif-form");
    if (form) {
      showPriors(form);
      form.addEventListener("input", function () { markInput(); showPriors(form); });
      form.addEventListener("change", function () { markInput(); showPriors(form); });
      form.addEventListener("reset", function () {
        // After the reset, each field announces its value as if typed: htmx's "changed" check
        // sees the fields that differ from the last run, and the debounce makes one request.
        setTimeout(function () {
          form.querySelectorAll("input, select").forEach(function (field) {
            field.dispatchEvent(new Event("input", { bubbles: true }));
          });
        }, 0);
      });
      afterWhatifDraw();
    }
  });

  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRF-Token"] = meta.getAttribute("content"); }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    setup(target);
    if (target.id === "whatif-results") {
      var error = document.getElementById("whatif-error");
      if (error) { error.textContent = ""; }  // the inputs make sense again
      afterWhatifDraw();
    }
  });

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      document.querySelectorAll("[data-chart]").forEach(function (el) {
        el.querySelectorAll(".uplot, .chart-legend").forEach(function (old) { old.remove(); });
      });
      drawCharts(document);
    }, 200);
  });
})();
