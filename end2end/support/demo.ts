import { expect, type Page } from "@playwright/test";

// The demo workspace on the first server of playwright.config.ts, and signing its admin in
// through the dashboard's own form (the specs that look at the dashboard as its admin share it).
export const API_ORIGIN = `http://127.0.0.1:${process.env.E2E_API_PORT ?? 18180}`;
export const ADMIN_EMAIL = "admin@northwind.example";
export const ADMIN_PASSWORD = "e2e-admin-password";

/** Signs the demo admin in from the dashboard's sign-in page and waits for the inbox. */
export async function signIn(page: Page) {
  await page.goto(`${API_ORIGIN}/`);
  await page.locator("input[name=email]").fill(ADMIN_EMAIL);
  await page.locator("input[name=password]").fill(ADMIN_PASSWORD);
  await page.locator("button[type=submit]").click();
  await expect(page.getByTestId("me")).toBeVisible();
}
