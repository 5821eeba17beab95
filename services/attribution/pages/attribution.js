// The attribution page: the report (models side by side per group), the series over time, the
// table with CSV download, and the latest conversions with their paths (drilldown.js). Every
// number comes from /v1/attribution, /v1/attribution/series or the conversions routes: they
// read maintained aggregates, never the credits, so the page stays fast at any volume.
import { api, header, query, signedIn, stackConfig, status } from "./lib/session.js";
import { barChart, lineChart } from "./lib/charts.js";
import { sortableTable } from "./lib/table.js";
import { daysAgo, isoDay, money, number } from "./lib/format.js";
import { showConversions } from "./drilldown.js";

const API = "/v1/attribution";
const TOP_GROUPS = 12; // bars drawn; the table has every group
const DEFAULT_MODELS = 4; // checked at first, in the service's order
const form = document.getElementById("controls");
let report = null;
let shown = 0; // renders done, for whoever waits on the page (data-shown)

function picked() {
  const data = new FormData(form);
  return {
    models: [...form.querySelectorAll("#models input:checked")].map((box) => box.value),
    groupBy: data.get("groupBy"),
    from: data.get("from"),
    to: data.get("to"),
    currency: String(data.get("currency") || "").trim().toUpperCase(),
    grain: data.get("grain"),
  };
}

function common(p) {
  return { models: p.models.join(","), from: p.from, to: p.to, currency: p.currency };
}

function modelBoxes(models) {
  const fieldset = document.getElementById("models");
  models.forEach((model, i) => {
    const label = document.createElement("label");
    const box = document.createElement("input");
    Object.assign(box, { type: "checkbox", name: "model", value: model, checked: i < DEFAULT_MODELS });
    label.append(box, document.createTextNode(model));
    fieldset.append(label);
  });
}

function keyOf(group) {
  return group.key === null ? "(none)" : group.key;
}

function drawGroups() {
  const measure = document.getElementById("measure").value;
  const groups = report.groups.slice(0, TOP_GROUPS); // largest revenue under the first model
  const digits = measure === "revenue" ? 2 : 1;
  barChart(document.getElementById("groups-chart"), {
    categories: groups.map(keyOf),
    series: report.models.map(({ model }) => ({
      name: model,
      values: groups.map((g) => g.models[model][measure]),
    })),
    format: (v) => number(v, digits),
    label: `${measure} per ${report.groupBy} under each model`,
    empty: "No conversion and no cost in this range.",
  });
}

// Over every conversion each model credits the same revenue (models share it out, they do
// not make it): one line. For one group the models differ: a line each.
function drawSeries(series) {
  const revenue = series.key === null
    ? [{ name: "revenue", values: series.points.map((p) => p.revenue[series.models[0]]) }]
    : series.models.map((model) => ({ name: model, values: series.points.map((p) => p.revenue[model]) }));
  const of = series.key === null ? "" : ` of ${series.groupBy} ${series.key || "(none)"}`;
  lineChart(document.getElementById("series-chart"), {
    periods: series.points.map((p) => p.period),
    series: [...revenue, { name: "cost", values: series.points.map((p) => p.cost), color: "#475569" }],
    format: (v) => number(v, 0),
    label: `revenue and cost${of}, per ${series.grain}, in ${series.currency}`,
    empty: "Nothing in this range.",
  });
  const left = series.unconverted.map((u) => {
    const amounts = Object.entries(u.revenue).map(([m, v]) => `${m} ${number(v, 2)}`).join(", ");
    return `${u.currency}: revenue ${amounts || "0"}, cost ${number(u.cost, 2)}`;
  });
  document.getElementById("unconverted").textContent = left.length
    ? `Left out, no rate into ${series.currency} on their day: ${left.join("; ")}`
    : "";
}

// The groups one can draw over time; each option's value is the group's key as JSON (null:
// every conversion; "": the group of none).
function seriesGroups() {
  const select = document.getElementById("series-group");
  const keys = report.groups.map((g) => (g.key === null ? "" : g.key));
  const kept = select.value && keys.includes(JSON.parse(select.value)) ? select.value : "null";
  const options = [new Option("every conversion", "null")];
  for (const key of keys) options.push(new Option(key || "(none)", JSON.stringify(key)));
  for (const option of options) option.selected = option.value === kept;
  select.replaceChildren(...options);
}

