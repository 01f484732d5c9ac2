import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { randomUUID } from "node:crypto";

// axe-core audits (WCAG 2.1 A and AA rules) of every dashboard page: no serious or critical
// finding.
const API_ORIGIN = `http://127.0.0.1:${process.env.E2E_API_PORT ?? 18180}`;
const ADMIN_EMAIL = "admin@northwind.example";
const ADMIN_PASSWORD = "e2e-admin-password";

/** The serious and critical findings on the page, as readable lines. */
async function findings(page: Page, include?: string): Promise<string[]> {
  let builder = new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]);
  if (include) builder = builder.include(include);
  const { violations } = await builder.analyze();
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .flatMap((v) => v.nodes.map((n) => `${v.impact} ${v.id}: ${v.help} — ${n.target.join(" ")} — ${n.failureSummary ?? ""}`));
}

async function signIn(page: Page) {
  await page.goto(`${API_ORIGIN}/`);
  await page.locator("input[name=email]").fill(ADMIN_EMAIL);
  await page.locator("input[name=password]").fill(ADMIN_PASSWORD);
  await page.locator("button[type=submit]").click();
  await expect(page.getByTestId("me")).toBeVisible();
}

test.describe("the dashboard", () => {
  test("the sign-in page", async ({ page }) => {
    await page.goto(`${API_ORIGIN}/login`);
    await expect(page.locator("input[name=email]")).toBeVisible();
    expect(await findings(page)).toEqual([]);
  });

  test("the inbox, a conversation and a client", async ({ page }) => {
    // A conversation of the demo workspace, started through the widget API.
    const demo = await (await page.request.get("/")).text();
    const tenantId = /tenantId: "([^"]+)"/.exec(demo)?.[1];
    const token = /token: "([^"]+)"/.exec(demo)?.[1];
    const widget = (path: string) => `${API_ORIGIN}/api/widgets/${tenantId}${path}`;
    const headers = { Authorization: `Bearer ${token}` };
    const session = await page.request.post(widget("/sessions"), { headers });
    expect(session.status(), await session.text()).toBe(201);
    const { sessionId } = await session.json();
    const contact = await page.request.put(widget(`/sessions/${sessionId}/contact`), {
      headers,
      data: { name: "Ada Audit", email: `ada.audit.${Date.now()}@example.com` },
    });
    expect(contact.status(), await contact.text()).toBe(200);
    const chat = await page.request.post(widget("/chat"), {
      headers,
      data: { sessionId, message: "Do you ship to Canada?", clientMessageId: randomUUID() },
    });
    expect(chat.status(), await chat.text()).toBe(200);

    await signIn(page);
    await expect(page.getByTestId("conversation-item").first()).toBeVisible();
    expect(await findings(page), "inbox").toEqual([]);
    await page.getByTestId("conversation-item").first().click();
    await expect(page.getByTestId("conversation")).toBeVisible();
    expect(await findings(page), "conversation").toEqual([]);
    const client = page.locator("a[href^='/clients/']").first();
    await expect(client).toBeVisible();
    await client.click();
    await expect(page).toHaveURL(/\/clients\//);
    await page.waitForLoadState("networkidle");
    expect(await findings(page), "client").toEqual([]);
  });

  for (const path of [
    "/settings",
    "/settings/widget",
    "/settings/channels",
    "/settings/domains",
    "/settings/tokens",
    "/settings/identity",
    "/settings/safety",
    "/settings/intents",
    "/settings/assistants",
    "/settings/routing",
    "/settings/teammates",
    "/settings/usage",
    "/settings/audit",
    "/settings/account",
  ]) {
    test(`settings page ${path}`, async ({ page }) => {
      await signIn(page);
      await page.goto(`${API_ORIGIN}${path}`);
      await expect(page.locator("main h1, main h2").first()).toBeVisible();
      await page.waitForLoadState("networkidle");
      expect(await findings(page)).toEqual([]);
      if (path === "/settings/assistants") {
        await page.getByTestId("assistant-link").first().click();
        await expect(page).toHaveURL(/\/settings\/assistants\/[^/]+$/);
        await page.waitForLoadState("networkidle");
        expect(await findings(page), "an assistant").toEqual([]);
      }
    });
  }
});
