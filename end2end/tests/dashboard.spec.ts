import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { ADMIN_EMAIL, ADMIN_PASSWORD, API_ORIGIN, signIn as signInDemo } from "../support/demo";

// The dashboard is served by the API's origin; the visitor is on the demo host page (another
// origin). The demo admin's password is set by playwright.config.ts.

/** A small RFC 4180 reader: quoted fields, doubled quotes, newlines inside quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else {
      field += c;
    }
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Fails the test if any page of the context ever shows a JavaScript dialog (an XSS would). */
function forbidDialogs(context: BrowserContext, seen: string[]) {
  context.on("page", (p) => p.on("dialog", (d) => { seen.push(d.message()); void d.dismiss(); }));
}

async function signIn(page: Page) {
  await signInDemo(page);
  await expect(page.getByTestId("connection")).toHaveAttribute("data-state", "live");
}

const chat = (page: Page) => page.getByRole("dialog");
const widgetLog = (page: Page) => page.getByRole("log", { name: "Messages" });

async function visitorSays(page: Page, name: string, email: string, text: string) {
  await page.goto("/");
  await page.getByRole("button", { name: /open chat/i }).click();
  await chat(page).getByLabel("Name").fill(name);
  await chat(page).getByLabel("Email").fill(email);
  await chat(page).getByLabel("Email").press("Enter");
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await box.press("Enter");
  await expect(widgetLog(page).getByText(text)).toBeVisible();
}

test("a wrong password is refused with a message and no session", async ({ page }) => {
  await page.goto(`${API_ORIGIN}/`);
  await page.locator("input[name=email]").fill(ADMIN_EMAIL);
  await page.locator("input[name=password]").fill("not the password");
  await page.locator("button[type=submit]").click();
  await expect(page.getByRole("alert")).toContainText(/not right/i);
  await expect(page.getByTestId("me")).toHaveCount(0);
});

