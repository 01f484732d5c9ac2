// Dashboard weight and speed, measured in headless Chromium against the real server. Prints
// figures; asserts nothing. Run through ../../scripts/bench-dashboard.sh (which builds first).
//
// What it reports:
//  - raw and gzip bytes of each dashboard file as built (dist/dashboard), and the totals of its
//    two apps: the inbox's (what an agent downloads; the budget is 300 KB gzip) and the settings'
//    (loaded only when someone opens a settings page);
//  - bytes transferred (as served, gzip) until the inbox shows its first rows;
//  - time from navigation to the inbox's first conversation row, signed in, on the seeded demo
//    workspace (a fresh data dir with a few demo conversations).
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { chromium } from "@playwright/test";
import { kb, launchOptions, median, p90, waitFor } from "./support.mjs";

const root = resolve(import.meta.dirname, "..", "..");
const runs = Number(process.env.RUNS ?? 15);
const apiPort = 18380;
const demoPort = 18381;
const api = `http://127.0.0.1:${apiPort}`;
const password = "bench-admin-password";
const serverBin = join(process.env.CARGO_TARGET_DIR ?? join(root, "target"), "release", "server");
const dashboardDir = join(root, "dist", "dashboard");

/** The files of each dashboard app (see dashboard/src/route.rs); the stylesheet is shared. */
const apps = {
  inbox: ["index.html", "boot.js", "dashboard.js", "dashboard_bg.wasm", "dashboard.css"],
  settings: ["settings.html", "settings-boot.js", "settings.js", "settings_bg.wasm", "dashboard.css"],
};

function fileTable() {
  console.log("\n## Dashboard files as built (dist/dashboard)\n");
  console.log("| app | file | raw KB | gzip -9 KB |");
  console.log("|---|---|---:|---:|");
  const built = new Set(readdirSync(dashboardDir));
  for (const [app, files] of Object.entries(apps)) {
    let raw = 0;
    let gz = 0;
    for (const f of files) {
      if (!built.has(f)) throw new Error(`${f} is missing from ${dashboardDir}: run scripts/build-dashboard.sh`);
      const bytes = readFileSync(join(dashboardDir, f));
      const g = gzipSync(bytes, { level: 9 }).length;
      raw += statSync(join(dashboardDir, f)).size;
      gz += g;
      console.log(`| ${app} | ${f} | ${kb(bytes.length)} | ${kb(g)} |`);
    }
    console.log(`| **${app}** | **total** | ${kb(raw)} | ${kb(gz)} |`);
  }
}

/** Signs in once through the API and returns the session cookie for new contexts. */
async function sessionCookie() {
  const response = await fetch(`${api}/api/dashboard/login`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: api },
    body: JSON.stringify({ email: "admin@northwind.example", password }),
  });
  if (!response.ok) throw new Error(`login: ${response.status} ${await response.text()}`);
  const cookie = response.headers.get("set-cookie").split(";")[0];
  const [name, value] = cookie.split("=");
  return { name, value, domain: "127.0.0.1", path: "/", httpOnly: true, sameSite: "Strict" };
}

/** Starts a few conversations on the demo workspace so the inbox has rows to show. */
async function seedConversations() {
  const demo = `http://localhost:${demoPort}`;
  const page = await (await fetch(`${demo}/`)).text();
  const token = page.match(/token:\s*"([^"]+)"/)?.[1];
  const tenant = page.match(/tenantId:\s*"([^"]+)"/)?.[1];
  if (!token || !tenant) throw new Error("could not read the demo page's widget options");
  const headers = { "content-type": "application/json", authorization: `Bearer ${token}`, origin: demo };
  for (let i = 0; i < 5; i++) {
    const session = await (await fetch(`${api}/api/widgets/${tenant}/sessions`, { method: "POST", headers })).json();
    const contact = await fetch(`${api}/api/widgets/${tenant}/sessions/${session.sessionId}/contact`, {
      method: "PUT",
      headers,
      body: JSON.stringify({ name: `Bench Visitor ${i}`, email: `bench${i}@example.com` }),
    });
    if (!contact.ok) throw new Error(`contact: ${contact.status} ${await contact.text()}`);
    const chat = await fetch(`${api}/api/widgets/${tenant}/chat`, {
      method: "POST",
      headers,
      body: JSON.stringify({ sessionId: session.sessionId, message: `What are your opening hours? (${i})`, clientMessageId: `bench-${i}` }),
    });
    if (!chat.ok) throw new Error(`chat: ${chat.status} ${await chat.text()}`);
  }
}

async function measure(browser, cookie) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addCookies([cookie]);
  const page = await context.newPage();
  const transfers = [];
  page.on("requestfinished", async (request) => {
    const sizes = await request.sizes().catch(() => null);
    transfers.push({ at: Date.now(), bytes: sizes ? sizes.responseBodySize + sizes.responseHeadersSize : 0 });
  });
  const start = Date.now();
  await page.goto(`${api}/`);
  await page.locator("[data-testid=conversation-item]").first().waitFor({ state: "visible", timeout: 15_000 });
  const firstRows = await page.evaluate(() => performance.now());
  const shownAt = start + firstRows;
  const bytes = transfers.filter((t) => t.at <= shownAt + 50).reduce((a, t) => a + t.bytes, 0);
  await context.close();
  return { firstRows, bytes };
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
      LIVECHAT_DASHBOARD_DIR: dashboardDir,
      LIVECHAT_WIDGET_DIR: join(root, "dist", "widget"),
      LIVECHAT_PUBLIC_DIR: join(root, "public"),
      LIVECHAT_DEMO_ADMIN_PASSWORD: password,
      RUST_LOG: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    await waitFor(`${api}/health`);
    await seedConversations();
    const cookie = await sessionCookie();
    const browser = await chromium.launch(launchOptions);
    await measure(browser, cookie); // warm-up, not counted
    const results = [];
    for (let i = 0; i < runs; i++) results.push(await measure(browser, cookie));
    await browser.close();
    console.log(`\n## In headless Chromium (${runs} runs, fresh context each, localhost; median / p90)\n`);
    console.log("| measure | value |");
    console.log("|---|---:|");
    console.log(`| navigation → inbox's first rows, ms | ${median(results.map((r) => r.firstRows)).toFixed(1)} / ${p90(results.map((r) => r.firstRows)).toFixed(1)} |`);
    console.log(`| transferred until then (gzip, with headers), KB | ${kb(median(results.map((r) => r.bytes)))} |`);
  } finally {
    server.kill("SIGTERM");
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
