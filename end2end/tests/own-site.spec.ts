import { expect, test, type Page } from "@playwright/test";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

// A business from nothing to its own widget on its own site, on a server started with an empty
// data directory and no demo (the second server of playwright.config.ts): create the workspace,
// allow the site's origin, add knowledge, issue a token, paste the ES-module snippet into a page
// on another origin, chat there, revoke the token, invite an agent.
const API = `http://127.0.0.1:${process.env.E2E_EMPTY_PORT ?? 18182}`;
const OWNER = { company: "Harbour Bikes", name: "Ola Owner", email: "ola@harbour.example", password: "owner-password-123" };

/** Serves `html` at `/` on localhost:<free port>: the customer's own site. */
async function hostSite(html: () => string): Promise<{ origin: string; server: Server }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(html());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://localhost:${port}`, server };
}

async function field(page: Page, testId: string, value: string) {
  const input = page.getByTestId(testId);
  await input.fill(value);
}

test("a business sets up its own widget on its own site from an empty server", async ({ browser }) => {
  test.setTimeout(180_000);
  let snippet = "";
  const site = await hostSite(() => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Harbour Bikes</title></head>
<body><h1>Harbour Bikes</h1>${snippet}</body></html>`);
  try {
    // 1. First run: the dashboard offers to create the workspace.
    const adminContext = await browser.newContext();
    const admin = await adminContext.newPage();
    await admin.goto(`${API}/`);
    await expect(admin).toHaveURL(/\/setup$/);
    await field(admin, "setup-company", OWNER.company);
    await field(admin, "setup-name", OWNER.name);
    await field(admin, "setup-email", OWNER.email);
    await field(admin, "setup-password", OWNER.password);
    await admin.getByTestId("setup-submit").click();
    await expect(admin.getByTestId("me")).toHaveText(OWNER.name);

    // 2. Allowed domain: the page warns while the list is empty.
    await admin.goto(`${API}/settings/domains`);
    await expect(admin.getByTestId("domains-empty-warning")).toBeVisible();
    await field(admin, "domain-input", site.origin);
    await admin.getByTestId("domain-add").click();
    await expect(admin.getByTestId("domain").filter({ hasText: site.origin })).toBeVisible();
    await expect(admin.getByTestId("domains-empty-warning")).toHaveCount(0);

    // 3. Knowledge the assistant answers from, added a minute before the visitor asks.
    await admin.goto(`${API}/settings/assistants`);
    await admin.getByTestId("assistant-link").first().click();
    await expect(admin).toHaveURL(/\/settings\/assistants\/[^/]+$/);
    await field(admin, "new-entry-question", "Do you deliver bikes on Sundays?");
    await field(admin, "new-entry-answer", "Yes: Sunday deliveries run from 10am to 4pm, free within the city.");
    await field(admin, "new-entry-keywords", "sunday, delivery, weekend");
    await admin.getByTestId("add-entry-submit").click();
    await expect(admin.getByTestId("knowledge-row").filter({ hasText: "Sundays" })).toBeVisible();

    // 4. A widget token and its ES-module snippet, with the token and the API's URL filled in.
    await admin.goto(`${API}/settings/tokens`);
    await field(admin, "token-label", "Harbour website");
    await admin.getByTestId("token-issue").click();
    const esm = admin.getByTestId("snippet-esm");
    await expect(esm).toBeVisible();
    snippet = (await esm.textContent()) ?? "";
    expect(snippet).toContain("renderWebWidget");
    expect(snippet).toContain(API);
    const token = snippet.match(/wt_[0-9a-f]+/)?.[0] ?? "";
    expect(token).not.toBe("");

    // 5. A visitor on the customer's site asks; the answer comes from the new entry.
    const visitorContext = await browser.newContext();
    const visitor = await visitorContext.newPage();
    await visitor.goto(`${site.origin}/`);
    await visitor.getByRole("button", { name: /open chat/i }).click();
    const panel = visitor.getByRole("dialog");
    await panel.getByLabel("Name").fill("Vic Visitor");
    await panel.getByLabel("Email").fill("vic@example.com");
    await panel.getByLabel("Email").press("Enter");
    const box = visitor.getByRole("textbox", { name: "Message" });
    await box.fill("Do you deliver bikes on Sundays?");
    await box.press("Enter");
    await expect(visitor.getByRole("log", { name: "Messages" }).getByText(/10am to 4pm/)).toBeVisible();

    // 6. Revoked: the widget says chat is unavailable (no endless retries); the API answers 401.
    await admin.getByTestId("token-row").filter({ hasText: "Harbour website" }).getByTestId("token-revoke").click();
    await admin.getByTestId("confirm-revoke").click();
    await expect(admin.getByTestId("token-row").filter({ hasText: "Harbour website" })).toContainText(/revoked/i);
    await visitor.reload();
    await visitor.getByRole("button", { name: /open chat/i }).click();
    await expect(visitor.getByTestId("widget-unavailable")).toBeVisible();
    // It stays put: no retry loop hammering the API.
    let widgetCalls = 0;
    visitor.on("request", (r) => { if (r.url().startsWith(`${API}/api/widgets/`)) widgetCalls++; });
    await visitor.waitForTimeout(3_000);
    expect(widgetCalls).toBe(0);
    const tenantId = snippet.match(/tenantId:\s*"([^"]+)"/)?.[1] ?? "";
    const config = await visitor.request.get(`${API}/api/widgets/${tenantId}/config`, {
      headers: { authorization: `Bearer ${token}`, origin: site.origin },
    });
    expect(config.status()).toBe(401);

    // 7. An invited agent opens the link, sets a password, sees the conversation, no settings.
    await admin.goto(`${API}/settings/teammates`);
    await field(admin, "invite-email", "aga@harbour.example");
    await admin.getByTestId("invite-role").selectOption("agent");
    await admin.getByTestId("invite-submit").click();
    await expect(admin.getByTestId("shown-link-value")).toHaveValue(/\/invitations\//);
    const link = (await admin.getByTestId("shown-link-value").inputValue()).trim();
    expect(link).toMatch(/\/invitations\//);
    const agentContext = await browser.newContext();
    const agent = await agentContext.newPage();
    await agent.goto(link);
    await expect(agent.getByTestId("invitation-email")).toContainText("aga@harbour.example");
    await field(agent, "invitation-name", "Aga Agent");
    await field(agent, "invitation-password", "agent-password-123");
    await agent.getByTestId("invitation-submit").click();
    await expect(agent.getByTestId("me")).toHaveText("Aga Agent");
    await expect(agent.getByTestId("conversation-item").filter({ hasText: "Vic Visitor" })).toBeVisible();
    // The link names the dashboard's own origin (here localhost; LIVECHAT_PUBLIC_URL in production).
    await agent.goto(`${new URL(link).origin}/settings/widget`);
    await expect(agent.getByTestId("admin-only")).toBeVisible();

    // 8. A change shows live in another admin tab, with no reload.
    const otherTab = await adminContext.newPage();
    await otherTab.goto(`${API}/settings/teammates`);
    const agentRow = (page: typeof admin) => page.getByTestId("member").filter({ hasText: "aga@harbour.example" });
    await expect(agentRow(otherTab).getByTestId("member-role")).toHaveValue("agent");
    await agentRow(admin).getByTestId("member-role").selectOption("viewer");
    await expect(agentRow(otherTab).getByTestId("member-role")).toHaveValue("viewer");

    // 9. Deactivating the teammate ends their open inbox at once; a reset link gives a new password.
    await agent.goto(`${API}/`);
    await expect(agent.getByTestId("connection")).toHaveAttribute("data-state", "live");
    await agentRow(admin).getByTestId("member-deactivate").click();
    await expect(agent).toHaveURL(/\/login/);
    await expect(agentRow(otherTab)).toContainText("Deactivated");
    await agentRow(admin).getByTestId("member-reactivate").click();
    await agentRow(admin).getByTestId("member-reset").click();
    await expect(admin.getByTestId("shown-link-value")).toHaveValue(/\/reset-password\//);
    const reset = (await admin.getByTestId("shown-link-value").inputValue()).trim();
    await agent.goto(reset);
    await expect(agent.getByTestId("reset-email")).toHaveText("aga@harbour.example");
    await field(agent, "reset-password", "a-new-agent-password");
    await agent.getByTestId("reset-submit").click();
    await expect(agent.getByTestId("reset-done")).toBeVisible();
    await agent.goto(`${API}/login`);
    await agent.locator("input[name=email]").fill("aga@harbour.example");
    await agent.locator("input[name=password]").fill("a-new-agent-password");
    await agent.locator("button[type=submit]").click();
    await expect(agent.getByTestId("me")).toHaveText("Aga Agent");
  } finally {
    site.server.close();
  }
});
