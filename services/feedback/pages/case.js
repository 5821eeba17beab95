// One case (GET /v1/cases/{id}): what the customer said, its history, and the agents' commands
// (assign, acknowledge, resolve with a note, add a note), each sent with the version the page
// read as If-Match, so two agents never overwrite each other: a stale page is told to reload.
import { api, header, signedIn, stackConfig, status } from "./lib/session.js";
import { sortableTable } from "./lib/table.js";
import { dateTime, duration } from "./lib/format.js";

const AGENT = "boucle.agent";
const caseId = new URLSearchParams(location.search).get("id");
let current = null;

function facts(c) {
  const left = c.slaDeadline ? (Date.parse(c.slaDeadline) - Date.now()) / 1000 : null;
  const rows = [
    ["Status", c.status],
    ["Priority", `P${c.priority}`],
    ["Queue", c.queue],
    ["Owner", c.owner || "–"],
    ["Person", c.personId],
    ["Reason", c.summary],
    ["Themes", c.themes.join(", ") || "–"],
    ["Opened", dateTime(c.openedAt)],
    ["SLA", left === null ? "stopped" : left <= 0 ? `overdue ${duration(-left)}` : `${duration(left)} left (${dateTime(c.slaDeadline)})`],
    ["Resolution", c.resolution ? `${c.resolution.rootCause}: ${c.resolution.note}` : "–"],
    ["Version", String(c.version)],
  ];
  const list = document.getElementById("facts");
  list.replaceChildren();
  for (const [name, value] of rows) {
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = value;
    dd.dataset.fact = name.toLowerCase();
    list.append(dt, dd);
  }
}

function responses(list) {
  sortableTable(document.getElementById("responses"), {
    rows: list,
    rowKey: (r) => r.messageId,
    columns: [
      { key: "at", label: "When", value: (r) => r.occurredAt, text: (r) => dateTime(r.occurredAt) },
      { key: "instrument", label: "Instrument", value: (r) => r.instrument },
      { key: "score", label: "Score", numeric: true, value: (r) => r.score, text: (r) => (r.score === null ? "–" : String(r.score)) },
      { key: "text", label: "Comment", value: (r) => r.text, text: (r) => r.text || "–" },
      { key: "reasons", label: "Why negative", value: (r) => r.reasons.join(", ") || null, text: (r) => r.reasons.join(", ") || "–" },
    ],
  });
}

function history(events) {
  const list = document.getElementById("history");
  list.replaceChildren();
  for (const event of events) {
    const item = document.createElement("li");
    item.dataset.kind = event.kind;
    const said = event.detail.note || event.detail.text || event.detail.owner || event.detail.reason || "";
    item.textContent = `${dateTime(event.at)} — ${event.kind}${event.by ? ` by ${event.by}` : ""}${said ? `: ${said}` : ""}`;
    list.append(item);
  }
}

function allowed(c) {
  const active = c.status === "open" || c.status === "acknowledged";
  document.getElementById("assign").hidden = !active;
  document.getElementById("acknowledge").hidden = c.status !== "open";
  document.getElementById("resolve").hidden = !active;
}

async function load() {
  const detail = await api(`/v1/cases/${encodeURIComponent(caseId)}`);
  current = detail.case;
  document.getElementById("title").textContent = `Case ${current.caseId}`;
  facts(current);
  allowed(current);
  responses(detail.responses);
  history(detail.history);
  document.body.dataset.version = String(current.version);
}

function bodyOf(form) {
  const data = new FormData(form);
  const body = {};
  for (const [name, value] of data.entries()) if (value !== "") body[name] = value;
  if (form.id === "resolve") {
    body.recovered = body.recovered === undefined ? null : body.recovered === "true";
    body.survey = data.get("survey") === "on";
  }
  const agent = document.getElementById("agent").value.trim();
  if (agent) body.by = agent;
  return body;
}

async function command(event) {
  event.preventDefault();
  const form = event.target;
  const name = form.dataset.command;
  try {
    await api(`/v1/cases/${encodeURIComponent(caseId)}/${name}`, {
      method: "POST",
      body: bodyOf(form),
      headers: { "If-Match": `"${current.version}"` },
    });
    if (name === "resolve") {
      location.href = `./?resolved=${encodeURIComponent(caseId)}`;
      return;
    }
    form.reset();
    await load();
    status(`Done: ${name}.`);
  } catch (error) {
    const stale = error.status === 409 ? " Reload the page to see what changed." : "";
    status(`${error.message}${stale}`, { error: true });
  }
}

async function setUp() {
  header(await stackConfig(), "feedback");
  const agent = document.getElementById("agent");
  agent.value = sessionStorage.getItem(AGENT) || "";
  agent.addEventListener("change", () => sessionStorage.setItem(AGENT, agent.value.trim()));
  for (const form of document.querySelectorAll("form[data-command]")) form.addEventListener("submit", command);
  if (!caseId) return status("No case: open one from the queue.", { error: true });
  await signedIn();
  try {
    await load();
  } catch (error) {
    status(error.message, { error: true });
  }
}

setUp();
