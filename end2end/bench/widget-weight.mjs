// Widget weight and speed, measured in headless Chromium against the real server. Prints
// figures; asserts nothing. Run through ../../scripts/bench-widget.sh (which builds first).
//
// What it reports:
//  - raw and gzip bytes of each widget file as built (dist/widget);
//  - bytes transferred (as served, gzip) before the launcher is visible, and for the whole
//    widget once the panel is open;
//  - for each way of embedding it (static import, dynamic import, import after `load`) and with
//    no widget, on desktop and on a phone profile (4× CPU, slow 4G): the host page's load event,
//    the time from navigation to the launcher being visible, and from web-widget.js arriving to
//    the launcher. PROFILES=desktop limits the run to one profile.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
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
const adminPassword = "bench-admin-password";
// The host pages, one per snippet, on a server of the bench's own (loopback, like the API: a
// page fulfilled by Playwright has no address space, and Chromium refuses its requests to the
// loopback API). Its origin is added to the demo workspace's allowed list.
let host = "";
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

// How a page can embed the widget, rewritten from the demo page's own snippet: the static
// import (the seed's snippet), a dynamic import started at once, and one started after `load`.
const VARIANTS = {
  none: () => "",
  static: (url, options) =>
    `<script type="module">\nimport { renderWebWidget } from "${url}";\nwindow.chatWidget = renderWebWidget(${options});\n</script>`,
  dynamic: (url, options) =>
    `<script type="module">\nimport("${url}").then(({ renderWebWidget }) => { window.chatWidget = renderWebWidget(${options}); });\n</script>`,
  "after load": (url, options) =>
    `<script type="module">\nconst start = () => import("${url}").then(({ renderWebWidget }) => { window.chatWidget = renderWebWidget(${options}); });\nif (document.readyState === "complete") start(); else addEventListener("load", start, { once: true });\n</script>`,
};

function rewrite(html, variant) {
  const block = /<script type="module">[\s\S]*?<\/script>/.exec(html)?.[0];
  const url = block && /(?:from |import\()"([^"]+)"/.exec(block)?.[1];
  const options = block && /renderWebWidget\((\{[\s\S]*?\})\);/.exec(block)?.[1];
  if (!url || !options) throw new Error("the demo page's widget snippet has changed shape");
  return html.replace(block, VARIANTS[variant](url, options));
}

// Desktop, and a phone: 4× CPU slowdown and Lighthouse's slow 4G (150 ms, 1.6 Mbps down).
const PROFILES = {
  desktop: { context: { viewport: { width: 1280, height: 800 } } },
  phone: {
    context: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 },
    cpu: 4,
    network: { offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 },
  },
};

async function measure(browser, variant, profileName) {
  const profile = PROFILES[profileName];
  const withWidget = variant !== "none";
  const context = await browser.newContext(profile.context);
  const page = await context.newPage();
  if (profile.cpu || profile.network) {
    const cdp = await context.newCDPSession(page);
    if (profile.cpu) await cdp.send("Emulation.setCPUThrottlingRate", { rate: profile.cpu });
    if (profile.network) {
      await cdp.send("Network.enable");
      await cdp.send("Network.emulateNetworkConditions", profile.network);
    }
  }
  await page.addInitScript(detectLauncher);
  const transfers = [];
  page.on("requestfinished", async (request) => {
    if (!request.url().includes("/widget/")) return;
    const sizes = await request.sizes().catch(() => null);
    transfers.push({ url: request.url(), at: Date.now(), bytes: sizes ? sizes.responseBodySize + sizes.responseHeadersSize : 0 });
  });
  const navigationStartWall = Date.now();
  await page.goto(`${host}/${encodeURIComponent(variant)}`, { waitUntil: "load" });
  const result = { load: await page.evaluate(() => performance.getEntriesByType("navigation")[0].loadEventEnd) };
  if (withWidget) {
    await page.waitForFunction(() => window.__launcherVisibleAt !== undefined, null, { timeout: 30_000 });
    const timing = await page.evaluate(() => {
      const loader = performance.getEntriesByType("resource").find((e) => e.name.includes("/widget/web-widget.js"));
      const panel = performance.getEntriesByType("resource").find((e) => e.name.includes("/widget/widget.js"));
      return {
        launcher: window.__launcherVisibleAt,
        loaderArrived: loader ? loader.responseEnd : NaN,
        loaderRequested: loader ? loader.startTime : NaN,
        loadEventStart: performance.getEntriesByType("navigation")[0].loadEventStart,
        panelRequested: panel ? panel.startTime : NaN,
        loadEventEnd: performance.getEntriesByType("navigation")[0].loadEventEnd,
      };
    });
    const launcherWall = navigationStartWall + timing.launcher;
    result.launcher = timing.launcher;
    result.moduleToLauncher = timing.launcher - timing.loaderArrived;
    result.loaderBeforeLoad = timing.loaderRequested < timing.loadEventStart;
    result.panelBeforeLoad = timing.panelRequested < timing.loadEventEnd;
    result.bytesBeforeLauncher = transfers.filter((t) => t.at <= launcherWall).reduce((a, t) => a + t.bytes, 0);
    if (profileName === "desktop" && variant === "static") {
      await page.getByRole("button", { name: /open chat/i }).click();
      await page.getByRole("dialog").waitFor({ state: "visible" });
      await page.waitForLoadState("networkidle");
      result.bytesOpened = transfers.reduce((a, t) => a + t.bytes, 0);
      result.files = [...new Set(transfers.map((t) => t.url.split("/").pop()))].join(", ");
    }
  }
  await context.close();
  return result;
}

