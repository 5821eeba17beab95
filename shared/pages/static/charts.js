// Two charts, drawn as SVG: grouped bars (categories side by side, one bar per series) and
// lines over periods. Each series is a <g class="series" data-series="…">; each bar or point
// carries its category or period and its exact value (data-category / data-x, data-value) and
// a <title> a pointer shows, so what is drawn can be read back, by a person or by a test.

const NS = "http://www.w3.org/2000/svg";
const HEIGHT = 260;
const MARGIN = { top: 18, right: 16, bottom: 58, left: 70 };
export const PALETTE = [
  "#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed",
  "#0891b2", "#db2777", "#65a30d", "#475569", "#ea580c",
];

function svg(name, attrs = {}, parent = null) {
  const node = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (parent) parent.append(node);
  return node;
}

function titled(node, text) {
  svg("title", {}, node).textContent = text;
  return node;
}

// Round tick values covering [low, high]: steps of 1, 2, 2.5 or 5 times a power of ten.
export function ticks(low, high, count = 5) {
  if (low === high) high = low + 1;
  const raw = (high - low) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= raw);
  const out = [];
  for (let v = Math.floor(low / step) * step; v <= high + step / 2; v += step) {
    out.push(Number(v.toFixed(10)));
    if (v >= high) break;
  }
  return out;
}

function frame(host, label) {
  host.replaceChildren();
  const width = Math.max(host.clientWidth || 640, 320);
  const root = svg("svg", {
    viewBox: `0 0 ${width} ${HEIGHT}`, width, height: HEIGHT, role: "img",
    "aria-label": label, class: "chart-svg",
  });
  host.append(root);
  const plot = { x0: MARGIN.left, x1: width - MARGIN.right, y0: HEIGHT - MARGIN.bottom, y1: MARGIN.top };
  return { root, plot };
}

function yAxis(root, plot, values, format) {
  const finite = values.filter(Number.isFinite);
  const marks = ticks(Math.min(0, ...finite), Math.max(0, ...finite));
  const low = marks[0];
  const high = marks[marks.length - 1];
  const y = (v) => plot.y0 - ((v - low) / (high - low)) * (plot.y0 - plot.y1);
  const axis = svg("g", { class: "axis y" }, root);
  const labels = tickLabels(marks, format);
  marks.forEach((mark, i) => {
    svg("line", { x1: plot.x0, x2: plot.x1, y1: y(mark), y2: y(mark), class: mark === 0 ? "zero" : "grid" }, axis);
    svg("text", { x: plot.x0 - 6, y: y(mark) + 4, "text-anchor": "end" }, axis).textContent = labels[i];
  });
  return y;
}

// The chart's own format, unless it rounds two ticks to the same text (0.2 and 0.4 as "0"):
// then as many decimals as the step needs.
function tickLabels(marks, format) {
  const labels = marks.map(format);
  if (new Set(labels).size === labels.length) return labels;
  const step = marks.length > 1 ? marks[1] - marks[0] : 1;
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  return marks.map((m) => m.toLocaleString("en", { minimumFractionDigits: digits, maximumFractionDigits: digits }));
}

// Labels slant when they would not fit side by side (about 7 px a character).
function xLabels(root, plot, labels, at, every = 1) {
  const axis = svg("g", { class: "axis x" }, root);
  const room = ((plot.x1 - plot.x0) * every) / Math.max(labels.length, 1);
  const slanted = labels.some((label) => Math.min(label.length, 16) * 7 > room);
  labels.forEach((label, j) => {
    if (j % every) return;
    const x = at(j);
    const short = label.length > 16 ? `${label.slice(0, 15)}…` : label;
    const attrs = slanted
      ? { x, y: plot.y0 + 12, "text-anchor": "end", transform: `rotate(-30 ${x} ${plot.y0 + 12})` }
      : { x, y: plot.y0 + 16, "text-anchor": "middle" };
    titled(svg("text", attrs, axis), label).append(document.createTextNode(short));
  });
}

