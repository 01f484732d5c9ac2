import { expect, test } from "@playwright/test";

// The server on this port answers through an OpenAI-compatible stub that streams its reply a
// word every 150 ms (end2end/support/openai-stub.mjs).
const DEMO = `http://localhost:${process.env.E2E_STREAMING_DEMO_PORT ?? 18188}/`;

test("a streamed reply shows in the widget sentence by sentence, then as one stored message", async ({ page }) => {
  await page.goto(DEMO);
  await page.getByRole("button", { name: /open chat/i }).click();
  const chat = page.getByRole("dialog");
  await chat.getByLabel("Name").fill("Sam Stream");
  await chat.getByLabel("Email").fill("sam.stream@example.com");
  await chat.getByLabel("Email").press("Enter");
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill("What's the difference between Harbour Blend and Ethiopia Guji?");
  await box.press("Enter");

  const log = page.getByRole("log", { name: "Messages" });
  const draft = log.locator(".lc-msg--draft");
  // The first sentence is on screen while the model still writes the rest.
  await expect(draft).toContainText("Happy to compare them!");
  await expect(draft).not.toContainText("pour-over");
  // A draft is not announced to screen readers: the stored reply is, once.
  await expect(draft).toHaveAttribute("aria-hidden", "true");

  // The stored reply replaces the draft.
  const reply = log.locator(".lc-msg--assistant").last();
  await expect(reply).toContainText("best as pour-over.");
  await expect(draft).toHaveCount(0);
  await expect(log.locator(".lc-msg--assistant").filter({ hasText: "Happy to compare them!" })).toHaveCount(1);

  // It is the stored message: still there after a reload.
  await page.reload();
  await page.getByRole("button", { name: /open chat/i }).click();
  await expect(page.getByRole("log", { name: "Messages" }).getByText(/best as pour-over/)).toBeVisible();
});
