import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { createHmac } from "node:crypto";
import { API_ORIGIN, signIn } from "../support/demo";

// Every channel in one timeline, in a real browser: a customer texts (signed like Twilio signs),
// mails (signed like the email webhook) and calls (a signed call record) while an agent has
// their client page open; each lands there live, and the agent answers the text, which reaches
// Twilio's API (a stub that lists what it was asked to send). Signatures are computed here with
// Node's crypto, independently of the server's code.
const TWILIO = `http://127.0.0.1:${process.env.E2E_TWILIO_PORT ?? 18189}`;
const ACCOUNT = `AC${"e2e0".repeat(8)}`;
const TOKEN = "e2e-twilio-auth-token";

async function postJson(api: APIRequestContext, path: string, data: unknown) {
  const response = await api.post(`${API_ORIGIN}${path}`, { data, headers: { Origin: API_ORIGIN } });
  expect(response.status(), await response.text()).toBeLessThan(300);
  return response.json();
}

/** Twilio's documented signature: HMAC-SHA1 over the URL and the sorted name+value pairs. */
function twilioSignature(url: string, params: Record<string, string>): string {
  const data = Object.keys(params).sort().reduce((acc, k) => acc + k + params[k], url);
  return createHmac("sha1", TOKEN).update(data).digest("base64");
}

function signed(secret: string, body: string): Record<string, string> {
  const ts = String(Math.floor(Date.now() / 1000));
  const mac = createHmac("sha256", secret).update(`${ts}.${body}`).digest("hex");
  return { "X-Livechat-Timestamp": ts, "X-Livechat-Signature": `sha256=${mac}` };
}

test("a text, an email thread and a call land live in one client's timeline; the agent answers the text", async ({ page }) => {
  await signIn(page);
  const api = page.request;
  const n = String(Date.now() % 10_000).padStart(4, "0");
  const ourNumber = `+1415556${n}`;
  const customer = `+1415557${n}`;
  const voiceLine = `+1415558${n}`;
  const customerEmail = `jo.${n}@example.com`;
  const support = `support-${n}@northwind.example`;

  await postJson(api, "/api/dashboard/settings/channels/sms", {
    provider: "twilio", phoneNumber: ourNumber, accountSid: ACCOUNT, authToken: TOKEN,
  });
  const email = await postJson(api, "/api/dashboard/settings/channels/email", {
    inboundAddress: support, smtpHost: "127.0.0.1", smtpPort: 9, smtpTls: "none", replyDelaySecs: 86400,
  });
  const voice = await postJson(api, "/api/dashboard/settings/channels/voice", { phoneNumber: voiceLine });

  // The first text: signed by Twilio, from a number nobody knew. Jo says her email in it.
  const params: Record<string, string> = {
    MessageSid: `SM${n}${"0".repeat(28)}`, AccountSid: ACCOUNT, From: customer, To: ourNumber,
    Body: `Hi, Jo here (${customerEmail}). Is order 77 ready for pickup?`, NumMedia: "0",
  };
  const url = `${API_ORIGIN}/webhooks/sms/twilio`;
  const text = await api.post(url, { form: params, headers: { "X-Twilio-Signature": twilioSignature(url, params) } });
  expect(text.status()).toBe(200);

  const list = await (await api.get(`${API_ORIGIN}/api/dashboard/conversations?channel=sms`)).json();
  const sms = list.conversations.find((c: { client?: { phone?: string } }) => c.client?.phone === customer);
  expect(sms).toBeTruthy();
  const clientId = sms.client.id;
  await page.goto(`${API_ORIGIN}/clients/${clientId}`);
  const timeline = page.getByTestId("client-timeline");
  await expect(timeline.getByText(`Is order 77 ready for pickup?`, { exact: false })).toBeVisible();
  // The text came from the number itself: the email it mentions is on the client already.
  await expect(page.getByTestId("client-email")).toHaveText(customerEmail);

  // A mail thread from the same address arrives while the page is open.
  const raw = `From: Jo <${customerEmail}>\r\nTo: ${support}\r\nSubject: Pickup on Saturday\r\n` +
    `Message-ID: <e1.${n}@example.com>\r\n\r\nCan I pick order 77 up on Saturday?\r\n`;
  const mail = await api.post(`${API_ORIGIN}/webhooks/email`, {
    data: raw, headers: { "Content-Type": "message/rfc822", ...signed(email.webhookSecret, raw) },
  });
  expect(mail.status()).toBe(204);
  await expect(timeline.getByText("Can I pick order 77 up on Saturday?")).toBeVisible();

  // Then she calls.
  const call = JSON.stringify({
    callId: `CA${n}`, from: customer, to: voiceLine,
    startedAt: new Date(Date.now() - 90_000).toISOString(), endedAt: new Date().toISOString(),
    transcript: [
      { speaker: "assistant", text: "Northwind Coffee, how can I help?" },
      { speaker: "customer", text: `Calling about order 77 (${n}), is Saturday fine?` },
    ],
    summary: "Asked about picking up order 77 on Saturday.", outcome: "transferred",
  });
  const called = await api.post(`${API_ORIGIN}/webhooks/voice`, {
    data: call, headers: { "Content-Type": "application/json", ...signed(voice.webhookSecret, call) },
  });
  expect(called.status()).toBe(201);
  await expect(timeline.getByText(`Calling about order 77 (${n}), is Saturday fine?`)).toBeVisible();
  await expect(page.getByTestId("client-conversation")).toHaveCount(3);

  // The agent opens the text conversation from the client page and answers it.
  await page.locator(`[data-testid=client-conversation][data-id="${sms.id}"]`).click();
  const answer = `Yes, order 77 is ready (${n}).`;
  await page.getByTestId("reply-input").fill(answer);
  await page.getByTestId("reply-send").click();
  await expect(page.getByTestId("timeline").getByText(answer)).toBeVisible();
  await expect.poll(async () => {
    const sent: { To: string; Body: string; From?: string }[] = await (await api.get(`${TWILIO}/sent`)).json();
    return sent.find((s) => s.Body === answer && s.To === customer && s.From === ourNumber) ? "sent" : "not yet";
  }, { timeout: 15_000 }).toBe("sent");
  // Under the reply, live: queued, then sent once Twilio took it.
  const reply = page.getByTestId("timeline").getByTestId("message").filter({ hasText: answer });
  await expect(reply.getByTestId("delivery")).toHaveAttribute("data-status", "sent", { timeout: 15_000 });
  await expect(reply.getByTestId("delivery")).toHaveText("Sent");
});