async function loadSeries() {
  const p = picked();
  const key = JSON.parse(document.getElementById("series-group").value || "null");
  // Not through query(): the group of none has the key "", which query() would leave out.
  const group = key === null ? "" : `&${new URLSearchParams({ group_by: p.groupBy, key })}`;
  return api(`${API}/series?${query({ ...common(p), grain: p.grain })}${group}`);
}

function drawTable() {
  const model = document.getElementById("table-model").value;
  const currency = report.currency;
  const figure = (name) => (g) => g.models[model][name];
  const amount = (get) => (g) => money(get(g), currency);
  const ratio = (get) => (g) => number(get(g), 2);
  sortableTable(document.getElementById("report"), {
    rows: report.groups,
    rowKey: keyOf,
    sortBy: "revenue",
    columns: [
      { key: "group", label: report.groupBy.replace("_", " "), value: keyOf },
      { key: "conversions", label: "Conversions", numeric: true, value: figure("conversions"), text: (g) => number(figure("conversions")(g), 2) },
      { key: "revenue", label: "Revenue", numeric: true, value: figure("revenue"), text: amount(figure("revenue")) },
      { key: "cost", label: "Cost", numeric: true, value: (g) => g.cost, text: amount((g) => g.cost) },
      { key: "cpa", label: "CPA", numeric: true, value: figure("cpa"), text: amount(figure("cpa")) },
      { key: "roas", label: "ROAS", numeric: true, value: figure("roas"), text: ratio(figure("roas")) },
      { key: "roi", label: "ROI", numeric: true, value: figure("roi"), text: ratio(figure("roi")) },
    ],
  });
}

function tableModels(models) {
  const select = document.getElementById("table-model");
  const kept = models.includes(select.value) ? select.value : models[0];
  select.replaceChildren(...models.map((m) => new Option(m, m, false, m === kept)));
}

async function downloadCsv() {
  const p = picked();
  try {
    const csv = await api(`${API}?${query({ ...common(p), group_by: p.groupBy, format: "csv" })}`, { accept: "text/csv" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
    link.download = `attribution-${p.groupBy}-${p.from}-${p.to}.csv`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  } catch (error) {
    status(error.message, { error: true });
  }
}

async function show() {
  const p = picked();
  if (!p.models.length) return status("Pick at least one model.", { error: true });
  status("Loading…");
  try {
    report = await api(`${API}?${query({ ...common(p), group_by: p.groupBy })}`);
    for (const node of document.querySelectorAll(".group-name")) node.textContent = p.groupBy.replace("_", " ");
    tableModels(p.models);
    seriesGroups();
    drawGroups();
    drawSeries(await loadSeries());
    drawTable();
    await showConversions({ from: p.from, to: p.to });
    const first = report.models[0];
    status(`${report.groups.length} groups; ${number(first.conversions)} conversions credited by ${first.model} (all dates); amounts in ${report.currency}.`);
    document.body.dataset.shown = String(++shown);
  } catch (error) {
    status(error.message, { error: true });
  }
}

async function setUp() {
  header(await stackConfig(), "attribution");
  form.elements.from.value = isoDay(daysAgo(29));
  form.elements.to.value = isoDay(new Date());
  await signedIn();
  try {
    // Any report names the configured models and the reporting currency; this one is small.
    const day = form.elements.to.value;
    const first = await api(`${API}?${query({ group_by: "touch_type", from: day, to: day })}`);
    modelBoxes(first.models.map((m) => m.model));
    form.elements.currency.value = first.currency;
  } catch (error) {
    return status(error.message, { error: true });
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    show();
  });
  document.getElementById("measure").addEventListener("change", drawGroups);
  document.getElementById("table-model").addEventListener("change", drawTable);
  document.getElementById("series-group").addEventListener("change", async () => {
    try {
      drawSeries(await loadSeries());
      document.body.dataset.shown = String(++shown);
    } catch (error) {
      status(error.message, { error: true });
    }
  });
  document.getElementById("csv").addEventListener("click", downloadCsv);
  await show();
}

setUp();
