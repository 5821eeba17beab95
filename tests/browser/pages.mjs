// Drives Debian's Chromium (headless) through Boucle's three pages against a running stack:
// signs in on each, works the pickers, reads back what the charts and tables drew, downloads
// the CSV, opens a conversion's path, acts on a case, and saves a screenshot of each page.
// Prints one JSON line of what it saw; the pytest side compares it with the APIs.
// Usage: node pages.mjs <plan.json>  (see tests/e2e/test_pages.py for the plan's fields)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const plan = JSON.parse(readFileSync(process.argv[2], "utf8"));
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const problems = []; // console errors and uncaught exceptions, on any page

async function signIn(page, url) {
  await page.goto(url);
  await page.fill("#sign-in input[name=token]", plan.token);
  await page.click("#sign-in button[type=submit]");
}

async function shot(page, name) {
  const path = join(plan.screenshots, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

// Every series of a chart: bars {category: value} or points {period: value}, as drawn.
function readChart(page, selector) {
  return page.$$eval(`${selector} g.series`, (groups) => groups.map((g) => ({
    name: g.dataset.series,
    values: Object.fromEntries([...g.querySelectorAll("rect, circle")].map((n) => [
      n.dataset.category ?? n.dataset.x, n.dataset.value])),
    marked: [...g.querySelectorAll("rect.marked")].map((n) => n.dataset.category),
  })));
}

function readTable(page, selector) {
  return page.$$eval(`${selector} tbody tr`, (rows) => rows.map((tr) => ({
    key: tr.dataset.key,
    classes: [...tr.classList],
    cells: Object.fromEntries([...tr.querySelectorAll("td")].map((td) => [td.dataset.column, td.dataset.value])),
  })));
}

async function nextRender(page, attribute, action) {
  const before = await page.evaluate((a) => Number(document.body.dataset[a] || 0), attribute);
  await action();
  await page.waitForFunction(([a, n]) => Number(document.body.dataset[a] || 0) > n, [attribute, before]);
}

async function attribution(page) {
  const a = plan.attribution;
  await signIn(page, `${plan.urls.attribution}/ui/`);
  await page.waitForFunction(() => Number(document.body.dataset.shown || 0) >= 1);
  const offered = await page.$$eval("#models input", (boxes) => boxes.map((b) => b.value));
  for (const model of offered) await page.setChecked(`#models input[value="${model}"]`, a.models.includes(model));
  await page.selectOption("select[name=groupBy]", a.groupBy);
  await page.fill("input[name=currency]", a.currency);
  await page.fill("input[name=from]", a.from);
  await page.fill("input[name=to]", a.to);
  await nextRender(page, "shown", () => page.click("#controls button[type=submit]"));
  const seen = {
    offered,
    groups: await readChart(page, "#groups-chart"),
    series: await readChart(page, "#series-chart"),
    table: await readTable(page, "#report"),
  };
  await nextRender(page, "shown", () => page.selectOption("#series-group", JSON.stringify(a.seriesGroup)));
  seen.paidSeries = await readChart(page, "#series-chart");
  await page.selectOption("#table-model", a.tableModel);
  await page.click('#report th[data-column="roas"] button');
  seen.byRoas = await readTable(page, "#report");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#csv")]);
  seen.csv = readFileSync(await download.path(), "utf8");
  seen.conversions = await readTable(page, "#conversions");
  await page.click(`#conversions tr[data-key="${seen.conversions[0].key}"] button`);
  await page.waitForSelector("#drilldown:not([hidden])");
  seen.path = { conversion: await page.getAttribute("#drilldown", "data-conversion"), rows: await readTable(page, "#path") };
  seen.screenshot = await shot(page, "attribution");
  return seen;
}

async function outerLoop(page) {
  return {
    nps: await readChart(page, "#nps-chart"),
    csat: await readChart(page, "#csat-chart"),
    ces: await readChart(page, "#ces-chart"),
    channels: await readChart(page, "#channel-chart"),
    themes: await readChart(page, "#themes-chart"),
  };
}

async function act(page, form, fields) {
  for (const [name, value] of Object.entries(fields)) await page.fill(`#${form} [name=${name}]`, value);
  await nextRender(page, "version", () => page.click(`#${form} button[type=submit]`));
}

async function feedback(page) {
  const f = plan.feedback;
  await signIn(page, `${plan.urls.feedback}/ui/`);
  await page.waitForFunction(() => document.body.dataset.queueShown && document.body.dataset.outerShown);
  const seen = { queue: await readTable(page, "#queue"), ...(await outerLoop(page)) };
  seen.screenshot = await shot(page, "feedback");
  await page.click(`#queue tr[data-key="${f.caseId}"] td[data-column="reason"] a`);
  await page.waitForFunction(() => document.body.dataset.version);
  await page.fill("#agent", "ann");
  await page.dispatchEvent("#agent", "change");
  await act(page, "assign", { owner: "ann" });
  await act(page, "acknowledge", { note: "called, apologised" });
  seen.acted = {
    facts: await page.$$eval("#facts dd", (dds) => Object.fromEntries(dds.map((d) => [d.dataset.fact, d.textContent]))),
    history: await page.$$eval("#history li", (items) => items.map((li) => li.dataset.kind)),
    responses: await readTable(page, "#responses"),
  };
  seen.caseScreenshot = await shot(page, "case");
  await page.fill("#resolve [name=note]", "refunded the shipping");
  await page.fill("#resolve [name=rootCause]", "carrier");
  await page.click("#resolve button[type=submit]");
  await page.waitForURL(/\/ui\/$/);
  await page.waitForFunction(() => document.body.dataset.queueShown);
  seen.flash = await page.textContent("#flash");
  seen.openAfter = await readTable(page, "#queue");
  await page.selectOption("select[name=status]", "active");
  await nextRender(page, "queueShown", () => page.click("#queue-filters button[type=submit]"));
  seen.activeAfter = await readTable(page, "#queue");
  seen.afterScreenshot = await shot(page, "feedback-after-resolve");
  return seen;
}

async function pipeline(page) {
  await signIn(page, `${plan.urls.collector}/ui/`);
  await page.waitForFunction(() => Number(document.body.dataset.refreshes || 0) >= 2, null, { timeout: 20000 });
  const seen = {
    cards: await page.$$eval(".card", (cards) => Object.fromEntries(cards.map((c) => [c.dataset.figure, c.querySelector(".value").dataset.value]))),
    rejected: await readChart(page, "#rejected-chart"),
    accepted: await readChart(page, "#accepted-chart"),
    rates: await readChart(page, "#rates-chart"),
    lag: await readChart(page, "#lag-chart"),
    dead: await readChart(page, "#dead-chart"),
    consumers: await readTable(page, "#consumers"),
    status: await page.textContent("#status"),
  };
  seen.screenshot = await shot(page, "pipeline");
  return seen;
}

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: FLAGS });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`[${m.type()}] ${page.url()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`[exception] ${page.url()}: ${e.message}`));
  const out = { attribution: await attribution(page), feedback: await feedback(page), pipeline: await pipeline(page) };
  out.problems = problems;
  await context.close();
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
