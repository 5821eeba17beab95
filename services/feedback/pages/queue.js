// The case queue (GET /v1/cases): most urgent first, the SLA counting down, overdue cases
// highlighted; each case opens its page (case.html) where agents act on it.
import { api, header, query, signedIn, stackConfig, status } from "./lib/session.js";
import { sortableTable } from "./lib/table.js";
import { duration } from "./lib/format.js";

const PAGE = 50;
const TICK_MS = 15000; // the countdowns move without asking the API again
const filters = document.getElementById("queue-filters");
const table = document.getElementById("queue");
let cases = [];
let next = null;
let shown = 0;

function secondsLeft(c, now) {
  return c.slaDeadline ? Math.round((Date.parse(c.slaDeadline) - now) / 1000) : null;
}

function slaText(c, now) {
  const left = secondsLeft(c, now);
  if (left === null) return "–";
  return left <= 0 ? `overdue ${duration(-left)}` : `${duration(left)} left`;
}

function ageOf(c, now) {
  return Math.round((now - Date.parse(c.openedAt)) / 1000);
}

function isOverdue(c, now) {
  const left = secondsLeft(c, now);
  return c.overdue || (left !== null && left <= 0 && ["open", "acknowledged"].includes(c.status));
}

function badge(td, c) {
  const span = document.createElement("span");
  span.className = `badge p${c.priority}`;
  span.textContent = `P${c.priority}`;
  td.append(span);
}

function caseLink(td, c) {
  const link = document.createElement("a");
  link.href = `case.html?${query({ id: c.caseId })}`;
  link.textContent = c.summary;
  td.append(link);
}

function draw() {
  const now = Date.now();
  sortableTable(table, {
    rows: cases,
    rowKey: (c) => c.caseId,
    columns: [
      { key: "priority", label: "Priority", numeric: true, value: (c) => c.priority, cell: badge },
      { key: "person", label: "Person", value: (c) => c.personId },
      { key: "reason", label: "Reason", value: (c) => c.summary, cell: caseLink },
      { key: "themes", label: "Themes", value: (c) => c.themes.join(", ") || null, text: (c) => c.themes.join(", ") || "–" },
      { key: "queue", label: "Queue", value: (c) => c.queue },
      { key: "owner", label: "Owner", value: (c) => c.owner, text: (c) => c.owner || "–" },
      { key: "status", label: "Status", value: (c) => c.status },
      { key: "age", label: "Age", numeric: true, value: (c) => ageOf(c, now), text: (c) => duration(ageOf(c, now)) },
      { key: "sla", label: "SLA", numeric: true, value: (c) => secondsLeft(c, now), text: (c) => slaText(c, now) },
    ],
    onRow: (tr, c) => tr.classList.toggle("overdue", isOverdue(c, now)),
  });
  document.getElementById("more").hidden = next === null;
}

function tick() {
  const now = Date.now();
  const byId = new Map(cases.map((c) => [c.caseId, c]));
  for (const row of table.querySelectorAll("tbody tr")) {
    const c = byId.get(row.dataset.key);
    if (!c) continue;
    row.querySelector('td[data-column="age"]').textContent = duration(ageOf(c, now));
    row.querySelector('td[data-column="sla"]').textContent = slaText(c, now);
    row.classList.toggle("overdue", isOverdue(c, now));
  }
}

async function load(cursor) {
  const data = new FormData(filters);
  const params = {
    status: data.get("status"),
    queue: data.get("queue"),
    overdue: data.get("overdue") ? "true" : "",
    limit: PAGE,
    cursor,
  };
  try {
    const answer = await api(`/v1/cases?${query(params)}`);
    cases = cursor ? [...cases, ...answer.cases] : answer.cases;
    next = answer.next;
    draw();
    status(`${cases.length}${next ? "+" : ""} ${data.get("status")} cases`);
    document.body.dataset.queueShown = String(++shown);
  } catch (error) {
    status(error.message, { error: true });
  }
}

function flash() {
  const params = new URLSearchParams(location.search);
  const resolved = params.get("resolved");
  if (!resolved) return;
  const line = document.getElementById("flash");
  line.textContent = `Case ${resolved} resolved: it has left the open queue.`;
  line.hidden = false;
  history.replaceState(null, "", location.pathname);
}

async function setUp() {
  const config = await stackConfig();
  header(config, "feedback");
  const queues = filters.elements.queue;
  for (const name of config.queues || []) queues.append(new Option(name, name));
  flash();
  await signedIn();
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    load(null);
  });
  document.getElementById("more").addEventListener("click", () => load(next));
  setInterval(tick, TICK_MS);
  await load(null);
}

setUp();
