import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";

// Settings → Usage in the browser. The demo admin's page shows what `GET /api/dashboard/usage`
// says (figures, the per-day table, a chart bar for today) and downloads the CSV. Then a
// workspace of its own on the signup-open server (the third of playwright.config.ts, started
// with LIVECHAT_PLANS=end2end/support/plans.toml) is put on a capped plan with the server's CLI,
// uses it up, and the widget on its site says no new chat can start.
const DEMO_API = `http://127.0.0.1:${process.env.E2E_API_PORT ?? 18180}`;
const SIGNUP_API = `http://127.0.0.1:${process.env.E2E_SIGNUP_PORT ?? 18183}`;
const ADMIN_EMAIL = "admin@northwind.example";
const ADMIN_PASSWORD = "e2e-admin-password";
const root = resolve(__dirname, "..", "..");
const SERVER_BIN = join(process.env.CARGO_TARGET_DIR ?? join(root, "target"), "debug", "server");

type PerChannel = { web: number; sms: number; email: number; voice: number };
type UsageReport = {
  cycleStart: string;
  cycleEnd: string;
  daysUsed: number;
  daysTotal: number;
  plan: { name: string; priceCents: number; conversations: number; atLimit: string } | null;
  conversations: PerChannel;
  messages: PerChannel;
  aiTokens: number;
  voiceMinutes: number;
  projectedConversations: number;
  projectedVoiceMinutes: number;
  overageCents: number | null;
  projectedOverageCents: number | null;
  projectedTotalCents: number | null;
  limitReached: boolean;
  days: { date: string; conversations: PerChannel }[];
};

const CHANNELS = ["web", "sms", "email", "voice"] as const;
const total = (c: PerChannel) => c.web + c.sms + c.email + c.voice;
const n = (v: number) => v.toLocaleString("en-US");
const dollars = (cents: number | null) =>
  cents === null ? "—" : `$${n(Math.floor(cents / 100))}.${String(cents % 100).padStart(2, "0")}`;

async function usage(request: APIRequestContext, api: string): Promise<UsageReport> {
  const response = await request.get(`${api}/api/dashboard/usage`);
  expect(response.status(), await response.text()).toBe(200);
  return response.json();
}

/** Reloads the page's figures and checks they are `report`'s. */
async function expectPageShows(page: Page, report: UsageReport) {
  await page.getByTestId("usage-refresh").click();
  await expect(page.getByTestId("usage-cycle")).toContainText(`day ${report.daysUsed} of ${report.daysTotal}`, { timeout: 2_000 });
  await expect(page.getByTestId("usage-conversations")).toHaveText(n(total(report.conversations)), { timeout: 2_000 });
  for (const channel of CHANNELS) {
    await expect(page.getByTestId(`usage-messages-${channel}`)).toContainText(n(report.messages[channel]), { timeout: 2_000 });
  }
  await expect(page.getByTestId("usage-ai-tokens")).toHaveText(n(report.aiTokens), { timeout: 2_000 });
  await expect(page.getByTestId("usage-voice-minutes")).toHaveText(n(report.voiceMinutes), { timeout: 2_000 });
  await expect(page.getByTestId("usage-overage")).toHaveText(dollars(report.overageCents), { timeout: 2_000 });
  await expect(page.getByTestId("usage-projected-conversations")).toHaveText(n(report.projectedConversations), { timeout: 2_000 });
  await expect(page.getByTestId("usage-projected-total")).toHaveText(dollars(report.projectedTotalCents), { timeout: 2_000 });
  // The table has every day so far, newest first, with the exact numbers.
  const rows = page.getByTestId("usage-day");
  await expect(rows).toHaveCount(report.days.length, { timeout: 2_000 });
  for (const day of report.days) {
    const row = rows.and(page.locator(`[data-date="${day.date}"]`));
    for (const channel of CHANNELS) {
      await expect(row.locator(`td[data-channel=${channel}]`)).toHaveText(String(day.conversations[channel]), { timeout: 2_000 });
    }
    await expect(row.locator("td[data-channel=total]")).toHaveText(String(total(day.conversations)), { timeout: 2_000 });
  }
}

