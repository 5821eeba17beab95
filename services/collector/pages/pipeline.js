// The pipeline page: every service's GET /v1/pipeline (its own counters since it started, the
// numbers of its /metrics), read every few seconds. The collector's is on this origin; the
// consumers' are on theirs (PAGES__SERVICES), which let this page read them (CORS).
import { api, header, signedIn, stackConfig, status } from "./lib/session.js";
import { barChart, lineChart } from "./lib/charts.js";
import { sortableTable } from "./lib/table.js";
import { dateTime, number } from "./lib/format.js";

const REFRESH_MS = 5000;
const KEEP_SAMPLES = 120; // ten minutes of rates
const samples = [];
let refreshes = 0;

const sum = (counts) => Object.values(counts).reduce((a, b) => a + b, 0);

function cards(c) {
  const host = document.getElementById("collector-cards");
  host.replaceChildren();
  const figures = [
    ["received", "received", sum(c.received)],
    ["accepted", "accepted", sum(c.accepted)],
    ["refused", "refused", sum(c.rejected)],
    ["dead-lettered", "dead-lettered", c.deadLettered],
    ["deduplicated", "duplicates dropped", c.deduplicated],
    ["spooled", "waiting in the spool", c.spooledRequests],
  ];
  for (const [key, name, value] of figures) {
    const card = document.createElement("div");
    card.className = `card${key === "refused" && value > 0 ? " bad" : ""}`;
    card.dataset.figure = key;
    const big = document.createElement("span");
    big.className = "value";
    big.textContent = number(value);
    big.dataset.value = String(value);
    const small = document.createElement("span");
    small.className = "name";
    small.textContent = name;
    card.append(big, small);
    host.append(card);
  }
  document.getElementById("collector-since").textContent = `(since ${dateTime(c.startedAt)})`;
}

function counts(hostId, tally, name) {
  const shown = Object.entries(tally).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  barChart(document.getElementById(hostId), {
    categories: shown.map(([key]) => key),
    series: [{ name, values: shown.map(([, n]) => n) }],
    format: (v) => number(v),
    label: name,
    empty: `Nothing ${name}.`,
  });
}

function rates(c) {
  samples.push({ at: Date.now(), received: sum(c.received), accepted: sum(c.accepted), refused: sum(c.rejected) });
  if (samples.length > KEEP_SAMPLES) samples.shift();
  const steps = samples.slice(1).map((s, i) => ({ s, before: samples[i] }));
  const per = (key) => steps.map(({ s, before }) => Math.max(0, (s[key] - before[key]) / ((s.at - before.at) / 1000)));
  lineChart(document.getElementById("rates-chart"), {
    periods: steps.map(({ s }) => new Date(s.at).toISOString().slice(11, 19)),
    series: ["received", "accepted", "refused"].map((key) => ({ name: key, values: per(key) })),
    format: (v) => number(v, 1),
    label: "events per second",
    empty: "Rates appear after the second reading.",
  });
}

function consumers(answers) {
  const up = answers.filter((a) => a.summary);
  barChart(document.getElementById("lag-chart"), {
    categories: up.map((a) => a.service),
    series: [{ name: "records behind", values: up.map((a) => a.summary.topics.reduce((n, t) => n + t.lagRecords, 0)) }],
    format: (v) => number(v),
    label: "consumer lag per service",
  });
  const rows = answers.flatMap((a) =>
    a.summary
      ? a.summary.topics.map((t) => ({ service: a.service, halted: a.summary.halted, ...t }))
      : [{ service: a.service, topic: `unreachable: ${a.error}`, consumed: null, processed: null, lagRecords: null, lagSeconds: null, halted: null }],
  );
  sortableTable(document.getElementById("consumers"), {
    rows,
    rowKey: (r) => `${r.service}|${r.topic}`,
    columns: [
      { key: "service", label: "Service", value: (r) => r.service },
      { key: "topic", label: "Topic", value: (r) => r.topic },
      { key: "consumed", label: "Consumed", numeric: true, value: (r) => r.consumed, text: (r) => number(r.consumed) },
      { key: "processed", label: "Processed", numeric: true, value: (r) => r.processed, text: (r) => number(r.processed) },
      { key: "lagRecords", label: "Lag (records)", numeric: true, value: (r) => r.lagRecords, text: (r) => number(r.lagRecords) },
      { key: "lagSeconds", label: "Lag (s)", numeric: true, value: (r) => r.lagSeconds, text: (r) => number(r.lagSeconds, 1) },
      { key: "halted", label: "Halted", value: (r) => (r.halted === null ? null : r.halted ? "yes" : "no") },
    ],
  });
}

function deadLetters(collector, answers) {
  const up = answers.filter((a) => a.summary);
  barChart(document.getElementById("dead-chart"), {
    categories: ["collector", ...up.map((a) => a.service)],
    series: [{ name: "dead letters", values: [collector.deadLettered, ...up.map((a) => sum(a.summary.deadLetters))] }],
    format: (v) => number(v),
    label: "dead letters per service",
  });
}

async function refresh(config) {
  const names = Object.keys(config.services).filter((name) => name !== "collector");
  const [collector, ...others] = await Promise.allSettled([
    api("/v1/pipeline"),
    ...names.map((name) => api(`${config.services[name]}/v1/pipeline`)),
  ]);
  if (collector.status === "rejected") return status(collector.reason.message, { error: true });
  const answers = others.map((o, i) => ({
    service: names[i],
    summary: o.status === "fulfilled" ? o.value : null,
    error: o.status === "rejected" ? o.reason.message : null,
  }));
  cards(collector.value);
  counts("rejected-chart", collector.value.rejected, "refused");
  counts("accepted-chart", collector.value.accepted, "accepted");
  rates(collector.value);
  consumers(answers);
  deadLetters(collector.value, answers);
  const down = answers.filter((a) => !a.summary).map((a) => a.service);
  status(`Updated ${new Date().toISOString().slice(11, 19)} UTC${down.length ? `; unreachable: ${down.join(", ")}` : ""}`, { error: down.length > 0 });
  document.body.dataset.refreshes = String(++refreshes);
}

async function setUp() {
  const config = await stackConfig();
  header(config, "collector");
  await signedIn();
  await refresh(config);
  setInterval(() => refresh(config), REFRESH_MS);
}

setUp();
