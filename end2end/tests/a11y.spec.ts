import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { randomUUID } from "node:crypto";
import { API_ORIGIN, signIn } from "../support/demo";

// axe-core audits (WCAG 2.1 A and AA rules) of the widget in each of its states and of every
// dashboard page: no serious or critical finding. The widget lives in an open shadow root,
// which axe walks.

/** The serious and critical findings on the page, as readable lines. */
async function findings(page: Page, include?: string): Promise<string[]> {
  let builder = new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]);
  if (include) builder = builder.include(include);
  const { violations } = await builder.analyze();
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .flatMap((v) => v.nodes.map((n) => `${v.impact} ${v.id}: ${v.help} — ${n.target.join(" ")} — ${n.failureSummary ?? ""}`));
}

test.describe("the widget", () => {
  test("closed, its contact form with errors, and a conversation", async ({ page }) => {
    await page.goto("/");
    const launcher = page.getByRole("button", { name: /open chat/i });
    await expect(launcher).toBeVisible();
    expect(await findings(page, "livechat-widget"), "closed").toEqual([]);

    await launcher.click();
    const chat = page.getByRole("dialog");
    await expect(chat).toBeVisible();
    await chat.getByLabel("Email").fill("not-an-email");
    await chat.getByLabel("Email").press("Enter");
    await expect(chat.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
    expect(await findings(page, "livechat-widget"), "the form with errors").toEqual([]);

    await chat.getByLabel("Name").fill("Ada Audit");
    await chat.getByLabel("Email").fill(`ada.audit.${Date.now()}@example.com`);
    await chat.getByLabel("Email").press("Enter");
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("Do you ship to Canada?");
    await box.press("Enter");
    await expect(page.getByRole("log", { name: "Messages" }).locator(".lc-msg--assistant").last()).toContainText(/Canada/);
    expect(await findings(page, "livechat-widget"), "a conversation").toEqual([]);
  });

  test("the unavailable state of a refused token", async ({ page }) => {
    // The demo page with a token the server does not know.
    await page.route("**/api/widgets/**", async (route) => {
      const headers = { ...route.request().headers(), authorization: "Bearer wt_revoked" };
      await route.continue({ headers });
    });
    await page.goto("/");
    await page.getByRole("button", { name: /open chat/i }).click();
    await expect(page.getByTestId("widget-unavailable")).toBeVisible();
    expect(await findings(page, "livechat-widget"), "unavailable").toEqual([]);
  });
});

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
    "/settings/proactive",
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
      if (path === "/settings/proactive") {
        // A new rule's editor with its preview, and the errors of saving it empty (refused
        // before it is sent: the workspace is not changed).
        await page.getByTestId("proactive-add").click();
        await expect(page.getByTestId("proactive-preview-bubble")).toBeVisible();
        await page.getByTestId("proactive-save").click();
        await expect(page.getByTestId("error-name").first()).toBeVisible();
        expect(await findings(page), "a rule with errors").toEqual([]);
      }
    });
  }
});
