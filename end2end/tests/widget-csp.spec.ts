import { expect, test } from "@playwright/test";

// The demo shop under a strict Content-Security-Policy (public/strict-csp.html, served by the
// demo site with the policy in a header): the API's origin is the only source in script-src,
// connect-src and style-src, nothing is 'unsafe-inline', and the page's own snippet runs by nonce.
// The README's list of what a customer's CSP must allow is this policy.
const API_ORIGIN = `http://127.0.0.1:${process.env.E2E_API_PORT ?? 18180}`;

test("the widget works on a host page whose CSP allows only the API's origin, without 'unsafe-inline'", async ({ page }) => {
  const cspMessages: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) cspMessages.push(m.text());
  });
  // Runs before the page's own scripts (and is not subject to its policy).
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { violations: string[] }).violations = seen;
    document.addEventListener(
      "securitypolicyviolation",
      (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`),
      true,
    );
  });

  const response = await page.goto("/strict-csp.html");
  const csp = response?.headers()["content-security-policy"] ?? "";
  expect(csp).toContain(`script-src 'nonce-`);
  expect(csp).toContain(`${API_ORIGIN} 'wasm-unsafe-eval'`);
  expect(csp).toContain(`connect-src ${API_ORIGIN};`);
  expect(csp).toContain(`style-src ${API_ORIGIN};`);
  expect(csp).not.toContain("unsafe-inline");

  const launcher = page.getByRole("button", { name: /open chat/i });
  await expect(launcher).toBeVisible();
  // The launcher's styles applied: round, fixed, in the tenant's colour.
  const launcherStyle = await launcher.evaluate((el) => {
    const s = getComputedStyle(el);
    return { position: s.position, radius: s.borderRadius, bg: s.backgroundColor };
  });
  expect(launcherStyle).toEqual({ position: "fixed", radius: "50%", bg: "rgb(107, 62, 38)" });

  await launcher.click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  // The panel's stylesheet applied too.
  expect(await dialog.evaluate((el) => getComputedStyle(el).boxSizing)).toBe("border-box");
  expect(await dialog.evaluate((el) => getComputedStyle(el).position)).toBe("fixed");

  await dialog.getByLabel("Name").fill("Casey Strict");
  await dialog.getByLabel("Email").fill(`casey.${Date.now()}@example.com`);
  await dialog.getByLabel("Email").press("Enter");
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill("Do you ship to Canada?");
  await box.press("Enter");
  const log = page.getByRole("log", { name: "Messages" });
  await expect(log.locator(".lc-msg--assistant").filter({ hasText: /Canada/ }).last()).toBeVisible();

  const violations = await page.evaluate(() => (window as unknown as { violations: string[] }).violations);
  expect(violations).toEqual([]);
  expect(cspMessages).toEqual([]);
});