test("a visitor and an agent talk live: the agent takes over, replies, searches and exports", async ({ browser }) => {
  const dialogs: string[] = [];
  const visitorContext = await browser.newContext();
  const agentContext = await browser.newContext({ acceptDownloads: true });
  forbidDialogs(visitorContext, dialogs);
  forbidDialogs(agentContext, dialogs);
  const tag = `e2e${Date.now().toString(36)}`;
  const visitorName = `Vera ${tag}`;
  const hostile = `<img src=x onerror=alert(1)> hello ${tag}`;

  // The agent is signed in, in two tabs, before the visitor writes.
  const agent = await agentContext.newPage();
  await signIn(agent);
  const secondTab = await agentContext.newPage();
  await secondTab.goto(`${API_ORIGIN}/`);
  await expect(secondTab.getByTestId("connection")).toHaveAttribute("data-state", "live");

  const visitor = await visitorContext.newPage();
  await visitorSays(visitor, visitorName, `vera.${tag}@example.com`, hostile);

  // The visitor's message shows up on both tabs without a reload.
  for (const tab of [agent, secondTab]) {
    const item = tab.getByTestId("conversation-item").filter({ hasText: visitorName });
    await expect(item).toBeVisible();
  }
  const item = agent.getByTestId("conversation-item").filter({ hasText: visitorName });
  await item.click();
  const conversation = agent.getByTestId("conversation");
  await expect(conversation).toBeVisible();
  const visitorMessage = agent
    .getByTestId("timeline")
    .getByTestId("message")
    .filter({ hasText: tag })
    .first();
  await expect(visitorMessage).toHaveAttribute("data-author", "visitor");
  // Shown as text, in both apps: no <img> was made of it.
  await expect(visitorMessage.getByTestId("message-body")).toHaveText(hostile);
  await expect(agent.getByTestId("timeline").locator("img")).toHaveCount(0);

  // Take over, then reply: the reply reaches the open widget live.
  await agent.getByTestId("action-takeover").click();
  await expect(agent.getByTestId("action-handback")).toBeVisible();
  const reply = `A person here: we roast on Tuesdays (${tag}).`;
  await agent.getByTestId("reply-input").fill(reply);
  await agent.getByTestId("reply-send").click();
  await expect(agent.getByTestId("timeline").getByText(reply)).toBeVisible();
  await expect(widgetLog(visitor).getByText(reply)).toBeVisible();
  await expect(widgetLog(visitor).getByText(hostile)).toBeVisible();
  await expect(widgetLog(visitor).locator("img")).toHaveCount(0);

  // The second tab saw the same: the row's preview is the agent's reply.
  const otherRow = secondTab.getByTestId("conversation-item").filter({ hasText: visitorName });
  await expect(otherRow.getByTestId("preview")).toContainText(tag);
  await expect(otherRow.getByTestId("preview")).toContainText("A person here");

  // And after a reload the widget still has the reply in its history.
  await visitor.reload();
  await visitor.getByRole("button", { name: /open chat/i }).click();
  await expect(widgetLog(visitor).getByText(reply)).toBeVisible();

  // Search finds the conversation by a word of the visitor's message.
  await agent.getByTestId("search").fill(tag);
  await expect(agent.getByTestId("conversation-item")).toHaveCount(1);
  await expect(agent.getByTestId("conversation-item").first()).toContainText(visitorName);

  // The export of the filtered set downloads a CSV that parses, with the conversation in it.
  const [download] = await Promise.all([
    agent.waitForEvent("download"),
    agent.getByTestId("export").click(),
  ]);
  const path = await download.path();
  const rows = parseCsv(readFileSync(path!, "utf8"));
  expect(rows[0][0]).toBe("id");
  const dataRows = rows.slice(1).filter((r) => r.length > 1);
  expect(dataRows).toHaveLength(1);
  expect(dataRows[0].join(" ")).toContain(visitorName);

  expect(dialogs).toEqual([]);
  await visitorContext.close();
  await agentContext.close();
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 375, height: 700 }, isMobile: true, hasTouch: true });

  test("the list and a conversation take turns full screen, with a way back", async ({ browser, page }) => {
    const visitorContext = await browser.newContext();
    const visitor = await visitorContext.newPage();
    const tag = `phone${Date.now().toString(36)}`;
    await visitorSays(visitor, `Pia ${tag}`, `pia.${tag}@example.com`, `Hello from a phone ${tag}`);
    await signIn(page);
    const item = page.getByTestId("conversation-item").filter({ hasText: tag });
    await expect(item).toBeVisible();
    const itemBox = await item.boundingBox();
    expect(Math.round(itemBox!.width)).toBeGreaterThan(300);
    await item.click();
    await expect(page.getByTestId("timeline").getByText(`Hello from a phone ${tag}`)).toBeVisible();
    await expect(page.getByTestId("conversation-list")).toBeHidden();
    await page.getByRole("button", { name: /conversations/i }).first().click();
    await expect(page.getByTestId("conversation-list")).toBeVisible();
    await visitorContext.close();
  });
});

test("the inbox can be driven by keyboard alone", async ({ browser, page }) => {
  const visitorContext = await browser.newContext();
  const visitor = await visitorContext.newPage();
  const tag = `keys${Date.now().toString(36)}`;
  await visitorSays(visitor, `Kai ${tag}`, `kai.${tag}@example.com`, `Typing only ${tag}`);
  await page.goto(`${API_ORIGIN}/`);
  // Sign in with the keyboard.
  await page.locator("input[name=email]").focus();
  await page.keyboard.type(ADMIN_EMAIL);
  await page.keyboard.press("Tab");
  await page.keyboard.type(ADMIN_PASSWORD);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("me")).toBeVisible();
  // Search, then reach the conversation with Tab and open it with Enter.
  await page.getByTestId("search").focus();
  await page.keyboard.type(tag);
  await expect(page.getByTestId("conversation-item")).toHaveCount(1);
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(
      (t) => !!document.activeElement?.closest("[data-testid=conversation-item]")?.textContent?.includes(t),
      tag,
    );
  }
  expect(reached).toBe(true);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("timeline").getByText(`Typing only ${tag}`)).toBeVisible();
  // Reply with the keyboard: focus the reply box, type, Enter sends.
  await page.getByTestId("reply-input").focus();
  await page.keyboard.type(`Keyboard reply ${tag}`);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("timeline").getByText(`Keyboard reply ${tag}`)).toBeVisible();
  await expect(visitor.getByRole("log", { name: "Messages" }).getByText(`Keyboard reply ${tag}`)).toBeVisible();
  await visitorContext.close();
});

