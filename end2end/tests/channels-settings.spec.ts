import { expect, test, type Page } from "@playwright/test";

// The channels settings in the browser: connecting an SMS number with the form, what the page
// shows of it (the webhook URLs, whether the secret is set, never the secret), and disconnecting
// it. Each test makes its own workspace on the signup-open server (the third of
// playwright.config.ts), and its own number: a number is connected to one workspace at most.
const API = `http://127.0.0.1:${process.env.E2E_SIGNUP_PORT ?? 18183}`;
// "Send a test" needs a provider: the demo server sends to a Twilio stub (playwright.config.ts),
// which lists what it was asked to send.
const DEMO_API = `http://127.0.0.1:${process.env.E2E_API_PORT ?? 18180}`;
const TWILIO = `http://127.0.0.1:${process.env.E2E_TWILIO_PORT ?? 18189}`;

/** Creates a workspace and signs its owner in (the first run's `POST /api/setup/workspace`). */
async function newWorkspace(page: Page, tag: string): Promise<void> {
  const created = await page.request.post(`${API}/api/setup/workspace`, {
    data: {
      companyName: `Channels ${tag}`,
      name: "Ada Admin",
      email: `ada.${tag}@example.com`,
      password: "owner-password-123",
    },
  });
  expect(created.status(), await created.text()).toBe(201);
}

/** A US number no other test uses: +1 415 then seven random digits. */
function randomNumber(): string {
  return `+1415${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
}

test("an admin connects a Twilio number, sees its webhook URLs but never its token, and disconnects it", async ({ page }) => {
  const tag = `ch${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  await newWorkspace(page, tag);
  const token = `tok${tag}secretvalue`;
  const number = randomNumber();

  await page.goto(`${API}/settings/channels`);
  await expect(page.getByTestId("nav-channels")).toHaveAttribute("aria-current", "page");
  await expect(page.getByTestId("sms-empty")).toBeVisible();

  // Telnyx asks for its own fields; Twilio's come back when chosen again.
  const form = page.getByTestId("sms-form");
  await form.getByLabel("Telnyx").check();
  await expect(form.getByLabel("API key")).toBeVisible();
  await expect(form.getByLabel("Public key")).toBeVisible();
  await expect(form.getByLabel("Account SID")).toHaveCount(0);
  await expect(form.getByTestId("sms-provider-help")).toContainText("Telnyx portal");
  await form.getByLabel("Twilio").check();
  await expect(form.getByTestId("sms-provider-help")).toContainText("Twilio's console");

  // A number not in E.164 is refused beside its field, before anything is sent.
  await form.getByLabel("Phone number").fill("415 555 0100");
  await form.getByLabel("Account SID").fill(`AC${"0123456789abcdef".repeat(2)}`);
  await form.getByLabel("Auth token").fill(token);
  await form.getByTestId("sms-connect").click();
  await expect(form.getByTestId("error-phoneNumber")).toContainText("E.164");
  await expect(form.getByTestId("sms-phone")).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByTestId("sms-phone")).toHaveAttribute("aria-describedby", /phoneNumber-error/);
  await expect(form.getByTestId("sms-auth-token")).toHaveAttribute("type", "password");
  await expect(page.getByTestId("sms-channel")).toHaveCount(0);

  // Fixed, it connects: the card shows the URLs to paste and that a token is set.
  await form.getByLabel("Phone number").fill(number);
  await form.getByTestId("sms-connect").click();
  await expect(form.getByTestId("sms-connected")).toContainText(`${number} is connected`);
  const card = page.getByTestId("sms-channel").filter({ hasText: number });
  await expect(card).toHaveAttribute("data-provider", "twilio");
  await expect(card.getByTestId("inbound-url")).toHaveText(/^http.*\/webhooks\/sms\/twilio$/);
  await expect(card.getByTestId("status-url")).toHaveText(/^http.*\/webhooks\/sms\/twilio\/status$/);
  await expect(card.getByTestId("copy-inbound-url")).toBeVisible();
  await expect(card.getByTestId("copy-status-url")).toBeVisible();
  await expect(card.getByTestId("secret-state")).toHaveText("Token set");
  await expect(card).toContainText("Messaging Service");

  // The token is nowhere: not in the emptied form, not in the page, not after a reload.
  await expect(form.getByTestId("sms-auth-token")).toHaveValue("");
  await expect(form.getByTestId("sms-phone")).toHaveValue("");
  expect(await page.content()).not.toContain(token);
  await page.reload();
  await expect(page.getByTestId("sms-channel").filter({ hasText: number })).toBeVisible();
  await expect(page.getByTestId("secret-state")).toHaveText("Token set");
  expect(await page.content()).not.toContain(token);

  // A second workspace's number cannot be this one: connecting it again is refused.
  await form.getByLabel("Phone number").fill(number);
  await form.getByLabel("Account SID").fill(`AC${"0123456789abcdef".repeat(2)}`);
  await form.getByLabel("Auth token").fill("another-token");
  await form.getByTestId("sms-connect").click();
  await expect(form.getByTestId("form-error")).toContainText(/connected already/i);

  // Disconnect, after a confirm.
  const again = page.getByTestId("sms-channel").filter({ hasText: number });
  await again.getByTestId("sms-disconnect").click();
  await expect(again.getByRole("group", { name: "Confirm disconnecting" })).toContainText("Texts to it stop");
  await again.getByTestId("confirm-disconnect").click();
  await expect(page.getByTestId("sms-channel")).toHaveCount(0);
  await expect(page.getByTestId("sms-empty")).toBeVisible();
  await expect(page.getByRole("heading", { name: "SMS numbers" })).toBeFocused();
  const stored = await (await page.request.get(`${API}/api/dashboard/settings/channels/sms`)).json();
  expect(stored).toEqual([]);
});

