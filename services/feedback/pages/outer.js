// The outer loop: NPS, CSAT and CES over time, NPS per acquisition channel (the person's first
// touch), and themes per week with their spikes (GET /v1/feedback/kpis, /v1/feedback/themes).
// Both routes read maintained counts, never every response.
import { api, query, signedIn, status } from "./lib/session.js";
import { barChart, lineChart } from "./lib/charts.js";
import { daysAgo, isoDay, number } from "./lib/format.js";

const form = document.getElementById("outer-range");
const TOP_THEMES = 8;
let shown = 0;

function periodStart(day, grain) {
  const d = new Date(`${day}T00:00:00Z`);
  if (grain === "week") d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  if (grain === "month") d.setUTCDate(1);
  return d;
}

// Every period of the range, so that a period without answers is a gap, not a straight line.
export function periodsOf(from, to, grain) {
  const out = [];
  const end = periodStart(to, grain);
  for (let d = periodStart(from, grain); d <= end;) {
    out.push(isoDay(d));
    if (grain === "month") d.setUTCMonth(d.getUTCMonth() + 1);
    else d.setUTCDate(d.getUTCDate() + (grain === "week" ? 7 : 1));
  }
  return out;
}

function drawKpis(answer, grain) {
  const periods = periodsOf(answer.from, answer.to, grain);
  const byPeriod = new Map(answer.rows.map((row) => [row.period, row]));
  const charts = [
    ["nps", "NPS", "#2563eb", (v) => number(v, 0)],
    ["csat", "CSAT", "#059669", (v) => `${number(v, 0)} %`],
    ["ces", "CES", "#d97706", (v) => number(v, 1)],
  ];
  for (const [key, name, color, format] of charts) {
    const values = periods.map((p) => (byPeriod.has(p) ? byPeriod.get(p)[key] : null));
    const any = values.some((v) => v !== null);
    lineChart(document.getElementById(`${key}-chart`), {
      periods: any ? periods : [],
      series: [{ name, values, color }],
      format,
      label: `${name} per ${grain}`,
      empty: `No ${name} answers in this range.`,
    });
  }
}

function drawChannels(answer) {
  const rows = answer.rows.filter((row) => row.nps !== null);
  barChart(document.getElementById("channel-chart"), {
    categories: rows.map((row) => row.channel ?? "(unknown)"),
    series: [{ name: "NPS", values: rows.map((row) => row.nps), color: "#2563eb" }],
    format: (v) => number(v, 0),
    label: "NPS per acquisition channel",
    empty: "No NPS answers in this range.",
  });
}

function spikeText(spike) {
  return `${spike.kind}: ${spike.observed} negative mentions, ${number(spike.expected, 1)} expected (p = ${spike.pValue.toPrecision(2)})`;
}

function drawThemes(answer) {
  const weeks = [...new Set(answer.weeks.map((w) => w.week))].sort();
  const totals = new Map();
  for (const w of answer.weeks) totals.set(w.theme, (totals.get(w.theme) || 0) + w.responses);
  const themes = [...totals.keys()].sort((a, b) => totals.get(b) - totals.get(a) || a.localeCompare(b)).slice(0, TOP_THEMES);
  const cell = new Map(answer.weeks.map((w) => [`${w.theme}|${w.week}`, w]));
  barChart(document.getElementById("themes-chart"), {
    categories: weeks,
    series: themes.map((theme) => ({
      name: theme,
      values: weeks.map((week) => cell.get(`${theme}|${week}`)?.responses ?? null),
      marks: weeks.map((week) => {
        const spike = cell.get(`${theme}|${week}`)?.spike;
        return spike ? spikeText(spike) : null;
      }),
    })),
    format: (v) => number(v, 0),
    label: "mentions per theme and week",
    empty: "No themes in this range.",
  });
}

async function show() {
  const data = new FormData(form);
  const range = { from: data.get("from"), to: data.get("to") };
  const grain = data.get("grain");
  try {
    const [overTime, perChannel, themes] = await Promise.all([
      api(`/v1/feedback/kpis?${query({ ...range, grain })}`),
      api(`/v1/feedback/kpis?${query({ ...range, grain: "all", by: "channel" })}`),
      api(`/v1/feedback/themes?${query(range)}`),
    ]);
    drawKpis(overTime, grain);
    drawChannels(perChannel);
    drawThemes(themes);
    document.body.dataset.outerShown = String(++shown);
  } catch (error) {
    status(error.message, { error: true });
  }
}

async function setUp() {
  form.elements.from.value = isoDay(daysAgo(7 * 12 - 1));
  form.elements.to.value = isoDay(new Date());
  await signedIn();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    show();
  });
  await show();
}

setUp();
