// Attaché listening: draws a topic's dashboard with ECharts from the
// counts the page carries in data-stats. The same numbers are in the
// tables below the charts, so the page says everything without script.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("topic-dashboard");
    if (!el || !window.echarts) { return; }
    var s;
    try { s = JSON.parse(el.dataset.stats); } catch (e) { return; }
    var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var css = getComputedStyle(document.documentElement);
    var accent = css.getPropertyValue("--accent").trim() || "#1f5fa8";
    var ink = css.getPropertyValue("--text").trim() || "#1b1f24";
    var none = el.dataset.labelNone || "—";
    var charts = [];
    function draw(id, option) {
      var box = document.getElementById(id);
      if (!box) { return; }
      var c = window.echarts.init(box, null, { renderer: "canvas" });
      option.animation = !reduce;
      option.textStyle = { color: ink, fontFamily: "inherit" };
      c.setOption(option);
      charts.push(c);
    }
    function label(k) { return k === "" ? none : k; }
    var hourly = s.step === "hour";
    var volume = (s.volume || []).map(function (b) {
      var d = new Date(b.at);
      return [d.getTime(), b.n];
    });
    var spikes = (s.spikes || []).map(function (x) {
      return [{ xAxis: new Date(x.from).getTime() }, { xAxis: new Date(x.to).getTime() }];
    });
    draw("chart-volume", {
      grid: { left: 48, right: 16, top: 16, bottom: 32 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "time", axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", minInterval: 1, name: el.dataset.labelMentions, nameLocation: "middle", nameGap: 36 },
      series: [{ type: hourly ? "line" : "bar", name: el.dataset.labelVolume, data: volume, color: accent,
        showSymbol: false, areaStyle: hourly ? { opacity: 0.15 } : undefined,
        markArea: spikes.length ? { silent: true, itemStyle: { color: "rgba(163, 19, 43, 0.12)" }, data: spikes } : undefined }]
    });
    function pie(id, counts) {
      draw(id, {
        tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
        series: [{ type: "pie", radius: ["35%", "70%"], avoidLabelOverlap: true,
          data: (counts || []).map(function (c) { return { name: label(c.key), value: c.n }; }) }]
      });
    }
    function bars(id, counts) {
      var cs = (counts || []).slice().reverse();
      draw(id, {
        grid: { left: 96, right: 16, top: 8, bottom: 24 },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: cs.map(function (c) { return label(c.key); }) },
        series: [{ type: "bar", data: cs.map(function (c) { return c.n; }), color: accent }]
      });
    }
    pie("chart-languages", s.languages);
    bars("chart-sources", s.sources);
    el.dataset.drawn = String(charts.length);
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  });
  // An alert's spike: the hourly counts of the baseline and the hour(s)
  // in spike, with the threshold as a line.
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("alert-spike");
    if (!el || !window.echarts) { return; }
    var s;
    try { s = JSON.parse(el.dataset.spike); } catch (e) { return; }
    var start = new Date(s.series_start).getTime();
    var data = (s.series || []).map(function (n, i) { return [start + i * 3600 * 1000, n]; });
    var css = getComputedStyle(document.documentElement);
    var c = window.echarts.init(document.getElementById("chart-spike"), null, { renderer: "canvas" });
    c.setOption({
      animation: !(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches),
      grid: { left: 48, right: 16, top: 16, bottom: 32 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "time" },
      yAxis: { type: "value", minInterval: 1, name: el.dataset.labelMentions, nameLocation: "middle", nameGap: 36 },
      series: [{ type: "line", data: data, showSymbol: false, color: css.getPropertyValue("--accent").trim() || "#1d4e89",
        markLine: { symbol: "none", label: { formatter: el.dataset.labelThreshold }, lineStyle: { color: "#a3132b", type: "dashed" },
          data: [{ yAxis: s.threshold }] } }]
    });
    el.dataset.drawn = "1";
    window.addEventListener("resize", function () { c.resize(); });
  });
})();
