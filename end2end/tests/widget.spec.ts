import { expect, test, type Page } from "@playwright/test";

const API_ORIGIN = `http://127.0.0.1:${process.env.E2E_API_PORT ?? 18180}`;

/** Opens the chat panel from the launcher. */
async function openChat(page: Page) {
  await page.getByRole("button", { name: /open chat/i }).click();
  await expect(page.getByRole("dialog")).toBeVisible();
}

/** The chat panel: the host page has fields of its own (a newsletter email, say). */
const chat = (page: Page) => page.getByRole("dialog");

async function giveContact(page: Page, name: string, email: string) {
  await chat(page).getByLabel("Name").fill(name);
  await chat(page).getByLabel("Email").fill(email);
  await chat(page).getByLabel("Email").press("Enter");
}

async function ask(page: Page, question: string) {
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill(question);
  await box.press("Enter");
}

const log = (page: Page) => page.getByRole("log", { name: "Messages" });

test("the host page on one origin embeds the widget module from the API's origin", async ({ page }) => {
  const widgetRequests: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes("/widget/")) widgetRequests.push(r.url());
  });
  await page.goto("/");
  const pageOrigin = new URL(page.url()).origin;
  expect(pageOrigin).not.toBe(API_ORIGIN);
  await expect(page.getByRole("button", { name: /open chat/i })).toBeVisible();
  expect(widgetRequests.some((u) => u.startsWith(`${API_ORIGIN}/widget/web-widget.js`))).toBe(true);
});

test("an invalid email is refused inline and nothing is sent", async ({ page }) => {
  const contactRequests: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes("/contact")) contactRequests.push(r.url());
  });
  await page.goto("/");
  await openChat(page);
  await giveContact(page, "Jane Doe", "jane@example");
  const email = chat(page).getByLabel("Email");
  await expect(email).toHaveAttribute("aria-invalid", "true");
  await expect(chat(page).getByText(/doesn't look like a domain/i)).toBeVisible();
  expect(contactRequests).toHaveLength(0);
  await expect(page.getByRole("textbox", { name: "Message" })).toHaveCount(0);
});

test("a visitor gives name and email, asks, gets an answer from the knowledge base, and finds it again after a reload", async ({ page }) => {
  await page.goto("/");
  await openChat(page);
  await giveContact(page, "Jane Doe", "jane.e2e@example.com");
  await ask(page, "Do you ship to Canada?");
  await expect(log(page).getByText("Do you ship to Canada?")).toBeVisible();
  const reply = log(page).locator(".lc-msg--assistant").filter({ hasText: /Canada/ }).last();
  await expect(reply).toBeVisible();
  const replyText = (await reply.locator(".lc-bubble").textContent()) ?? "";
  expect(replyText).not.toBe("Do you ship to Canada?");

  await page.reload();
  await openChat(page);
  await expect(chat(page).getByLabel("Email")).toHaveCount(0);
  await expect(log(page).getByText("Do you ship to Canada?")).toBeVisible();
  await expect(log(page).getByText(replyText.trim().slice(0, 40))).toBeVisible();

  // And the conversation goes on where it was: the follow-up is answered in context.
  const answersBefore = await log(page).locator(".lc-msg--assistant").count();
  await ask(page, "How long does it take?");
  await expect(log(page).locator(".lc-msg--assistant")).toHaveCount(answersBefore + 1);
  await expect(log(page).locator(".lc-msg--assistant").last()).toContainText(/day/i);
});

test("the host page's CSS does not reach into the widget", async ({ page }) => {
  await page.goto("/");
  const launcher = page.getByRole("button", { name: /open chat/i });
  await expect(launcher).toBeVisible();
  // The demo page styles every button red with 30px text, !important: the launcher keeps its own.
  const hostButton = await page.evaluate(() => {
    const b = document.createElement("button");
    document.body.appendChild(b);
    const s = getComputedStyle(b);
    const out = { bg: s.backgroundColor, size: s.fontSize };
    b.remove();
    return out;
  });
  const style = await launcher.evaluate((el) => {
    const s = getComputedStyle(el);
    return { bg: s.backgroundColor, size: s.fontSize };
  });
  expect(style.bg).toBe("rgb(107, 62, 38)");
  expect(style.bg).not.toBe(hostButton.bg);
  await openChat(page);
  const send = await chat(page).getByLabel("Name").evaluate((el) => getComputedStyle(el).fontFamily);
  expect(send).not.toMatch(/^serif$/);
  const panelPadding = await page.getByRole("dialog").evaluate((el) => getComputedStyle(el).boxSizing);
  expect(panelPadding).toBe("border-box");
});

test("the widget's CSS does not leak into the host page", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("button", { name: /open chat/i })).toBeVisible();
  await openChat(page);
  const hostStyles = await page.evaluate(() => {
    const styleSheetsInDocument = Array.from(document.styleSheets).map((s) => s.href ?? "inline");
    const h1 = document.querySelector("h1");
    return { sheets: styleSheetsInDocument.length, h1Font: h1 ? getComputedStyle(h1).fontFamily : "" };
  });
  // The widget adds no stylesheet to the document: all of it lives in the shadow root.
  const hostOnly = await page.evaluate(() => document.querySelectorAll("style, link[rel=stylesheet]").length);
  expect(hostStyles.sheets).toBe(hostOnly);
  expect(hostStyles.h1Font).toMatch(/serif/);
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true });

  test("the panel fills the screen", async ({ page }) => {
    await page.goto("/");
    await openChat(page);
    // The panel slides in: measure once it has settled.
    const dialog = page.getByRole("dialog");
    await expect.poll(async () => Math.round((await dialog.boundingBox())?.y ?? -1)).toBe(0);
    const box = await dialog.boundingBox();
    expect(box).not.toBeNull();
    expect(Math.round(box!.width)).toBe(375);
    expect(Math.round(box!.height)).toBeGreaterThanOrEqual(660);
    expect(Math.round(box!.x)).toBe(0);
    expect(Math.round(box!.y)).toBe(0);
  });
});

test("the widget can be driven by keyboard alone", async ({ page }) => {
  await page.goto("/");
  const launcher = page.getByRole("button", { name: /open chat/i });
  await expect(launcher).toBeVisible();
  await launcher.focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("dialog")).toBeVisible();
  await expect(chat(page).getByLabel("Name")).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog")).toBeHidden();
  await expect(launcher).toBeFocused();
});