test("send a test: a bad number is refused beside its input, a good one shows the provider's message id", async ({ page }) => {
  const number = randomNumber();
  const to = randomNumber();
  await page.goto(`${DEMO_API}/settings/channels`);
  await page.locator("input[name=email]").fill("admin@northwind.example");
  await page.locator("input[name=password]").fill("e2e-admin-password");
  await page.locator("button[type=submit]").click();
  await expect(page).toHaveURL(`${DEMO_API}/settings/channels`);

  const form = page.getByTestId("sms-form");
  await form.getByLabel("Phone number").fill(number);
  await form.getByLabel("Account SID").fill(`AC${"e2e0".repeat(8)}`);
  await form.getByLabel("Auth token").fill("e2e-send-a-test-token");
  await form.getByTestId("sms-connect").click();
  const card = page.getByTestId("sms-channel").filter({ hasText: number });
  await expect(card.getByTestId("secret-state")).toHaveText("Token set");

  const test = card.getByTestId("sms-test-form");
  await test.getByLabel("Send a test text to").fill("12345");
  await test.getByTestId("sms-test-send").click();
  await expect(test.getByTestId("sms-test-error")).toContainText("E.164");
  await expect(test.getByTestId("sms-test-to")).toHaveAttribute("aria-invalid", "true");
  await test.getByLabel("Send a test text to").fill(to);
  await test.getByTestId("sms-test-send").click();
  await expect(test.getByTestId("sms-test-sent")).toContainText(/message id: SM\d{32}/);
  await expect(test.getByTestId("sms-test-error")).toHaveCount(0);
  const sent: { To: string; From?: string }[] = await (await page.request.get(`${TWILIO}/sent`)).json();
  expect(sent.some((s) => s.To === to && s.From === number)).toBe(true);

  // The demo workspace is shared with other tests: leave it as it was.
  await card.getByTestId("sms-disconnect").click();
  await card.getByTestId("confirm-disconnect").click();
  await expect(page.getByTestId("sms-channel").filter({ hasText: number })).toHaveCount(0);
});