function legend(host, series) {
  const list = document.createElement("ul");
  list.className = "legend";
  for (const s of series) {
    const item = document.createElement("li");
    item.dataset.series = s.name;
    const swatch = svg("svg", { width: 12, height: 12, "aria-hidden": "true" });
    svg("rect", { width: 12, height: 12, rx: 2, fill: s.color }, swatch);
    item.append(swatch, document.createTextNode(` ${s.name}`));
    list.append(item);
  }
  host.append(list);
}

function nothing(host, text) {
  host.replaceChildren();
  const p = document.createElement("p");
  p.className = "empty";
  p.textContent = text;
  host.append(p);
}

function colored(series) {
  return series.map((s, i) => ({ ...s, color: s.color || PALETTE[i % PALETTE.length] }));
}

// categories: labels; series: [{name, values (numbers or decimal strings, null for none),
// marks (optional: a text per category that marks that bar, e.g. a spike)}].
export function barChart(host, { categories, series, format = String, label = "", empty = "Nothing to show." }) {
  if (!categories.length || !series.length) return nothing(host, empty);
  series = colored(series);
  const { root, plot } = frame(host, label);
  const y = yAxis(root, plot, series.flatMap((s) => s.values.map(Number)), format);
  const band = (plot.x1 - plot.x0) / categories.length;
  const width = Math.max(2, (band * 0.8) / series.length);
  series.forEach((s, i) => {
    const group = svg("g", { class: "series", "data-series": s.name, fill: s.color }, root);
    s.values.forEach((raw, j) => {
      if (raw === null || raw === undefined) return;
      const value = Number(raw);
      const x = plot.x0 + band * j + band * 0.1 + width * i;
      const top = Math.min(y(value), y(0));
      const bar = svg("rect", {
        x, y: top, width: Math.max(width - 1, 1), height: Math.max(Math.abs(y(value) - y(0)), 0.5),
        "data-category": categories[j], "data-value": raw,
      }, group);
      const mark = s.marks && s.marks[j];
      titled(bar, `${s.name}, ${categories[j]}: ${format(value)}${mark ? ` — ${mark}` : ""}`);
      if (mark) {
        bar.classList.add("marked");
        const flag = svg("text", { x: x + width / 2, y: top - 4, "text-anchor": "middle", class: "mark" }, group);
        titled(flag, mark).append(document.createTextNode("▲"));
      }
    });
  });
  xLabels(root, plot, categories, (j) => plot.x0 + band * (j + 0.5));
  legend(host, series);
}

// periods: labels of the x axis, in order; series: [{name, values (null: a gap)}].
export function lineChart(host, { periods, series, format = String, label = "", empty = "Nothing to show." }) {
  if (!periods.length || !series.length) return nothing(host, empty);
  series = colored(series);
  const { root, plot } = frame(host, label);
  const y = yAxis(root, plot, series.flatMap((s) => s.values.filter((v) => v !== null).map(Number)), format);
  const n = periods.length;
  const x = (j) => (n > 1 ? plot.x0 + ((plot.x1 - plot.x0) * j) / (n - 1) : (plot.x0 + plot.x1) / 2);
  for (const s of series) {
    const group = svg("g", { class: "series", "data-series": s.name }, root);
    let d = "";
    let joined = false;
    s.values.forEach((raw, j) => {
      if (raw === null || raw === undefined) {
        joined = false;
        return;
      }
      d += `${joined ? "L" : "M"}${x(j).toFixed(1)},${y(Number(raw)).toFixed(1)}`;
      joined = true;
    });
    svg("path", { d, fill: "none", stroke: s.color, "stroke-width": 2 }, group);
    s.values.forEach((raw, j) => {
      if (raw === null || raw === undefined) return;
      const point = svg("circle", {
        cx: x(j), cy: y(Number(raw)), r: n > 60 ? 1.5 : 3, fill: s.color,
        "data-x": periods[j], "data-value": raw,
      }, group);
      titled(point, `${s.name}, ${periods[j]}: ${format(Number(raw))}`);
    });
  }
  xLabels(root, plot, periods, x, Math.ceil(n / 8));
  legend(host, series);
}
