// The latest conversions of the range, a page at a time, and one conversion's path with its
// credits under every model (GET /v1/attribution/conversions, …/conversions/{id}).
import { api, query, status } from "./lib/session.js";
import { sortableTable } from "./lib/table.js";
import { dateTime, money, number, percent } from "./lib/format.js";

const API = "/v1/attribution/conversions";
const PAGE = 10;
let listed = [];
let next = null;
let range = {};

function drawList() {
  sortableTable(document.getElementById("conversions"), {
    rows: listed,
    rowKey: (c) => c.conversionId,
    columns: [
      { key: "at", label: "Converted", value: (c) => c.convertedAt, text: (c) => dateTime(c.convertedAt) },
      { key: "revenue", label: "Revenue", numeric: true, value: (c) => c.revenue, text: (c) => money(c.revenue, c.currency) },
      { key: "stage", label: "Stage", value: (c) => c.stage },
      { key: "person", label: "Person", value: (c) => c.personId },
      { key: "credited", label: "Credited", value: (c) => (c.credited ? "yes" : "no") },
      {
        key: "path", label: "", value: (c) => c.conversionId,
        cell: (td, c) => {
          const button = document.createElement("button");
          button.type = "button";
          button.textContent = "Path";
          button.addEventListener("click", () => openPath(c.conversionId));
          td.append(button);
        },
      },
    ],
  });
  document.getElementById("older").hidden = next === null;
}

async function page(before) {
  const answer = await api(`${API}?${query({ ...range, limit: PAGE, before })}`);
  listed = before ? [...listed, ...answer.conversions] : answer.conversions;
  next = answer.next;
  drawList();
}

export async function showConversions(given) {
  range = given;
  document.getElementById("drilldown").hidden = true;
  await page(null);
}

document.getElementById("older").addEventListener("click", () => page(next).catch((e) => status(e.message, { error: true })));

function facts(conversion) {
  const list = document.getElementById("drilldown-facts");
  const rows = [
    ["Converted", dateTime(conversion.convertedAt)],
    ["Revenue", money(conversion.revenue, conversion.currency)],
    ["Stage", conversion.stage + (conversion.dealId ? ` (deal ${conversion.dealId})` : "")],
    ["Person", conversion.personId],
    ["Credited", conversion.credited ? "yes" : "no: the deal left the won stage"],
  ];
  list.replaceChildren();
  for (const [name, value] of rows) {
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = value;
    list.append(dt, dd);
  }
}

function drawPath(conversion) {
  const models = conversion.models.map((m) => m.model);
  const touches = [...conversion.path];
  if (Object.keys(conversion.unattributed).length) {
    touches.push({ touchpointId: "", occurredAt: null, channel: "(unattributed)", credits: conversion.unattributed });
  }
  const weight = (model) => (t) => (t.credits[model] ? t.credits[model].weight : null);
  sortableTable(document.getElementById("path"), {
    rows: touches,
    rowKey: (t) => t.touchpointId,
    columns: [
      { key: "at", label: "When", value: (t) => t.occurredAt, text: (t) => dateTime(t.occurredAt) },
      { key: "channel", label: "Channel", value: (t) => t.channel },
      { key: "campaign", label: "Campaign", value: (t) => t.campaign ?? null, text: (t) => t.campaign || "–" },
      { key: "source", label: "Source/medium", value: (t) => [t.source, t.medium].filter(Boolean).join(" / ") || null, text: (t) => [t.source, t.medium].filter(Boolean).join(" / ") || "–" },
      { key: "type", label: "Type", value: (t) => t.touchType ?? null, text: (t) => t.touchType || "–" },
      ...models.map((model) => ({
        key: model, label: model, numeric: true, value: weight(model),
        text: (t) => (weight(model)(t) === null ? "–" : percent(weight(model)(t))),
      })),
    ],
  });
}

export async function openPath(conversionId) {
  try {
    const conversion = await api(`${API}/${encodeURIComponent(conversionId)}`);
    document.getElementById("drilldown-title").textContent = `${conversion.conversionId} (${number(conversion.path.length)} touches)`;
    facts(conversion);
    drawPath(conversion);
    for (const row of document.querySelectorAll("#conversions tr")) {
      row.classList.toggle("selected", row.dataset.key === conversionId);
    }
    const panel = document.getElementById("drilldown");
    panel.hidden = false;
    panel.dataset.conversion = conversion.conversionId;
  } catch (error) {
    status(error.message, { error: true });
  }
}