const cell = (xs) => `${median(xs).toFixed(1)} / ${p90(xs).toFixed(1)}`;

function profileTable(profileName, results) {
  const base = median(results.none.map((r) => r.load));
  console.log(`\n### ${profileName} (${runs} runs of each, fresh context, localhost; median / p90)\n`);
  console.log("| snippet | load event ms | load Δ vs no widget (medians) ms | web-widget.js requested before load | launcher visible ms (from navigation) | web-widget.js arrived → launcher ms | before the launcher KB |");
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  for (const [variant, rs] of Object.entries(results)) {
    const loads = rs.map((r) => r.load);
    if (variant === "none") {
      console.log(`| no widget | ${cell(loads)} | – | – | – | – | – |`);
      continue;
    }
    const delta = median(loads) - base;
    console.log(`| ${variant} | ${cell(loads)} | ${delta >= 0 ? "+" : ""}${delta.toFixed(1)} | ${rs.filter((r) => r.loaderBeforeLoad).length} of ${rs.length} | ${cell(rs.map((r) => r.launcher))} | ${cell(rs.map((r) => r.moduleToLauncher))} | ${kb(median(rs.map((r) => r.bytesBeforeLauncher)))} |`);
  }
}

// Serves the demo page with each snippet, and allows its origin on the demo workspace.
async function startHostPages() {
  const html = await (await fetch(demo)).text();
  const pages = Object.fromEntries(Object.keys(VARIANTS).map((v) => [`/${encodeURIComponent(v)}`, rewrite(html, v)]));
  const server = createServer((req, res) => {
    const body = pages[req.url];
    res.writeHead(body ? 200 : 404, { "content-type": "text/html; charset=utf-8" });
    res.end(body ?? "");
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  host = `http://localhost:${server.address().port}`;
  const login = await fetch(`${api}/api/dashboard/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "admin@northwind.example", password: adminPassword }),
  });
  if (!login.ok) throw new Error(`signing in as the demo admin: ${login.status} ${await login.text()}`);
  const cookie = login.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const added = await fetch(`${api}/api/dashboard/settings/domains`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie },
    body: JSON.stringify({ origin: host }),
  });
  if (!added.ok) throw new Error(`allowing ${host}: ${added.status} ${await added.text()}`);
  return server;
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
      LIVECHAT_DEMO_ADMIN_PASSWORD: adminPassword,
      RUST_LOG: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    await waitFor(`${api}/health`);
    const hostPages = await startHostPages();
    const browser = await chromium.launch(launchOptions);
    const profiles = (process.env.PROFILES ?? "desktop,phone").split(",");
    const variants = Object.keys(VARIANTS);
    console.log("\n## In headless Chromium: the host page's load event and the launcher, by snippet\n");
    console.log("Snippets: `static` imports web-widget.js in the page's module script (the seed's form); `dynamic` calls `import()` at once; `after load` calls it from the `load` event. Separate page loads differ by tens of ms on their own (more on the phone profile): the column of runs where web-widget.js was requested before the page's load event says which snippets can delay it at all.");
    let opened;
    for (const profileName of profiles) {
      const results = Object.fromEntries(variants.map((v) => [v, []]));
      // One warm-up of each, not counted; then the variants interleaved, run after run.
      for (const v of variants) await measure(browser, v, profileName);
      for (let i = 0; i < runs; i++) {
        for (const v of variants) results[v].push(await measure(browser, v, profileName));
      }
      profileTable(profileName, results);
      if (profileName === "desktop") opened = results.static;
    }
    await browser.close();
    hostPages.close();
    if (opened) {
      console.log("\n| transferred (gzip, with headers), desktop, static snippet | KB |");
      console.log("|---|---:|");
      console.log(`| before the launcher is visible | ${kb(median(opened.map((r) => r.bytesBeforeLauncher)))} |`);
      console.log(`| whole widget once the panel is open | ${kb(median(opened.map((r) => r.bytesOpened)))} |`);
      console.log(`\nPanel code requested before the host's load event in ${opened.filter((r) => r.panelBeforeLoad).length} of ${runs} runs.`);
      console.log(`Widget files fetched: ${opened[opened.length - 1].files}`);
    }
  } finally {
    server.kill("SIGTERM");
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
