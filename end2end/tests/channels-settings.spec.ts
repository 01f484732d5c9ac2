import { expect, test, type Page } from "@playwright/test";
import { createHmac } from "node:crypto";

// The channels settings in the browser: connecting an SMS number, an email address and a voice
// number with the forms, what the page shows of them (the webhook URLs, whether each secret is
// set, never the secret but the webhook secret once, right after connecting), and disconnecting
// them. Each test makes its own workspace on the signup-open server (the third of
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

/** Our webhooks' signature headers (email, voice), computed here independently of the server. */
function signed(secret: string, body: string): Record<string, string> {
  const ts = String(Math.floor(Date.now() / 1000));
  const mac = createHmac("sha256", secret).update(`${ts}.${body}`).digest("hex");
  return { "X-Livechat-Timestamp": ts, "X-Livechat-Signature": `sha256=${mac}` };
}

test("an admin connects an email address, copies its once-shown webhook secret, sees both webhook URLs, and disconnects it", async ({ page }) => {
  const tag = `em${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  await newWorkspace(page, tag);
  const address = `support.${tag}@shop.example`;
  const password = `smtp-${tag}-password`;
  const mailgunKey = `key-${tag}-mailgun`;

  await page.goto(`${API}/settings/channels`);
  await expect(page.getByTestId("email-empty")).toBeVisible();
  const form = page.getByTestId("email-form");
  await expect(form.getByLabel("SMTP port")).toHaveValue("587");
  await expect(form.getByLabel("Reply delay (seconds)")).toHaveValue("300");
  await expect(form.getByLabel("TLS")).toHaveValue("starttls");
  await expect(form.getByLabel("SMTP password (optional)")).toHaveAttribute("type", "password");
  await expect(form.getByLabel("Mailgun signing key (optional)")).toHaveAttribute("type", "password");

  // Checked before sending, beside the field at fault.
  await form.getByLabel("Inbound address").fill("support");
  await form.getByLabel("SMTP host").fill("127.0.0.1");
  await form.getByTestId("email-connect").click();
  await expect(form.getByTestId("error-inboundAddress")).toContainText("support@shop.example");
  await expect(form.getByLabel("Inbound address")).toHaveAttribute("aria-invalid", "true");
  await form.getByLabel("Inbound address").fill(address);
  await form.getByLabel("SMTP port").fill("70000");
  await form.getByTestId("email-connect").click();
  await expect(form.getByTestId("error-smtpPort")).toContainText("65535");
  await expect(page.getByTestId("email-channel")).toHaveCount(0);

  // Port 9 on this machine refuses connections: "send a test" shows the SMTP failure below.
  await form.getByLabel("SMTP port").fill("9");
  await form.getByLabel("TLS").selectOption("none");
  await form.getByLabel("From name (optional)").fill("Shop Support");
  await form.getByLabel("SMTP username (optional)").fill("postmaster");
  await form.getByLabel("SMTP password (optional)").fill(password);
  await form.getByLabel("Signature (optional)").fill("The Shop team");
  await form.getByLabel("Reply delay (seconds)").fill("90");
  await form.getByLabel("Mailgun signing key (optional)").fill(mailgunKey);
  await form.getByTestId("email-connect").click();

  // The webhook secret, this once, with a copy button.
  const once = page.getByTestId("email-secret");
  await expect(once).toContainText(`${address} is connected.`);
  await expect(once).toContainText("won't be shown again");
  await expect(once.getByTestId("copy-email-secret")).toBeVisible();
  const secret = (await once.getByTestId("email-secret-value").textContent())!.trim();
  expect(secret.length).toBeGreaterThanOrEqual(16);

  const card = page.getByTestId("email-channel").filter({ hasText: address });
  await expect(card.getByTestId("email-smtp")).toHaveText("127.0.0.1:9 (none)");
  await expect(card.getByTestId("smtp-password-state")).toHaveText("Set");
  await expect(card.getByTestId("mailgun-key-state")).toHaveText("Set");
  await expect(card.getByTestId("email-delay")).toHaveText("1 min 30 s");
  await expect(card).toContainText("Shop Support");
  await expect(card.getByTestId("email-webhook-url")).toHaveText(/^http.*\/webhooks\/email$/);
  await expect(card.getByTestId("email-mailgun-url")).toHaveText(/^http.*\/webhooks\/email\/mailgun\/.+\/mime$/);
  await expect(card.getByTestId("copy-email-webhook-url")).toBeVisible();
  await expect(card.getByTestId("copy-email-mailgun-url")).toBeVisible();
  await expect(card).toContainText("message/rfc822");
  await expect(card).toContainText("forward()");

  // The secret shown is the one the webhook checks: a mail signed with it is taken.
  const raw = `From: Jo <jo.${tag}@example.com>\r\nTo: ${address}\r\nSubject: Hello\r\n` +
    `Message-ID: <m.${tag}@example.com>\r\n\r\nIs the shop open on Sunday?\r\n`;
  const mail = await page.request.post(`${API}/webhooks/email`, {
    data: raw, headers: { "Content-Type": "message/rfc822", ...signed(secret, raw) },
  });
  expect(mail.status(), await mail.text()).toBe(204);

  // Nothing secret stays in the form or the page; the webhook secret goes once dismissed.
  await expect(form.getByLabel("SMTP password (optional)")).toHaveValue("");
  await expect(form.getByLabel("SMTP port")).toHaveValue("587");
  await once.getByTestId("email-secret-done").click();
  await expect(page.getByTestId("email-secret")).toHaveCount(0);
  for (const hidden of [password, mailgunKey, secret]) expect(await page.content()).not.toContain(hidden);
  await page.reload();
  await expect(page.getByTestId("email-channel").filter({ hasText: address })).toBeVisible();
  for (const hidden of [password, mailgunKey, secret]) expect(await page.content()).not.toContain(hidden);

  // "Send a test": the refusal of the SMTP server, said beside the input.
  const again = page.getByTestId("email-channel").filter({ hasText: address });
  const test = again.getByTestId("email-test-form");
  await test.getByLabel("Send a test email to").fill(`jo.${tag}@example.com`);
  await test.getByTestId("email-test-send").click();
  await expect(test.getByTestId("email-test-error")).toContainText("The SMTP server did not take it");
  await expect(test.getByTestId("email-test-to")).toHaveAttribute("aria-invalid", "true");

  await again.getByTestId("email-disconnect").click();
  await expect(again.getByRole("group", { name: "Confirm disconnecting" })).toContainText("Mail to it stops");
  await again.getByTestId("confirm-disconnect").click();
  await expect(page.getByTestId("email-empty")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Email addresses" })).toBeFocused();
});

test("an admin connects a voice number, copies its once-shown webhook secret, and disconnects it", async ({ page }) => {
  const tag = `vo${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  await newWorkspace(page, tag);
  const number = randomNumber();

  await page.goto(`${API}/settings/channels`);
  await expect(page.getByTestId("voice-empty")).toBeVisible();
  const form = page.getByTestId("voice-form");
  await form.getByLabel("Phone number").fill("415 555 0100");
  await form.getByTestId("voice-connect").click();
  await expect(form.getByTestId("error-phoneNumber")).toContainText("E.164");
  await form.getByLabel("Phone number").fill(number);
  await form.getByTestId("voice-connect").click();

  const once = page.getByTestId("voice-secret");
  await expect(once).toContainText(`${number} is connected.`);
  await expect(once).toContainText("won't be shown again");
  await expect(once.getByTestId("copy-voice-secret")).toBeVisible();
  const secret = (await once.getByTestId("voice-secret-value").textContent())!.trim();
  expect(secret.length).toBeGreaterThanOrEqual(16);
  await expect(form.getByLabel("Phone number")).toHaveValue("");

  const card = page.getByTestId("voice-channel").filter({ hasText: number });
  await expect(card.getByTestId("voice-webhook-url")).toHaveText(/^http.*\/webhooks\/voice$/);
  await expect(card.getByTestId("copy-voice-webhook-url")).toBeVisible();
  await expect(card).toContainText("X-Livechat-Signature");

  // The secret shown is the one the webhook checks: a call record signed with it is stored.
  const call = JSON.stringify({
    callId: `CA${tag}`, from: randomNumber(), to: number,
    startedAt: new Date(Date.now() - 60_000).toISOString(), endedAt: new Date().toISOString(),
    transcript: [{ speaker: "customer", text: "Hello?" }], summary: "A call.", outcome: "abandoned",
  });
  const posted = await page.request.post(`${API}/webhooks/voice`, {
    data: call, headers: { "Content-Type": "application/json", ...signed(secret, call) },
  });
  expect(posted.status(), await posted.text()).toBe(201);

  await once.getByTestId("voice-secret-done").click();
  await page.reload();
  expect(await page.content()).not.toContain(secret);
  const again = page.getByTestId("voice-channel").filter({ hasText: number });
  await again.getByTestId("voice-disconnect").click();
  await expect(again.getByRole("group", { name: "Confirm disconnecting" })).toContainText("calls stop");
  await again.getByTestId("confirm-disconnect").click();
  await expect(page.getByTestId("voice-empty")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Voice numbers" })).toBeFocused();
});

test("a voice number's test call goes through its webhook and lands in the inbox", async ({ page }) => {
  const tag = `vt${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  await newWorkspace(page, tag);
  const number = randomNumber();
  const caller = randomNumber();
  await page.goto(`${API}/settings/channels`);
  const form = page.getByTestId("voice-form");
  await form.getByLabel("Phone number").fill(number);
  await form.getByTestId("voice-connect").click();
  const card = page.getByTestId("voice-channel").filter({ hasText: number });

  const test = card.getByTestId("voice-test-form");
  await test.getByLabel("Place a test call from").fill("12345");
  await test.getByTestId("voice-test-send").click();
  await expect(test.getByTestId("voice-test-error")).toContainText("E.164");
  await test.getByLabel("Place a test call from").fill(caller);
  await test.getByTestId("voice-test-send").click();
  const sent = test.getByTestId("voice-test-sent");
  await expect(sent).toContainText(`A test call from ${caller} is in the inbox.`);
  await sent.getByRole("link", { name: "Open the conversation" }).click();
  await expect(page).toHaveURL(/\/conversations\/[^/]+$/);
  await expect(page.getByTestId("timeline")).toContainText("this is a test call from the settings page");
});