test("a visitor who only claims a known client's email is marked unverified", async ({ browser, page }) => {
  const tag = `claim${Date.now().toString(36)}`;
  const email = `jane.${tag}@example.com`;
  const owner = await browser.newContext();
  await visitorSays(await owner.newPage(), `Jane ${tag}`, email, `My order ${tag}`);
  const stranger = await browser.newContext();
  const strangerPage = await stranger.newPage();
  await visitorSays(strangerPage, `Mallory ${tag}`, email, `Pretending ${tag}`);
  // The widget shows the stranger only what they typed.
  await expect(chat(strangerPage)).not.toContainText(`Jane ${tag}`);

  await signIn(page);
  const claim = page.getByTestId("conversation-item").filter({ hasText: `Mallory ${tag}` });
  await expect(claim.getByTestId("unverified")).toBeVisible();
  // Each row shows the name its visitor gave: the claim is not filed under Jane's name.
  await expect(page.getByTestId("conversation-item").filter({ hasText: `Jane ${tag}` })).toHaveCount(1);
  await expect(claim).not.toContainText(`Jane ${tag}`);
  await claim.click();
  await expect(page.getByTestId("unverified-claim")).toContainText(`Mallory ${tag}`);
  await expect(page.getByTestId("client-panel")).toContainText(email);
  await owner.close();
  await stranger.close();
});

test("the dashboard runs under its Content-Security-Policy without a violation", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  const response = await page.goto(`${API_ORIGIN}/`);
  const csp = response?.headers()["content-security-policy"] ?? "";
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain("unsafe-inline");
  await page.evaluate(() => {
    (window as unknown as { seen: string[] }).seen = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { seen: string[] }).seen.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.locator("input[name=email]").fill(ADMIN_EMAIL);
  await page.locator("input[name=password]").fill(ADMIN_PASSWORD);
  await page.locator("button[type=submit]").click();
  await expect(page.getByTestId("me")).toBeVisible();
  // The WebSocket is allowed by connect-src 'self'.
  await expect(page.getByTestId("connection")).toHaveAttribute("data-state", "live");
  expect(await page.evaluate(() => (window as unknown as { seen: string[] }).seen)).toEqual([]);
  expect(violations).toEqual([]);
});

