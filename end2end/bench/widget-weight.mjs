// Widget weight and speed, measured in headless Chromium against the real server. Prints
// figures; asserts nothing. Run through ../../scripts/bench-widget.sh (which builds first).
//
// What it reports:
//  - raw and gzip bytes of each widget file as built (dist/widget);
//  - bytes transferred (as served, gzip) before the launcher is visible, and for the whole
//    widget once the panel is open;
//  - time from navigation to the launcher being visible, time from web-widget.js arriving to the
//    launcher being visible, and the host page's load event, with and without the widget.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { chromium } from "@playwright/test";
import { kb, launchOptions, median, p90, waitFor } from "./support.mjs";

const root = resolve(import.meta.dirname, "..", "..");
const runs = Number(process.env.RUNS ?? 15);
const apiPort = 18280;
const demoPort = 18281;
const api = `http://127.0.0.1:${apiPort}`;
const demo = `http://localhost:${demoPort}/`;
const serverBin = join(process.env.CARGO_TARGET_DIR ?? join(root, "target"), "release", "server");
const widgetDir = join(root, "dist", "widget");

function fileTable() {
  console.log("\n## Widget files as built (dist/widget)\n");
  console.log("| file | raw KB | gzip -9 KB |");
  console.log("|---|---:|---:|");
  let raw = 0;
  let gz = 0;
  for (const f of readdirSync(widgetDir).filter((f) => /\.(js|wasm|css)$/.test(f)).sort()) {
    const bytes = readFileSync(join(widgetDir, f));
    const g = gzipSync(bytes, { level: 9 }).length;
    raw += statSync(join(widgetDir, f)).size;
    gz += g;
    console.log(`| ${f} | ${kb(bytes.length)} | ${kb(g)} |`);
  }
  console.log(`| **total** | ${kb(raw)} | ${kb(gz)} |`);
}

// Records, inside the page, when the launcher first becomes visible.
const detectLauncher = () => {
  const check = () => {
    for (const el of document.querySelectorAll("body > *")) {
      const b = el.shadowRoot?.querySelector("button");
      if (b && b.getBoundingClientRect().width > 0) {
        window.__launcherVisibleAt = performance.now();
        return;
      }
    }
    requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
};

async function measure(browser, withWidget) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  if (!withWidget) {
    await page.route(demo, async (route) => {
      const response = await route.fetch();
      const html = (await response.text()).replace(/<script type="module">[\s\S]*?<\/script>/, "");
      await route.fulfill({ response, body: html });
    });
  }
  await page.addInitScript(detectLauncher);
  const transfers = [];
  page.on("requestfinished", async (request) => {
    if (!request.url().includes("/widget/")) return;
    const sizes = await request.sizes().catch(() => null);
    transfers.push({ url: request.url(), at: Date.now(), bytes: sizes ? sizes.responseBodySize + sizes.responseHeadersSize : 0 });
  });
  const navigationStartWall = Date.now();
  await page.goto(demo, { waitUntil: "load" });
  const result = { load: await page.evaluate(() => performance.getEntriesByType("navigation")[0].loadEventEnd) };
  if (withWidget) {
    await page.waitForFunction(() => window.__launcherVisibleAt !== undefined, null, { timeout: 10_000 });
    const timing = await page.evaluate(() => {
      const loader = performance.getEntriesByType("resource").find((e) => e.name.includes("/widget/web-widget.js"));
      const panel = performance.getEntriesByType("resource").find((e) => e.name.includes("/widget/widget.js"));
      return {
        launcher: window.__launcherVisibleAt,
        loaderArrived: loader ? loader.responseEnd : NaN,
        panelRequested: panel ? panel.startTime : NaN,
        loadEventEnd: performance.getEntriesByType("navigation")[0].loadEventEnd,
      };
    });
    const launcherWall = navigationStartWall + timing.launcher;
    result.launcher = timing.launcher;
    result.moduleToLauncher = timing.launcher - timing.loaderArrived;
    result.panelBeforeLoad = timing.panelRequested < timing.loadEventEnd;
    result.bytesBeforeLauncher = transfers.filter((t) => t.at <= launcherWall).reduce((a, t) => a + t.bytes, 0);
    await page.getByRole("button", { name: /open chat/i }).click();
    await page.getByRole("dialog").waitFor({ state: "visible" });
    await page.waitForLoadState("networkidle");
    result.bytesOpened = transfers.reduce((a, t) => a + t.bytes, 0);
    result.files = [...new Set(transfers.map((t) => t.url.split("/").pop()))].join(", ");
  }
  await context.close();
  return result;
}

async function main() {
  fileTable();
  const dataDir = mkdtempSync(join(tmpdir(), "livechat-bench-"));
  const server = spawn(serverBin, [], {
    env: {
      ...process.env,
      LIVECHAT_LISTEN: `127.0.0.1:${apiPort}`,
      LIVECHAT_DEMO_LISTEN: `127.0.0.1:${demoPort}`,
      LIVECHAT_DATA_DIR: dataDir,
      LIVECHAT_WIDGET_DIR: widgetDir,
      LIVECHAT_PUBLIC_DIR: join(root, "public"),
      RUST_LOG: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    await waitFor(`${api}/health`);
    const browser = await chromium.launch(launchOptions);
    const without = [];
    const withW = [];
    // One warm-up of each, not counted.
    await measure(browser, false);
    await measure(browser, true);
    for (let i = 0; i < runs; i++) {
      without.push(await measure(browser, false));
      withW.push(await measure(browser, true));
    }
    await browser.close();
    const last = withW[withW.length - 1];
    console.log(`\n## In headless Chromium (${runs} runs each, fresh context, localhost; median / p90)\n`);
    console.log("| page | load event ms | launcher visible ms (from navigation) | web-widget.js arrived → launcher ms |");
    console.log("|---|---:|---:|---:|");
    console.log(`| demo page without the widget | ${median(without.map((r) => r.load)).toFixed(1)} / ${p90(without.map((r) => r.load)).toFixed(1)} | – | – |`);
    console.log(`| demo page with the widget | ${median(withW.map((r) => r.load)).toFixed(1)} / ${p90(withW.map((r) => r.load)).toFixed(1)} | ${median(withW.map((r) => r.launcher)).toFixed(1)} / ${p90(withW.map((r) => r.launcher)).toFixed(1)} | ${median(withW.map((r) => r.moduleToLauncher)).toFixed(1)} / ${p90(withW.map((r) => r.moduleToLauncher)).toFixed(1)} |`);
    console.log("\n| transferred (gzip, with headers) | KB |");
    console.log("|---|---:|");
    console.log(`| before the launcher is visible | ${kb(median(withW.map((r) => r.bytesBeforeLauncher)))} |`);
    console.log(`| whole widget once the panel is open | ${kb(median(withW.map((r) => r.bytesOpened)))} |`);
    console.log(`\nPanel code requested before the host's load event in ${withW.filter((r) => r.panelBeforeLoad).length} of ${runs} runs.`);
    console.log(`Widget files fetched: ${last.files}`);
  } finally {
    server.kill("SIGTERM");
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
