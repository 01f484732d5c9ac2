import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { randomUUID } from "node:crypto";

// A client's page in the browser. Each test makes its own workspace on the signup-open server
// (the third of playwright.config.ts) and its clients by chatting as visitors through the widget
// API, so the clients, mentions and duplicates are exactly the ones it made.
const API = `http://127.0.0.1:${process.env.E2E_SIGNUP_PORT ?? 18183}`;

/** Creates a workspace and signs its owner in (the first run's `POST /api/setup/workspace`). */
async function newWorkspace(page: Page, tag: string): Promise<void> {
  const created = await page.request.post(`${API}/api/setup/workspace`, {
    data: {
      companyName: `Clients ${tag}`,
      name: "Ada Admin",
      email: `ada.${tag}@example.com`,
      password: "owner-password-123",
    },
  });
  expect(created.status(), await created.text()).toBe(201);
}

/** The widget's side: a token for the workspace and the calls the widget makes with it. */
class Widget {
  constructor(
    private readonly request: APIRequestContext,
    private readonly tenantId: string,
    private readonly token: string,
  ) {}

  static async issue(page: Page): Promise<Widget> {
    const issued = await page.request.post(`${API}/api/dashboard/settings/tokens`, {
      data: { label: "e2e visitors" },
    });
    expect(issued.status(), await issued.text()).toBe(201);
    const body = await issued.json();
    return new Widget(page.request, body.tenantId, body.secret);
  }

  private url(path: string): string {
    return `${API}/api/widgets/${this.tenantId}${path}`;
  }

  private get headers() {
    return { Authorization: `Bearer ${this.token}` };
  }

  /** A visitor gives a name and email (unverified) and writes `text`: answers the conversation. */
  async visitorSays(name: string, email: string, text: string): Promise<string> {
    const session = await this.request.post(this.url("/sessions"), { headers: this.headers });
    expect(session.status(), await session.text()).toBe(201);
    const { sessionId } = await session.json();
    const contact = await this.request.put(this.url(`/sessions/${sessionId}/contact`), {
      headers: this.headers,
      data: { name, email },
    });
    expect(contact.status(), await contact.text()).toBe(200);
    const chat = await this.request.post(this.url("/chat"), {
      headers: this.headers,
      data: { sessionId, message: text, clientMessageId: randomUUID() },
    });
    expect(chat.status(), await chat.text()).toBe(200);
    return (await chat.json()).conversationId;
  }
}

/** Opens a client's page the way an agent gets there: the conversation, then the client panel's link. */
async function openClientPage(page: Page, conversationId: string) {
  await page.goto(`${API}/conversations/${conversationId}`);
  const link = page.getByTestId("client-panel").getByTestId("client-page-link");
  await link.click();
  await expect(page).toHaveURL(/\/clients\/[^/]+$/);
  await expect(page.getByTestId("client-name")).toBeVisible();
  await expect(page.getByTestId("connection")).toHaveAttribute("data-state", "live");
}

