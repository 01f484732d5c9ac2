import { expect, test, type Locator, type Page } from "@playwright/test";

// The routing, handoff, business hours and intents settings in the browser. Each test makes its
// own workspace on the signup-open server (the third of playwright.config.ts), so what it
// changes never reaches the demo workspace the other tests rely on; and each checks what the
// change does (the "test a message" box, the classifier, a reload), not only that a click
// happened.
const API = `http://127.0.0.1:${process.env.E2E_SIGNUP_PORT ?? 18183}`;

/** Creates a workspace and signs its owner in (the first run's `POST /api/setup/workspace`). */
async function newWorkspace(page: Page, what: string): Promise<void> {
  const tag = `${what}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const created = await page.request.post(`${API}/api/setup/workspace`, {
    data: {
      companyName: `Routing ${tag}`,
      name: "Ada Admin",
      email: `ada.${tag}@example.com`,
      password: "owner-password-123",
    },
  });
  expect(created.status(), await created.text()).toBe(201);
}

/** Adds an assistant through the settings API; the page lists it as a rule target. */
async function addAssistant(page: Page, name: string): Promise<void> {
  const answer = await page.request.post(`${API}/api/dashboard/settings/assistants`, {
    data: { name, instructions: "Help with refunds.", greeting: "Hi!", channels: ["web"] },
  });
  expect(answer.status(), await answer.text()).toBe(201);
}

/** Runs the "test a message" box and answers its result, once the answer to this run shows. */
async function testMessage(page: Page, message: string): Promise<Locator> {
  const result = page.getByTestId("test-result");
  const before = (await result.count()) > 0 ? Number(await result.getAttribute("data-run")) : 0;
  await page.getByTestId("test-message").fill(message);
  await page.getByTestId("test-submit").click();
  await expect(result).toHaveAttribute("data-run", String(before + 1));
  return result;
}

/** The rule names in the list, in order (a retrying assertion: the list reloads after a save). */
async function expectRules(page: Page, names: string[]) {
  await expect(page.getByTestId("rule-row").locator("strong")).toHaveText(names);
}

async function fillRule(
  page: Page,
  rule: { name: string; priority: number; keywords: string; target: string },
) {
  const form = page.getByTestId("rule-form");
  await form.getByTestId("rule-name").fill(rule.name);
  await form.getByTestId("rule-priority").fill(String(rule.priority));
  await form.getByTestId("rule-keywords").fill(rule.keywords);
  await form.getByTestId("rule-target").selectOption({ label: rule.target });
  await form.getByTestId("rule-save").click();
  await expect(form).toHaveCount(0);
}

test("an admin adds, edits, reorders and deletes routing rules, and the test box follows", async ({ page }) => {
  await newWorkspace(page, "rules");
  await addAssistant(page, "Bea");
  await page.goto(`${API}/settings/routing`);
  await expect(page.getByTestId("no-rules")).toBeVisible();
  const headline = page.getByTestId("test-headline");
  await testMessage(page, "I want a refund");
  await expect(headline).toContainText("No rule matched");

  // Create: a refund rule to Bea; the test box now picks it.
  await page.getByTestId("add-rule").click();
  await fillRule(page, { name: "Refunds", priority: 60, keywords: "refund, money back", target: "Bea" });
  await expect(page.getByTestId("rule-row").filter({ hasText: "Refunds" })).toContainText("Bea");
  await testMessage(page, "I want a refund");
  await expect(headline).toHaveText('Rule "Refunds" matched: it goes to Bea.');

  // A second rule of the same priority that also matches "refund": the first listed wins.
  await page.getByTestId("add-rule").click();
  await fillRule(page, { name: "Deliveries", priority: 60, keywords: "delivery, refund", target: "The human team" });
  await expectRules(page, ["Refunds", "Deliveries"]);
  await testMessage(page, "a refund for my delivery");
  await expect(headline).toHaveText('Rule "Refunds" matched: it goes to Bea.');

  // Reorder from the keyboard: focus "Deliveries"' move-up button and press Enter.
  const deliveries = page.getByTestId("rule-row").filter({ hasText: "Deliveries" });
  await expect(page.getByTestId("rule-row").first().getByTestId("move-up")).toBeDisabled();
  await deliveries.getByTestId("move-up").focus();
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("rule-row").first()).toContainText("Deliveries");
  await testMessage(page, "a refund for my delivery");
  await expect(headline).toHaveText('Rule "Deliveries" matched: it goes to the human team.');
  const checks = page.getByTestId("test-check");
  await expect(checks.nth(0)).toContainText('keyword "delivery" found');
  await expect(checks.nth(1)).toContainText('not tried: "Deliveries" matched first');
  // The order is stored: a reload keeps it.
  await page.reload();
  await expect(page.getByTestId("rule-row").first()).toContainText("Deliveries");
  await expectRules(page, ["Deliveries", "Refunds"]);

  // Edit: Refunds goes to priority 80 with one more keyword; priority now puts it first.
  await page.getByTestId("rule-row").filter({ hasText: "Refunds" }).getByTestId("edit-rule").click();
  const form = page.getByTestId("rule-form");
  await expect(form.getByTestId("rule-name")).toHaveValue("Refunds");
  await expect(form.getByTestId("rule-keywords")).toHaveValue("refund, money back");
  await form.getByTestId("rule-priority").fill("80");
  await form.getByTestId("rule-keywords").fill("refund, money back, chargeback");
  await form.getByTestId("rule-save").click();
  await expect(form).toHaveCount(0);
  await expect(page.getByTestId("rule-row").first()).toContainText("Refunds");
  await expect(page.getByTestId("rule-row").first()).toContainText("chargeback");
  await expect(page.getByTestId("rule-row").first().locator("td").first()).toHaveText("80");
  // Different priorities: moving is offered only among equals.
  await expect(page.getByTestId("rule-row").first().getByTestId("move-down")).toBeDisabled();
  await testMessage(page, "I filed a chargeback");
  await expect(headline).toHaveText('Rule "Refunds" matched: it goes to Bea.');
  await testMessage(page, "a refund for my delivery");
  await expect(headline).toHaveText('Rule "Refunds" matched: it goes to Bea.');

  // Delete after a confirm; the rule is gone from the list, the reload and the test box.
  const refunds = page.getByTestId("rule-row").filter({ hasText: "Refunds" });
  await refunds.getByTestId("delete-rule").click();
  await refunds.getByTestId("confirm-delete").click();
  await expect(refunds).toHaveCount(0);
  await page.reload();
  await expectRules(page, ["Deliveries"]);
  await testMessage(page, "I filed a chargeback");
  await expect(headline).toContainText("No rule matched");
});

test("handoff settings are checked, saved and still there after a reload", async ({ page }) => {
  await newWorkspace(page, "handoff");
  await page.goto(`${API}/settings/routing`);
  const form = page.getByTestId("handoff-form");
  await expect(form.getByTestId("handoff-enabled")).toBeChecked();
  await expect(form.getByTestId("handoff-max")).toHaveValue("3");

  // A bad number is named next to its field, and nothing is saved.
  await form.getByTestId("handoff-enabled").uncheck();
  await form.getByTestId("handoff-max").fill("11");
  await form.getByTestId("handoff-max").press("Tab");
  await form.getByTestId("handoff-save").click();
  await expect(form.getByTestId("error-maxHandoffs")).toContainText("out of range");
  await expect(form.getByTestId("handoff-saved")).toHaveCount(0);

  await form.getByTestId("handoff-max").fill("5");
  await form.getByTestId("handoff-max").press("Tab");
  await form.getByTestId("handoff-style").selectOption("casual");
  await form.getByTestId("handoff-template").fill("Over to {agent_name} for your {customer_intent} question.");
  await form.getByTestId("handoff-save").click();
  await expect(form.getByTestId("handoff-saved")).toBeVisible();
  await expect(form.getByTestId("error-maxHandoffs")).toHaveCount(0);

  await page.reload();
  await expect(form.getByTestId("handoff-max")).toHaveValue("5");
  await expect(form.getByTestId("handoff-enabled")).not.toBeChecked();
  await expect(form.getByTestId("handoff-style")).toHaveValue("casual");
  await expect(form.getByTestId("handoff-template")).toHaveValue(
    "Over to {agent_name} for your {customer_intent} question.",
  );
  // The server holds the same.
  const stored = await (await page.request.get(`${API}/api/dashboard/settings/routing/handoff`)).json();
  expect(stored.settings).toMatchObject({
    handoffEnabled: false,
    maxHandoffs: 5,
    messageStyle: "casual",
    handoffTemplate: "Over to {agent_name} for your {customer_intent} question.",
  });

  // "AI generated": the page says what it does, and the choice is kept.
  await form.getByTestId("handoff-style").selectOption({ label: "AI generated" });
  await expect(form.getByTestId("handoff-style-ai")).toContainText("embedded assistant");
  await form.getByTestId("handoff-save").click();
  await expect(form.getByTestId("handoff-saved")).toBeVisible();
  await page.reload();
  await expect(form.getByTestId("handoff-style")).toHaveValue("ai_generated");
  await expect(form.getByTestId("handoff-style-ai")).toBeVisible();

  // An unknown placeholder is refused by name.
  await form.getByTestId("handoff-template").fill("Hi {visitor_name}");
  await form.getByTestId("handoff-save").click();
  await expect(form.getByTestId("error-handoffTemplate")).toContainText("{visitor_name}");
});

test("business hours start unset, are saved with a time zone and weekly hours, and reload", async ({ page }) => {
  await newWorkspace(page, "hours");
  await page.goto(`${API}/settings/routing`);
  const form = page.getByTestId("handoff-form");
  const hoursLine = page.getByTestId("test-hours");

  // Never set: the team is never shown as away, here and in the test box.
  await expect(form.getByTestId("hours-enabled")).not.toBeChecked();
  await expect(form.getByTestId("hours-unset")).toContainText("No business hours set");
  await testMessage(page, "hello");
  await expect(hoursLine).toHaveText("No business hours set: the team is never shown as away.");

  // Turned on, the page suggests Monday to Friday 9–17 to edit.
  await form.getByTestId("hours-enabled").check();
  const rows = form.getByTestId("hours-row");
  await expect(rows).toHaveCount(5);
  await form.getByTestId("handoff-tz").fill("Asia/Tokyo");
  await rows.nth(0).getByLabel("Closes").fill("18:30");
  await rows.nth(0).getByLabel("Closes").press("Tab");
  await rows.nth(4).getByTestId("hours-remove").click(); // Friday
  await expect(rows).toHaveCount(4);
  await form.getByTestId("hours-add").click();
  await expect(rows).toHaveCount(5);
  await rows.nth(4).getByLabel("Day").selectOption("saturday");
  await rows.nth(4).getByLabel("Opens").fill("10:00");
  await rows.nth(4).getByLabel("Closes").fill("14:00");
  await rows.nth(4).getByLabel("Closes").press("Tab");
  await form.getByTestId("handoff-save").click();
  await expect(form.getByTestId("handoff-saved")).toBeVisible();
  await expect(form.getByTestId("hours-now")).toHaveText(/^(Open now\.|Closed now\. .*\(Asia\/Tokyo\)\.)$/);

  await page.reload();
  await expect(form.getByTestId("hours-enabled")).toBeChecked();
  await expect(form.getByTestId("handoff-tz")).toHaveValue("Asia/Tokyo");
  await expect(rows).toHaveCount(5);
  await expect(rows.nth(0).getByLabel("Day")).toHaveValue("monday");
  await expect(rows.nth(0).getByLabel("Closes")).toHaveValue("18:30");
  await expect(rows.nth(3).getByLabel("Day")).toHaveValue("thursday");
  await expect(rows.nth(4).getByLabel("Day")).toHaveValue("saturday");
  await expect(rows.nth(4).getByLabel("Opens")).toHaveValue("10:00");
  await expect(rows.nth(4).getByLabel("Closes")).toHaveValue("14:00");
  await testMessage(page, "hello");
  await expect(hoursLine).toHaveText(/^(Within|Outside) business hours\.$/);

  // An overlap is refused next to the hours.
  await form.getByTestId("hours-add").click(); // Monday 9–17 again
  await form.getByTestId("handoff-save").click();
  await expect(form.getByTestId("error-weeklyHours")).toContainText("overlaps");
  await rows.nth(5).getByTestId("hours-remove").click();

  // Set, with no opening left: always closed, and visitors are told so.
  for (let i = 4; i >= 0; i--) await rows.nth(i).getByTestId("hours-remove").click();
  await expect(rows).toHaveCount(0);
  await form.getByTestId("handoff-save").click();
  await expect(form.getByTestId("hours-now")).toContainText("not available right now");
  await testMessage(page, "hello");
  await expect(hoursLine).toHaveText("Outside business hours.");

  // Switched off again: unset after a reload, whatever was kept.
  await form.getByTestId("hours-enabled").uncheck();
  await form.getByTestId("handoff-save").click();
  await expect(form.getByTestId("handoff-saved")).toBeVisible();
  await page.reload();
  await expect(form.getByTestId("hours-enabled")).not.toBeChecked();
  await expect(form.getByTestId("hours-unset")).toBeVisible();
  await testMessage(page, "hello");
  await expect(hoursLine).toHaveText("No business hours set: the team is never shown as away.");
});

test("an admin adds an intent with examples, removes one, saves, and the classifier learns it", async ({ page }) => {
  await newWorkspace(page, "intents");
  await page.goto(`${API}/settings/intents`);
  await expect(page.getByTestId("intent-technical")).toBeVisible();

  await page.getByTestId("new-intent-key").fill("wholesale");
  await page.getByTestId("new-intent-label").fill("Wholesale and trade");
  await page.getByTestId("new-intent-add").click();
  const examples = [
    "Do you sell wholesale to cafés?",
    "I run a café and want to buy beans in bulk for resale",
    "What are your trade prices for restaurants?",
    "Can we open a wholesale account for our shop?",
    "Do you supply coffee to offices in bulk?",
    "I'd like a trade account for my bakery",
    "What is the minimum order for wholesale?",
    "Can my café stock your beans on its shelves?",
  ];
  await page.getByTestId("intent-wholesale-examples").fill(examples.join("\n"));
  await page.getByTestId("intent-technical-remove").click();
  await expect(page.getByTestId("intent-technical")).toHaveCount(0);
  await expect(page.getByTestId("intents-unsaved")).toBeVisible();
  await page.getByTestId("intents-save").click();
  await expect(page.getByTestId("intents-saved")).toBeVisible();

  await page.reload();
  await expect(page.getByTestId("intent-wholesale-label")).toHaveValue("Wholesale and trade");
  await expect(page.getByTestId("intent-wholesale-examples")).toHaveValue(examples.join("\n"));
  await expect(page.getByTestId("intent-technical")).toHaveCount(0);

  // The classifier was retrained on the saved list: the new intent is recognised in a phrasing
  // it was not given, and the removed one is no longer a candidate.
  await page.getByTestId("intents-try-text").fill("We have a small café and want a trade account for your beans");
  await page.getByTestId("intents-try-submit").click();
  const ranked = page.getByTestId("intents-try-ranked").locator("li");
  await expect(ranked.first()).toHaveAttribute("data-key", "wholesale");
  await expect(page.getByTestId("intents-try-ranked").locator('li[data-key="technical"]')).toHaveCount(0);

  // The routing test box reads the same intent, and says how sure it is.
  await page.goto(`${API}/settings/routing`);
  await testMessage(page, "We have a small café and want a trade account for your beans");
  const intent = page.getByTestId("test-detected");
  await expect(intent).toHaveAttribute("data-key", "wholesale");
  await expect(intent).toContainText(/^Intent: wholesale \(\d+%\), detected by the embedded classifier/);
});
