// Drives Debian's Chromium (headless) through one scenario; prints one JSON line of results.
// Usage: node drive.mjs <snippet|analytics-next> <site origin> <collector url> <write key>
import { chromium } from "playwright-core";

const [scenario, site, collector, key] = process.argv.slice(2);
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const query = `collector=${encodeURIComponent(collector)}&key=${encodeURIComponent(key)}`;

async function snippet(page) {
  const campaign = "utm_source=newsletter&utm_medium=email&utm_campaign=spring-sale&gclid=GCL-1";
  await page.goto(`${site}/pages/landing.html?${campaign}&${query}`);
  await page.waitForFunction(() => window.boucle && localStorage.getItem("boucle.queue") === "[]");
  await page.click("#buy");
  await page.click("#next");
  await page.waitForURL(/next\.html/);
  await page.waitForFunction(() => window.boucle !== undefined);
  await page.evaluate(() => window.boucle.track("Leaving"));
  const anonymousId = await page.evaluate(() => localStorage.getItem("boucle_aid"));
  const cookie = (await page.context().cookies()).find((c) => c.name === "boucle_aid");
  await page.close({ runBeforeUnload: true }); // pagehide: the beacon carries what is left
  return { anonymousId, cookie: cookie ? cookie.value : null };
}

async function analyticsNext(page) {
  const sent = [];
  page.on("request", (r) => {
    if (r.url().startsWith(collector)) {
      sent.push({ method: r.method(), path: new URL(r.url()).pathname,
        contentType: r.headers()["content-type"] || null });
    }
  });
  page.on("requestfailed", (r) => console.error(`[failed] ${r.url()} ${r.failure().errorText}`));
  page.on("response", (r) => {
    if (r.url().startsWith(collector) || r.status() >= 400) console.error(`[response] ${r.status()} ${r.url()}`);
  });
  const results = {};
  for (const mode of ["standard", "batching"]) {
    await page.goto(`${site}/pages/ajs.html?mode=${mode}&${query}`);
    await page.waitForFunction(() => window.done === true, null, { timeout: 30000 });
    results[mode] = await page.evaluate(() => window.result);
  }
  return { results, sent };
}

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: FLAGS });
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on("console", (m) => console.error(`[page] ${m.text()}`));
  const out = scenario === "snippet" ? await snippet(page) : await analyticsNext(page);
  await context.close();
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