test("an agent edits a client's profile, applies a mention and merges a duplicate into one timeline", async ({ browser }) => {
  const tag = `cp${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const context = await browser.newContext();
  const page = await context.newPage();
  await newWorkspace(page, tag);
  const widget = await Widget.issue(page);

  // Bo chats first; then Ann writes a phone number and Bo's email: Bo may be Ann.
  const boEmail = `bo.${tag}@example.com`;
  const boSays = `Hello from Bo ${tag}`;
  const boConversation = await widget.visitorSays(`Bo ${tag}`, boEmail, boSays);
  const annSays = `Call me on +1 415 555 0123 or write to ${boEmail}`;
  const annConversation = await widget.visitorSays(`Ann ${tag}`, `ann.${tag}@example.com`, annSays);

  await openClientPage(page, annConversation);
  await expect(page.getByTestId("client-name")).toHaveText(`Ann ${tag}`);
  // The heading has the focus after the page changed.
  await expect(page.getByTestId("client-name")).toBeFocused();
  await expect(page.getByTestId("client-email")).toHaveText(`ann.${tag}@example.com`);

  // An unverified visitor's words wait as mentions, marked so.
  const mentions = page.getByTestId("client-mentions");
  const phone = mentions.getByTestId("mention").filter({ hasText: "+14155550123" });
  await expect(phone.getByTestId("mention-marker")).toHaveText("unverified");
  const email = mentions.getByTestId("mention").filter({ hasText: boEmail });
  await expect(email.getByTestId("mention-marker")).toHaveText("unverified");
  await expect(page.getByTestId("client-phone")).toHaveText("—");

  // Applying the phone puts it on the client.
  await phone.getByRole("button", { name: "Use +14155550123 as the client's phone" }).click();
  await expect(page.getByTestId("client-phone")).toHaveText("+14155550123");
  await expect(mentions.getByTestId("mention").filter({ hasText: "+14155550123" })).toHaveCount(0);

  // Bo's email is Bo's: applying it is refused, and the message offers the merge instead.
  await email.getByRole("button", { name: `Use ${boEmail} as the client's email` }).click();
  await expect(email.getByTestId("mention-error")).toContainText(/another client has this email/i);
  await expect(email.getByTestId("merge-offer")).toBeVisible();
  await expect(email.getByTestId("mention-apply")).toHaveAttribute("aria-describedby", /mention-.*-error/);

  // The profile: a bad tag is refused beside the field, then a good profile is saved.
  const form = page.getByTestId("profile-form");
  await form.getByTestId("profile-company").fill("Acme Roasters");
  await form.getByTestId("profile-tags").fill("VIP, whole$ale");
  await form.getByTestId("profile-save").click();
  await expect(form.getByTestId("error-tags")).toContainText("may hold letters");
  await expect(form.getByTestId("profile-tags")).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByTestId("profile-tags")).toHaveAttribute("aria-describedby", /tags-error/);
  await form.getByTestId("profile-tags").fill("VIP, wholesale, vip");
  await form.getByTestId("profile-notes").fill(`Prefers texts. ${tag}`);
  await form.getByTestId("profile-save").click();
  await expect(form.getByTestId("profile-saved")).toBeVisible();
  await expect(form.getByTestId("error-tags")).toHaveCount(0);

  // Bo's page is open in another tab: it follows the merge to Ann's page.
  const boTab = await context.newPage();
  await openClientPage(boTab, boConversation);
  await expect(boTab.getByTestId("client-name")).toHaveText(`Bo ${tag}`);
  const boPage = boTab.url();

  // Merge Bo into Ann, after a confirm that says what happens.
  const duplicate = page.getByTestId("duplicates").getByTestId("duplicate").filter({ hasText: `Bo ${tag}` });
  await duplicate.getByTestId("merge-offer").click();
  const confirm = duplicate.getByTestId("merge-confirm");
  await expect(confirm).toContainText(`Merge Bo ${tag} into Ann ${tag}?`);
  await expect(confirm).toContainText("cannot be undone");
  await expect(confirm.getByTestId("merge-confirm-button")).toBeFocused();
  await confirm.getByTestId("merge-confirm-button").click();
  await expect(page.getByTestId("merged-notice")).toContainText(`Bo ${tag} was merged into this client`);
  await expect(page.getByTestId("duplicates").getByTestId("duplicate")).toHaveCount(0);

  // One client, both conversations, one timeline.
  await expect(page.getByTestId("client-conversation")).toHaveCount(2);
  const timeline = page.getByTestId("client-timeline");
  await expect(timeline.locator(`[data-conversation="${annConversation}"]`).getByText(annSays)).toBeVisible();
  await expect(timeline.locator(`[data-conversation="${boConversation}"]`).getByText(boSays)).toBeVisible();
  await expect(timeline.getByTestId("timeline-run").first()).toHaveAttribute("data-channel", "web");
  // Bo's email stays as a detail kept from the merge: verified.
  const kept = mentions.getByTestId("mention").filter({ hasText: boEmail });
  await expect(kept.getByTestId("mention-marker")).toHaveText("verified");

  // The other tab moved to Ann's page.
  await expect(boTab).toHaveURL(page.url());
  await expect(boTab.getByTestId("client-name")).toHaveText(`Ann ${tag}`);
  await expect(boTab.getByTestId("merged-notice")).toContainText("merged into this client by a teammate");

  // A reload (the server serves the page at its own address) shows what was saved, merged and
  // applied.
  await page.reload();
  await expect(page.getByTestId("client-name")).toHaveText(`Ann ${tag}`);
  await expect(page.getByTestId("client-phone")).toHaveText("+14155550123");
  await expect(page.getByTestId("profile-company")).toHaveValue("Acme Roasters");
  await expect(page.getByTestId("profile-tags")).toHaveValue("vip, wholesale");
  await expect(page.getByTestId("profile-notes")).toHaveValue(`Prefers texts. ${tag}`);
  await expect(page.getByTestId("client-conversation")).toHaveCount(2);

  // Bo's old address says the client is gone.
  await boTab.goto(boPage);
  await expect(boTab.getByTestId("client-error")).toContainText("No such client");

  // A conversation of the list opens in the inbox.
  await page.locator(`[data-testid="client-conversation"][data-id="${boConversation}"]`).click();
  await expect(page).toHaveURL(`${API}/conversations/${boConversation}`);
  await expect(page.getByTestId("conversation")).toHaveAttribute("data-id", boConversation);
  await context.close();
});
