import { expect, test, type Page } from "@playwright/test";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { trackLeftovers } from "../support/leftovers";
import { chatOnce, SIGNUP_API, widgetSite } from "../support/site";

// <WebWidget/> (widget/react, the npm package) in a real React app built with Vite, in
// StrictMode with development React, on a site of its own workspace.
const APP_DIR = resolve(__dirname, "..", "react-app", "dist");

const widgets = (page: Page) => page.locator("livechat-widget");
const primary = (page: Page) =>
  page.evaluate(() => document.querySelector("livechat-widget")?.style.getPropertyValue("--lc-primary"));

test("under StrictMode <WebWidget/> renders one widget, takes new props in place and leaves nothing on unmount", async ({ page }) => {
  if (!existsSync(join(APP_DIR, "index.html"))) {
    throw new Error("build the React app first: (cd end2end && npx vite build --config react-app/vite.config.mjs)");
  }
  const site = await widgetSite(page, () => ({}), APP_DIR);
  try {
    await page.addInitScript(trackLeftovers);
    const query = new URLSearchParams({ tenant: site.tenantId, token: site.token, api: SIGNUP_API });
    await page.goto(`${site.origin}/app/index.html?${query}`);
    const before = await page.evaluate(() => ({
      adopted: document.adoptedStyleSheets.length,
      leftovers: (window as any).__leftovers(),
    }));
    await page.getByRole("button", { name: "Mount", exact: true }).click();
    await expect(page.getByRole("button", { name: "Open chat with React Roasters" })).toBeVisible();
    // StrictMode ran the effects twice (mount, clean-up, mount): still one widget.
    expect(await page.evaluate(() => (window as any).__probeEffects)).toBe(2);
    await page.waitForTimeout(500);
    await expect(widgets(page)).toHaveCount(1);
    expect(await page.evaluate(() => (window as any).__widgetsRendered)).toBe(1);

    // Open a conversation, then change props: the same widget, still open, with the new values.
    await chatOnce(page, "React Visitor");
    const chat = page.getByRole("dialog");
    await page.evaluate(() => ((window as any).__firstHost = document.querySelector("livechat-widget")));
    expect(await primary(page)).toBe("#6b3e26");

    await page.getByRole("button", { name: "Change colour" }).click();
    await expect.poll(() => primary(page)).toBe("#0f766e");
    await page.getByRole("button", { name: "Rename" }).click();
    await expect(chat).toHaveAttribute("aria-label", "Chat with Renamed Roasters");
    await expect(chat.locator(".lc-title")).toHaveText("Renamed Roasters");
    await page.getByRole("button", { name: /Re-render/ }).click();
    await expect(chat).toBeVisible();
    await expect(widgets(page)).toHaveCount(1);
    expect(await page.evaluate(() => (window as any).__firstHost === document.querySelector("livechat-widget"))).toBe(true);
    expect(await page.evaluate(() => (window as any).__widgetsRendered)).toBe(1);
    const panelColour = await chat.evaluate((el) => getComputedStyle(el).getPropertyValue("--lc-primary").trim());
    expect(panelColour).toBe("#0f766e");
    const during = await page.evaluate(() => (window as any).__leftovers());
    expect(during.openStreams).toBeGreaterThan(0);

    // Unmounted: nothing of the widget stays, and it asks the server nothing more.
    await page.getByRole("button", { name: "Unmount", exact: true }).click();
    await expect(widgets(page)).toHaveCount(0);
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.waitForTimeout(2_000);
    const after = await page.evaluate(() => ({
      adopted: document.adoptedStyleSheets.length,
      leftovers: (window as any).__leftovers(),
    }));
    expect(after.adopted).toBe(before.adopted);
    expect(after.leftovers.openStreams).toBe(0);
    expect(after.leftovers.listeners).toEqual(before.leftovers.listeners);
    expect(requests).toEqual([]);

    // Mounted again: a new widget, and the visitor's conversation is still theirs.
    await page.getByRole("button", { name: "Mount", exact: true }).click();
    await expect(widgets(page)).toHaveCount(1);
    await page.getByRole("button", { name: /open chat/i }).click();
    await expect(page.getByRole("log", { name: "Messages" }).getByText("What are your opening hours?")).toBeVisible();
  } finally {
    await site.close();
  }
});