test("the inbox never downloads the settings app, and the two apps link to each other", async ({ page }) => {
  const fetched: string[] = [];
  page.on("request", (r) => fetched.push(new URL(r.url()).pathname));

  // Signed out, a settings page sends the teammate to the login page and back afterwards.
  await page.goto(`${API_ORIGIN}/settings/widget`);
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings%2Fwidget$/);
  await page.locator("input[name=email]").fill(ADMIN_EMAIL);
  await page.locator("input[name=password]").fill(ADMIN_PASSWORD);
  await page.locator("button[type=submit]").click();
  await expect(page).toHaveURL(`${API_ORIGIN}/settings/widget`);
  await expect(page.getByTestId("nav-widget")).toHaveAttribute("aria-current", "page");

  // Back to the inbox: the inbox app alone, signed in.
  await page.getByTestId("back-to-inbox").click();
  await expect(page).toHaveURL(`${API_ORIGIN}/`);
  await expect(page.getByTestId("connection")).toHaveAttribute("data-state", "live");
  fetched.length = 0;
  await page.reload();
  await expect(page.getByTestId("connection")).toHaveAttribute("data-state", "live");
  expect(fetched).toContain("/dashboard/dashboard_bg.wasm");
  expect(fetched.filter((p) => p.startsWith("/dashboard/settings"))).toEqual([]);

  // And to the settings again; back/forward cross between the apps.
  await page.getByTestId("settings-link").click();
  await expect(page.getByTestId("nav-widget")).toHaveAttribute("aria-current", "page");
  await page.getByTestId("nav-domains").click();
  await expect(page).toHaveURL(`${API_ORIGIN}/settings/domains`);
  await page.goBack();
  await expect(page).toHaveURL(`${API_ORIGIN}/settings/widget`);
  await page.goBack();
  await expect(page).toHaveURL(`${API_ORIGIN}/`);
  await expect(page.getByTestId("connection")).toHaveAttribute("data-state", "live");
});

test("a sign-in link pointing off the site is not followed", async ({ page }) => {
  await page.goto(`${API_ORIGIN}/login?next=%2F%2Fevil.example%2F`);
  await page.locator("input[name=email]").fill(ADMIN_EMAIL);
  await page.locator("input[name=password]").fill(ADMIN_PASSWORD);
  await page.locator("button[type=submit]").click();
  await expect(page).toHaveURL(`${API_ORIGIN}/`);
  await expect(page.getByTestId("me")).toBeVisible();
});

test("a phone number the visitor writes waits as a mention, and an agent applies it with one click", async ({ browser }) => {
  const visitorContext = await browser.newContext();
  const agentContext = await browser.newContext();
  const tag = `mn${Date.now().toString(36)}`;
  const visitorName = `Mo ${tag}`;
  const agent = await agentContext.newPage();
  await signIn(agent);

  const visitor = await visitorContext.newPage();
  await visitorSays(visitor, visitorName, `mo.${tag}@example.com`, "Please call me back on (415) 555-0123");
  await expect(widgetLog(visitor).getByText(/Please call me back/)).toBeVisible();

  // Opened at once: the mention may be recorded after the detail was read, and arrives live.
  await agent.getByTestId("conversation-item").filter({ hasText: visitorName }).click();
  const panel = agent.getByTestId("client-panel");
  const mention = panel.getByTestId("mention").filter({ hasText: "+14155550123" });
  await expect(mention).toHaveAttribute("data-kind", "phone");
  // An unverified visitor's words change nothing by themselves.
  await expect(panel.locator(".client-details")).not.toContainText("+14155550123");
  await mention.getByRole("button", { name: "Use +14155550123 as the client's phone" }).click();
  await expect(panel.locator(".client-details")).toContainText("+14155550123");
  await expect(panel.getByTestId("mention")).toHaveCount(0);
  // Stored: a fresh load shows it on the client.
  await agent.reload();
  await agent.getByTestId("conversation-item").filter({ hasText: visitorName }).click();
  await expect(agent.getByTestId("client-panel").locator(".client-details")).toContainText("+14155550123");
});

test("an agent sees why the assistant answered: the intent, the entries it used, the handoff", async ({ browser }) => {
  const visitorContext = await browser.newContext();
  const agentContext = await browser.newContext();
  const tag = `why${Date.now().toString(36)}`;
  const visitorName = `Wes ${tag}`;
  const agent = await agentContext.newPage();
  await signIn(agent);

  const visitor = await visitorContext.newPage();
  await visitorSays(visitor, visitorName, `wes.${tag}@example.com`, "I was charged twice for my last order");
  await expect(widgetLog(visitor).getByText(/charged|refund|teammate|billing/i).last()).toBeVisible();

  await agent.getByTestId("conversation-item").filter({ hasText: visitorName }).click();
  const reply = agent.getByTestId("timeline").getByTestId("message").filter({ has: agent.getByTestId("decision") }).last();
  await expect(reply).toHaveAttribute("data-author", "assistant");
  await reply.getByText("Why this reply").click();
  await expect(reply.getByTestId("decision-intent")).toContainText("billing");
  await expect(reply.getByTestId("decision-reply")).toContainText("embedded");
  // The conversation takes the intent: shown in the list and filterable.
  await expect(agent.getByTestId("conversation-item").filter({ hasText: visitorName })).toContainText(/billing/i);
});