test("the demo admin's usage page shows the cycle's figures, a chart bar for today and a CSV", async ({ browser }) => {
  // Usage today: a visitor chats on the demo site.
  const visitorContext = await browser.newContext();
  const visitor = await visitorContext.newPage();
  const tag = `us${Date.now().toString(36)}`;
  await visitor.goto("/");
  await visitor.getByRole("button", { name: /open chat/i }).click();
  const panel = visitor.getByRole("dialog");
  await panel.getByLabel("Name").fill(`Una ${tag}`);
  await panel.getByLabel("Email").fill(`una.${tag}@example.com`);
  await panel.getByLabel("Email").press("Enter");
  const box = visitor.getByRole("textbox", { name: "Message" });
  await box.fill(`How much is shipping? ${tag}`);
  await box.press("Enter");
  await expect(visitor.getByRole("log", { name: "Messages" }).getByText(tag)).toBeVisible();
  await visitorContext.close();

  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${DEMO_API}/`);
  await page.locator("input[name=email]").fill(ADMIN_EMAIL);
  await page.locator("input[name=password]").fill(ADMIN_PASSWORD);
  await page.locator("button[type=submit]").click();
  await expect(page.getByTestId("me")).toBeVisible();

  await page.goto(`${DEMO_API}/settings/usage`);
  await expect(page.getByTestId("nav-usage")).toHaveAttribute("aria-current", "page");
  await expect(page.getByTestId("usage-plan")).toHaveText("No plan: unlimited (usage is still counted)");
  await expect(page.getByTestId("usage-limit-reached")).toHaveCount(0);

  // Other specs chat with the demo at the same time: compare with a report fetched just before
  // the page reloads its own, until the two agree.
  let report: UsageReport | undefined;
  await expect(async () => {
    report = await usage(page.request, DEMO_API);
    await expectPageShows(page, report);
  }).toPass({ timeout: 30_000 });
  const shown = report!;
  const today = new Date().toISOString().slice(0, 10);
  const todays = shown.days.at(-1)!;
  expect(todays.date).toBe(today);
  expect(todays.conversations.web).toBeGreaterThan(0);

  // The chart: an image with a summary, a bar for today as tall as its total, a legend.
  const chart = page.getByTestId("usage-chart");
  await expect(chart).toHaveAttribute("role", "img");
  await expect(chart.locator("title").first()).toContainText("Conversations per day by channel");
  const bar = chart.locator(`[data-testid=usage-bar][data-date="${today}"]`);
  await expect(bar).toHaveCount(1);
  const barTotal = Number(await bar.getAttribute("data-total"));
  expect(barTotal).toBeGreaterThanOrEqual(total(todays.conversations));
  await expect(bar.locator("rect[data-channel=web]")).toHaveCount(1);
  expect(Number(await bar.locator("rect[data-channel=web]").getAttribute("height"))).toBeGreaterThan(0);
  await expect(page.getByTestId("usage-legend").locator("li")).toHaveText(["Web chat", "SMS", "Email", "Voice"]);

  // The CSV: the per-day table with its header, today in it.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("usage-csv").click()]);
  expect(download.suggestedFilename()).toMatch(/^usage-.*\.csv$/);
  const csv = readFileSync((await download.path())!, "utf8").trim().split("\n");
  expect(csv[0]).toBe("date,web,sms,email,voice,total");
  expect(csv.length).toBe(shown.days.length + 1);
  const todayRow = csv.find((line) => line.startsWith(`${today},`))!.split(",").map(Number);
  expect(todayRow[5]).toBe(todayRow[1] + todayRow[2] + todayRow[3] + todayRow[4]);
  expect(todayRow[5]).toBeGreaterThanOrEqual(total(todays.conversations));
  await context.close();
});

test("an agent gets no usage: the nav hides it and the server refuses", async ({ page }) => {
  // An agent of a new workspace (signup-open server): invited and signed in.
  const tag = `ua${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const owner = await newWorkspace(page, tag);
  const invited = await page.request.post(`${SIGNUP_API}/api/dashboard/teammates/invitations`, {
    data: { email: `agent.${tag}@example.com`, role: "agent" },
  });
  expect(invited.status(), await invited.text()).toBe(201);
  const link: string = (await invited.json()).link;
  const token = link.split("/").at(-1)!;
  await page.request.post(`${SIGNUP_API}/api/dashboard/logout`);
  const accepted = await page.request.post(`${SIGNUP_API}/api/invitations/${token}/accept`, {
    data: { name: "Andy Agent", password: "agent-password-123" },
  });
  expect(accepted.status(), await accepted.text()).toBeLessThan(300);
  expect(owner.tenantId).not.toBe("");

  const refused = await page.request.get(`${SIGNUP_API}/api/dashboard/usage`);
  expect(refused.status()).toBe(403);
  expect((await refused.json()).error.code).toBe("admin_only");
  await page.goto(`${SIGNUP_API}/settings/account`);
  await expect(page.getByTestId("nav-account")).toBeVisible();
  await expect(page.getByTestId("nav-usage")).toBeHidden();
  await page.goto(`${SIGNUP_API}/settings/usage`);
  await expect(page.getByTestId("admin-only")).toBeVisible();
});

/** Creates a workspace on the signup-open server and signs its owner in. */
async function newWorkspace(page: Page, tag: string): Promise<{ tenantId: string }> {
  const created = await page.request.post(`${SIGNUP_API}/api/setup/workspace`, {
    data: {
      companyName: `Usage ${tag}`,
      name: "Ada Admin",
      email: `ada.${tag}@example.com`,
      password: "owner-password-123",
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  return { tenantId: (await created.json()).tenantId };
}

/** Serves `html` at `/` on localhost:<free port>: the workspace's own site. */
async function hostSite(html: () => string): Promise<{ origin: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(html());
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://localhost:${port}`, server };
}

test("a capped plan used up: the usage page says the limit is reached and the widget says no new chat", async ({ browser }) => {
  const tag = `uc${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const context = await browser.newContext();
  const page = await context.newPage();
  const { tenantId } = await newWorkspace(page, tag);
  expect(tenantId).toMatch(/\S/);

  // The server's CLI puts the workspace on the capped plan (one conversation a cycle).
  const dataDir = process.env.E2E_SIGNUP_DATA_DIR;
  expect(dataDir, "playwright.config.ts exports the signup server's data directory").toBeTruthy();
  execFileSync(SERVER_BIN, ["set-plan", "--tenant", tenantId, "--plan", "e2e_capped"], {
    env: {
      ...process.env,
      LIVECHAT_DATA_DIR: dataDir!,
      LIVECHAT_PLANS: join(root, "end2end", "support", "plans.toml"),
      RUST_LOG: "warn",
    },
  });

  // A site of its own with the widget, and a token for it.
  let snippet = "";
  const site = await hostSite(() => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Capped</title></head>
<body><h1>Capped ${tag}</h1>${snippet}</body></html>`);
  try {
    const domain = await page.request.post(`${SIGNUP_API}/api/dashboard/settings/domains`, { data: { origin: site.origin } });
    expect(domain.status(), await domain.text()).toBeLessThan(300);
    const issued = await page.request.post(`${SIGNUP_API}/api/dashboard/settings/tokens`, { data: { label: "capped site" } });
    expect(issued.status(), await issued.text()).toBe(201);
    const token: string = (await issued.json()).secret;
    snippet = `<script type="module">
  import { renderWebWidget } from "${SIGNUP_API}/widget/web-widget.js";
  renderWebWidget({ tenantId: "${tenantId}", apiUrl: "${SIGNUP_API}", token: "${token}" });
</script>`;

    // The one included conversation, through the widget API.
    const widget = (path: string) => `${SIGNUP_API}/api/widgets/${tenantId}${path}`;
    const headers = { Authorization: `Bearer ${token}` };
    const startChat = async () => {
      const session = await page.request.post(widget("/sessions"), { headers });
      expect(session.status(), await session.text()).toBe(201);
      const { sessionId } = await session.json();
      const contact = await page.request.put(widget(`/sessions/${sessionId}/contact`), {
        headers,
        data: { name: "First Visitor", email: `first.${tag}@example.com` },
      });
      expect(contact.status(), await contact.text()).toBe(200);
      return page.request.post(widget("/chat"), {
        headers,
        data: { sessionId, message: "Hello, first chat", clientMessageId: randomUUID() },
      });
    };
    const first = await startChat();
    expect(first.status(), await first.text()).toBe(200);
    // The next new one is refused with a stable code.
    const second = await startChat();
    expect(second.status()).toBe(429);
    expect(JSON.stringify(await second.json())).toContain("usage_limit");

    // The usage page: the plan, its price, "Hard cap", and the limit reached.
    await page.goto(`${SIGNUP_API}/settings/usage`);
    await expect(page.getByTestId("usage-plan-name")).toHaveText("E2E Capped");
    await expect(page.getByTestId("usage-plan-price")).toHaveText("$19.99");
    await expect(page.getByTestId("usage-plan-rule")).toHaveText("Hard cap");
    await expect(page.getByTestId("usage-conversations-card")).toContainText("1 of 1 included");
    await expect(page.getByTestId("usage-limit-reached")).toBeVisible();
    const report = await usage(page.request, SIGNUP_API);
    expect(report.limitReached).toBe(true);
    await expect(page.getByTestId("usage-overage")).toHaveText(dollars(report.overageCents));
    await expect(page.getByTestId("usage-projected-total")).toHaveText(dollars(report.projectedTotalCents));

    // A visitor on the site: the widget shows the server's friendly sentence.
    const visitorContext = await browser.newContext();
    const visitor = await visitorContext.newPage();
    await visitor.goto(`${site.origin}/`);
    await visitor.getByRole("button", { name: /open chat/i }).click();
    const panel = visitor.getByRole("dialog");
    await panel.getByLabel("Name").fill("Late Visitor");
    await panel.getByLabel("Email").fill(`late.${tag}@example.com`);
    await panel.getByLabel("Email").press("Enter");
    const box = visitor.getByRole("textbox", { name: "Message" });
    await box.fill("Is anyone there?");
    await box.press("Enter");
    await expect(panel.getByText(/We can't start new chats right now/)).toBeVisible();
    await visitorContext.close();
  } finally {
    site.server.close();
    await context.close();
  }
});
