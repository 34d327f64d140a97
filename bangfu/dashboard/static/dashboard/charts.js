// Draws the dashboard's charts and village map with ECharts from their JSON endpoints, and
// writes each chart's data table beside it (the same numbers, readable without the picture).
(function () {
  "use strict";
  const english = document.documentElement.lang === "en";
  const numberFormat = new Intl.NumberFormat(english ? "en" : "zh-CN");
  const palette = ["#b22222", "#1f6fb2", "#2e8b57", "#e69500", "#6f42c1", "#20a5a5",
    "#d63384", "#6c757d", "#8b5a2b"];

  const MAX_BARS = 25; // horizontal bars shown at once; a slider scrolls through the rest

  function fmt(value) {
    return typeof value === "number" ? numberFormat.format(value) : String(value);
  }

  function toolbox(title) {
    return {
      right: 8,
      feature: { saveAsImage: { name: title, pixelRatio: 2, backgroundColor: "#fff" } },
    };
  }

  function init(el) {
    const chart = echarts.init(el, null, { locale: english ? "EN" : "ZH" });
    window.addEventListener("resize", () => chart.resize());
    return chart;
  }

  function option(data, width) {
    const base = {
      color: palette,
      toolbox: toolbox(data.title),
      tooltip: { trigger: data.chart === "pie" ? "item" : "axis", valueFormatter: fmt },
      grid: { left: 8, right: 28, top: 44, bottom: 8, containLabel: true },
    };
    if (data.chart === "pie") {
      return Object.assign(base, {
        legend: { type: "scroll", bottom: 0 },
        series: [{
          type: "pie", radius: ["35%", "65%"], name: data.series[0].name,
          label: { show: width > 480, formatter: "{b}\n{d}%" },
          data: data.categories.map((name, i) => ({ name, value: data.series[0].data[i] })),
        }],
      });
    }
    const horizontal = data.chart === "hbar";
    const many = data.categories.length > MAX_BARS;
    const labels = data.short_categories || data.categories;
    const category = { type: "category", data: labels, inverse: horizontal,
      axisLabel: horizontal ? { interval: 0 } : { interval: 0, rotate: labels.length > 6 ? 30 : 0 } };
    const value = { type: "value", name: data.unit, max: horizontal ? 100 : null };
    return Object.assign(base, {
      legend: data.series.length > 1 ? { type: "scroll", bottom: 0, left: 0, right: 0 } : undefined,
      grid: Object.assign(base.grid, { bottom: data.series.length > 1 ? 32 : 8 }),
      dataZoom: horizontal && many ? [
        { type: "slider", yAxisIndex: 0, startValue: 0, endValue: MAX_BARS - 1, right: 4, width: 14,
          showDetail: false, brushSelect: false },
        { type: "inside", yAxisIndex: 0, zoomOnMouseWheel: false, moveOnMouseWheel: true },
      ] : undefined,
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: data.series.map((s) => ({
        type: data.chart === "line" ? "line" : "bar", name: s.name, data: s.data,
        smooth: false, barMaxWidth: 28, label: horizontal ? { show: true, position: "insideRight", color: "#fff", formatter: "{c}%" } : undefined,
      })),
    });
  }

  function table(target, data) {
    const t = document.createElement("table");
    t.className = "table table-sm table-striped small text-nowrap mb-0 chart-table";
    const caption = document.createElement("caption");
    caption.textContent = data.title;
    caption.className = "visually-hidden";
    t.appendChild(caption);
    const head = t.createTHead().insertRow();
    data.table.columns.forEach((c) => {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = c;
      head.appendChild(th);
    });
    const body = t.createTBody();
    data.table.rows.forEach((row) => {
      const tr = body.insertRow();
      row.forEach((cell, i) => {
        const td = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) td.scope = "row";
        td.textContent = fmt(cell);
        if (typeof cell === "number") td.className = "text-end";
        tr.appendChild(td);
      });
    });
    target.replaceChildren(t);
  }

  // Marks the panel drawn once the chart has finished rendering (animations included).
  function ready(chart, panel) {
    const done = () => {
      panel.dataset.ready = "1";
      chart.off("finished", done);
    };
    chart.on("finished", done);
  }

  function fail(panel, message) {
    panel.querySelector("[data-chart-status]").textContent = message;
  }

  async function drawChart(panel) {
    const response = await fetch(panel.dataset.url, { headers: { Accept: "application/json" } });
    if (!response.ok) return fail(panel, panel.dataset.error);
    const data = await response.json();
    const el = panel.querySelector("[data-chart]");
    el.setAttribute("aria-label", data.title);
    panel.querySelector("[data-chart-status]").textContent = data.note || "";
    if (!data.table.rows.length) {
      el.classList.add("d-none");
      panel.querySelector("[data-chart-table]").textContent = panel.dataset.empty;
      return;
    }
    panel.querySelector("[data-chart-title]").textContent = data.title;
    if (data.chart === "hbar") {
      el.style.height = Math.max(240, 24 * Math.min(MAX_BARS, data.categories.length) + 60) + "px";
    }
    const chart = init(el);
    ready(chart, panel);
    chart.setOption(option(data, el.clientWidth));
    table(panel.querySelector("[data-chart-table]"), data);
  }

  async function drawMap(panel) {
    const [response, outline] = await Promise.all([
      fetch(panel.dataset.url, { headers: { Accept: "application/json" } }),
      fetch(panel.dataset.outline).then((r) => (r.ok ? r.json() : null)).catch(() => null),
    ]);
    if (!response.ok) return fail(panel, panel.dataset.error);
    const data = await response.json();
    const el = panel.querySelector("[data-chart]");
    const link = data.village_url;
    const series = data.statuses.map((s) => ({
      type: "scatter", name: s.label, color: s.color,
      coordinateSystem: outline ? "geo" : "cartesian2d",
      symbolSize: (v) => 6 + Math.min(12, Math.sqrt(v[3]) * 2),
      itemStyle: { color: s.color, borderColor: "#fff", borderWidth: 0.5 },
      data: data.villages.filter((v) => v[6] === s.key).map((v) => ({
        value: [v[3], v[4], v[2], v[7]], pk: v[0], approximate: v[5],
        itemStyle: v[5] ? { opacity: 0.55 } : undefined,
      })),
    }));
    const opt = {
      toolbox: toolbox(data.title),
      legend: { top: 0, left: 0 },
      tooltip: {
        trigger: "item",
        formatter: (p) => `${p.value[2]}<br>${p.seriesName}<br>${data.labels.visits}: ${fmt(p.value[3])}` +
          (p.data.approximate ? `<br><i>${data.labels.approximate}</i>` : ""),
      },
      series,
    };
    if (outline) {
      echarts.registerMap("guizhou", outline);
      opt.geo = { map: "guizhou", roam: true, top: 36, bottom: 8, silent: true,
        itemStyle: { areaColor: "#f4f1ea", borderColor: "#b9b2a5" } };
    } else {
      opt.xAxis = { type: "value", scale: true, name: "E" };
      opt.yAxis = { type: "value", scale: true, name: "N" };
    }
    const chart = init(el);
    ready(chart, panel);
    chart.setOption(opt);
    chart.on("click", (p) => {
      if (p.data && p.data.pk) window.location.href = link.replace("{pk}", p.data.pk);
    });
    data.statuses.forEach((s) => {
      const cell = panel.querySelector(`[data-status-count="${s.key}"]`);
      if (cell) cell.textContent = fmt(s.count);
    });
    panel.querySelector("[data-unplaced]").textContent = fmt(data.unplaced);
    panel.querySelector("[data-approximate]").textContent = fmt(data.approximate);
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-chart-panel]").forEach((p) => drawChart(p));
    document.querySelectorAll("[data-map-panel]").forEach((p) => drawMap(p));
  });
})();