test("billing goes to the billing assistant: the handoff shows in the widget and the dashboard says why", async ({ browser }) => {
  const visitorContext = await browser.newContext();
  const agentContext = await browser.newContext();
  const tag = `bill${Date.now().toString(36)}`;
  const visitorName = `Bo ${tag}`;
  const agent = await agentContext.newPage();
  await signIn(agent);

  // Nora, the default assistant, answers first…
  const visitor = await visitorContext.newPage();
  await visitorSays(visitor, visitorName, `bo.${tag}@example.com`, "Do you ship to Canada?");
  await expect(widgetLog(visitor).getByText(/Canada/).last()).toBeVisible();
  // …then billing: Bea takes over, and the widget shows the handoff message with her answer.
  const box = visitor.getByRole("textbox", { name: "Message" });
  await box.fill("I was charged twice for my last order");
  await box.press("Enter");
  await expect(widgetLog(visitor).getByText(/passing you to Bea/)).toBeVisible();
  await expect(widgetLog(visitor).getByText(/refund the duplicate/)).toBeVisible();

  await agent.getByTestId("conversation-item").filter({ hasText: visitorName }).click();
  const reply = agent.getByTestId("timeline").getByTestId("message").filter({ hasText: "passing you to Bea" });
  await expect(reply).toHaveAttribute("data-author", "assistant");
  await reply.getByText("Why this reply").click();
  await expect(reply.getByTestId("decision-intent")).toContainText("billing");
  await expect(reply.getByTestId("decision-routing")).toContainText("Billing questions");
  await expect(reply.getByTestId("decision-handoff")).toContainText("Bea");
  await expect(agent.getByTestId("conversation-item").filter({ hasText: visitorName })).toContainText("Bea");
});

test("an admin tests routing, adds a blocked phrase and tries an intent in the settings", async ({ page }) => {
  await signIn(page);
  await page.goto(`${API_ORIGIN}/settings/routing`);
  // The demo's rule, and the test box reading the message as the pipeline would.
  await expect(page.getByTestId("rule-row").filter({ hasText: "Billing questions" })).toBeVisible();
  await page.getByTestId("test-message").fill("I was charged twice for my last order");
  await page.getByTestId("test-submit").click();
  await expect(page.getByTestId("test-headline")).toContainText("Billing questions");

  await page.getByTestId("nav-safety").click();
  await expect(page).toHaveURL(`${API_ORIGIN}/settings/safety`);
  const blocked = page.getByTestId("safety-blocked");
  await blocked.fill("crypto\nbitcoin");
  await page.getByTestId("safety-save").click();
  await expect(page.getByTestId("safety-saved")).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("safety-blocked")).toHaveValue("crypto\nbitcoin");
  // An empty fallback message is refused next to the field.
  await page.getByTestId("safety-fallback").fill("");
  await page.getByTestId("safety-save").click();
  await expect(page.getByTestId("error-fallbackMessage")).toBeVisible();

  await page.getByTestId("nav-intents").click();
  await expect(page.getByTestId("intent-billing")).toBeVisible();
  await page.getByTestId("intents-try-text").fill("my card was charged twice for order 1234");
  await page.getByTestId("intents-try-submit").click();
  await expect(page.getByTestId("intents-try-result")).toContainText("billing");
});