test("an agent texts a number first from the inbox; the text reaches Twilio, and a number that texted STOP is refused", async ({ page }) => {
  await signIn(page);
  const api = page.request;
  const n = String(Date.now() % 10_000).padStart(4, "0");
  const ourNumber = `+1415566${n}`;
  const customer = `+1415567${n}`;
  const channel = await postJson(api, "/api/dashboard/settings/channels/sms", {
    provider: "twilio", phoneNumber: ourNumber, accountSid: ACCOUNT, authToken: TOKEN,
  });

  await page.getByTestId("start-sms-open").click();
  const dialog = page.getByRole("dialog", { name: "Text a number" });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel("From").selectOption({ label: ourNumber });
  // Checked before sending, beside the field at fault.
  await dialog.getByLabel("To").fill("12345");
  await dialog.getByLabel("Message").fill("Hello!");
  await dialog.getByTestId("start-sms-send").click();
  await expect(dialog.getByTestId("error-to")).toContainText("E.164");
  await expect(dialog.getByLabel("To")).toHaveAttribute("aria-invalid", "true");

  const text = `Your order 88 is ready for pickup (${n}).`;
  await dialog.getByLabel("To").fill(customer);
  await dialog.getByLabel("Message").fill(text);
  await dialog.getByTestId("start-sms-send").click();

  // The new conversation opens, the dialog closes, and the text reaches the provider.
  await expect(dialog).toBeHidden();
  await expect(page).toHaveURL(/\/conversations\/[^/]+$/);
  await expect(page.getByTestId("timeline").getByText(text)).toBeVisible();
  await expect.poll(async () => {
    const sent: { To: string; Body: string; From?: string }[] = await (await api.get(`${TWILIO}/sent`)).json();
    return sent.find((s) => s.Body === text && s.To === customer && s.From === ourNumber) ? "sent" : "not yet";
  }, { timeout: 15_000 }).toBe("sent");

  // The customer texts STOP: the next first text to them is refused, saying why.
  const params: Record<string, string> = {
    MessageSid: `SM${n}${"1".repeat(28)}`, AccountSid: ACCOUNT, From: customer, To: ourNumber,
    Body: "STOP", NumMedia: "0",
  };
  const url = `${API_ORIGIN}/webhooks/sms/twilio`;
  const stop = await api.post(url, { form: params, headers: { "X-Twilio-Signature": twilioSignature(url, params) } });
  expect(stop.status()).toBe(200);
  await page.getByTestId("start-sms-open").click();
  await dialog.getByLabel("From").selectOption({ label: ourNumber });
  await dialog.getByLabel("To").fill(customer);
  await dialog.getByLabel("Message").fill("One more thing…");
  await dialog.getByTestId("start-sms-send").click();
  await expect(dialog.getByTestId("error-to")).toContainText(`${customer} has opted out: they texted STOP`);
  await dialog.getByTestId("start-sms-cancel").click();
  await expect(dialog).toBeHidden();

  // The demo workspace is shared with other tests: leave it as it was.
  const gone = await api.delete(`${API_ORIGIN}/api/dashboard/settings/channels/sms/${channel.id}`, { headers: { Origin: API_ORIGIN } });
  expect(gone.status()).toBe(204);
});
