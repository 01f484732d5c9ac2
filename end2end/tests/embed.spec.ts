import { expect, test } from "@playwright/test";
import { trackLeftovers } from "../support/leftovers";
import { chatOnce, page as html, SIGNUP_API, widgetSite } from "../support/site";

// The ways a site embeds the widget, each on a site of its own workspace: a classic script tag
// with the ChatWidget global, the recommended snippet that imports after `load`, and destroy()
// leaving the page as it found it.

const options = (s: { tenantId: string; token: string; api: string }) =>
  JSON.stringify({ tenantId: s.tenantId, apiUrl: s.api, token: s.token, companyName: "Harbour Bikes" });

test("a classic script tag renders the widget through the ChatWidget global", async ({ page }) => {
  const site = await widgetSite(page, (s) => ({
    "/": html(
      "Classic",
      `<script src="${s.api}/widget/web-widget.global.js"></script>
<script>window.chat = ChatWidget.renderWebWidget(${options(s)});</script>`,
    ),
  }));
  try {
    const fetched: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/widget/")) fetched.push(new URL(r.url()).pathname);
    });
    await page.goto(`${site.origin}/`);
    await expect(page.getByRole("button", { name: "Open chat with Harbour Bikes" })).toBeVisible();
    expect(await page.evaluate(() => typeof (window as any).LiveChatWidget?.renderWebWidget)).toBe("function");
    // The panel loads from next to the classic loader, as it does next to the module.
    await chatOnce(page);
    expect(fetched).toContain("/widget/widget.js");
    expect(fetched).toContain("/widget/widget_bg.wasm");
    expect(fetched).not.toContain("/widget/web-widget.js");
  } finally {
    await site.close();
  }
});

test("the recommended snippet imports the widget after the page's load event", async ({ page }) => {
  const site = await widgetSite(page, (s) => ({
    "/": html(
      "After load",
      `<script type="module">
  const chat = () => import("${s.api}/widget/web-widget.js")
    .then(({ renderWebWidget }) => { window.chat = renderWebWidget(${options(s)}); });
  document.readyState === "complete" ? chat() : addEventListener("load", chat, { once: true });
</script>`,
    ),
  }));
  try {
    await page.goto(`${site.origin}/`);
    await expect(page.getByRole("button", { name: /open chat/i })).toBeVisible();
    const order = await page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
      const loader = performance.getEntriesByType("resource").find((e) => e.name.includes("/widget/web-widget.js"));
      return { loadStart: nav.loadEventStart, loaderStart: loader?.startTime ?? -1 };
    });
    expect(order.loaderStart).toBeGreaterThanOrEqual(order.loadStart);
    await chatOnce(page);
  } finally {
    await site.close();
  }
});

test("destroy() leaves nothing behind: no element, listener, stream or request", async ({ page }) => {
  const site = await widgetSite(page, (s) => ({
    "/": html(
      "Destroy",
      `<script type="module">
  window.embed = async () => {
    const { renderWebWidget } = await import("${s.api}/widget/web-widget.js");
    window.chat = renderWebWidget(${options(s)});
  };
</script>`,
    ),
  }));
  try {
    // With a proactive message, so the module watching for it is loaded and must go too.
    const rules = await page.request.put(`${SIGNUP_API}/api/dashboard/settings/proactive`, {
      data: { enabled: true, rules: [{ name: "Readers", trigger: "scroll_depth", triggerValue: 90, message: "Still reading?" }] },
    });
    expect(rules.status(), await rules.text()).toBe(200);
    const watching = page.waitForResponse((r) => r.url().endsWith("/widget/proactive.js"));
    await page.addInitScript(trackLeftovers);
    await page.goto(`${site.origin}/`);
    const snapshot = () =>
      page.evaluate(() => ({
        html: document.documentElement.outerHTML,
        adopted: document.adoptedStyleSheets.length,
        leftovers: (window as any).__leftovers(),
      }));
    const before = await snapshot();

    await page.evaluate(() => (window as any).embed());
    await watching;
    await chatOnce(page);
    const during = await page.evaluate(() => (window as any).__leftovers());
    expect(during.openStreams, "the conversation's event stream is open").toBeGreaterThan(0);

    await page.evaluate(() => (window as any).chat.destroy());
    const requestsAfter: string[] = [];
    page.on("request", (r) => requestsAfter.push(r.url()));
    await page.waitForTimeout(2_500);
    const after = await snapshot();
    expect(after.html).toBe(before.html);
    expect(after.adopted).toBe(before.adopted);
    expect(after.leftovers.listeners).toEqual(before.leftovers.listeners);
    expect(after.leftovers.openStreams).toBe(0);
    expect(requestsAfter).toEqual([]);
    await expect(page.getByRole("button", { name: /open chat/i })).toHaveCount(0);
  } finally {
    await site.close();
  }
});

test("one dark palette: the workspace's auto theme follows the system; the embedder's choice wins", async ({ page }) => {
  const site = await widgetSite(page, (s) => ({
    "/": html(
      "Themes",
      `<script type="module">
  import { renderWebWidget } from "${s.api}/widget/web-widget.js";
  window.chat = renderWebWidget({ tenantId: "${s.tenantId}", apiUrl: "${s.api}", token: "${s.token}" });
</script>`,
    ),
  }));
  try {
    // The workspace's settings (not the embedder) pick the theme and a light colour.
    const current = await page.request.get(`${SIGNUP_API}/api/dashboard/settings/widget`);
    const settings = { ...(await current.json()).settings, theme: "auto", primaryColor: "#fde047" };
    const saved = await page.request.put(`${SIGNUP_API}/api/dashboard/settings/widget`, { data: settings });
    expect(saved.status(), await saved.text()).toBe(200);

    await page.emulateMedia({ colorScheme: "light" });
    await page.goto(`${site.origin}/`);
    await page.getByRole("button", { name: /open chat/i }).click();
    const panel = page.locator("livechat-widget .lc-panel");
    await expect(panel).toBeVisible();
    const host = page.locator("livechat-widget");
    // The workspace's colour, with dark text on it (light yellow fails white's contrast).
    await expect.poll(() => host.evaluate((e) => (e as HTMLElement).style.getPropertyValue("--lc-on-primary"))).toBe("#111");
    const background = () => panel.evaluate((e) => getComputedStyle(e).backgroundColor);
    const white = "rgb(255, 255, 255)";
    const dark = "rgb(17, 24, 39)";
    await expect.poll(background).toBe(white);
    await page.emulateMedia({ colorScheme: "dark" });
    await expect.poll(background).toBe(dark);
    // The embedder's choice wins over the system, both ways.
    await page.evaluate(() => (window as any).chat.update({ theme: "light" }));
    await expect.poll(background).toBe(white);
    await page.evaluate(() => (window as any).chat.update({ theme: "dark" }));
    await page.emulateMedia({ colorScheme: "light" });
    await expect.poll(background).toBe(dark);
  } finally {
    await site.close();
  }
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 390, height: 780 }, hasTouch: true });

  test("the open panel keeps the focus, and closing gives it back to the launcher", async ({ page }) => {
    const site = await widgetSite(page, (s) => ({
      "/": html(
        "Phone",
        `<a href="#top">A link on the page</a><script type="module">
  import { renderWebWidget } from "${s.api}/widget/web-widget.js";
  window.chat = renderWebWidget(${options(s)});
</script>`,
      ),
    }));
    try {
      await page.goto(`${site.origin}/`);
      const launcher = page.getByRole("button", { name: /open chat/i });
      await launcher.click();
      const dialog = page.getByRole("dialog");
      await expect(dialog.getByLabel("Name")).toBeFocused();
      // Where the focus is, as a label inside the widget ("" when on the page).
      const focused = () =>
        page.evaluate(() => {
          const root = document.querySelector("livechat-widget")?.shadowRoot;
          const at = root?.activeElement as HTMLElement | null;
          if (document.activeElement?.tagName !== "LIVECHAT-WIDGET" || !at?.closest(".lc-panel")) return "";
          return at.getAttribute("aria-label") || at.id || at.textContent?.trim() || at.tagName;
        });
      const seen = new Set<string>();
      for (let i = 0; i < 12; i++) {
        await page.keyboard.press("Tab");
        const at = await focused();
        expect(at, `Tab ${i + 1} left the panel`).not.toBe("");
        seen.add(at);
      }
      expect(seen.size).toBeGreaterThanOrEqual(3); // it went round the panel's controls
      for (let i = 0; i < 12; i++) {
        await page.keyboard.press("Shift+Tab");
        expect(await focused(), `Shift+Tab ${i + 1} left the panel`).not.toBe("");
      }
      // Focus moved to the page behind comes back into the panel.
      await page.evaluate(() => (document.querySelector("a[href='#top']") as HTMLElement).focus());
      expect(await focused()).not.toBe("");

      await page.keyboard.press("Escape");
      await expect(dialog).toBeHidden();
      await expect(launcher).toBeFocused();
      // Closed, the page's own controls are reachable again.
      await page.evaluate(() => (document.querySelector("a[href='#top']") as HTMLElement).focus());
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("A link on the page");
    } finally {
      await site.close();
    }
  });
});

test("two tabs of one site share the conversation the first one started", async ({ page }) => {
  const site = await widgetSite(page, (s) => ({
    "/": html(
      "Tabs",
      `<script type="module">
  import { renderWebWidget } from "${s.api}/widget/web-widget.js";
  window.chat = renderWebWidget(${options(s)});
</script>`,
    ),
  }));
  try {
    // The second tab is open, its panel on the contact form, before the first one starts.
    const second = await page.context().newPage();
    await second.goto(`${site.origin}/`);
    await second.getByRole("button", { name: /open chat/i }).click();
    await expect(second.getByRole("dialog").getByLabel("Name")).toBeVisible();

    await page.goto(`${site.origin}/`);
    await chatOnce(page, "Tab Tester");
    // The second tab takes the conversation up: no form, the same messages.
    const log = second.getByRole("log", { name: "Messages" });
    await expect(second.getByRole("dialog").getByLabel("Name")).toHaveCount(0);
    await expect(log.locator(".lc-msg--visitor", { hasText: "What are your opening hours?" })).toHaveCount(1);
    await expect(log.locator(".lc-msg--assistant").first()).toBeVisible();

    // A message written in the second tab reaches the first one live, once.
    const box = second.getByRole("textbox", { name: "Message" });
    await box.fill("And on weekends?");
    await box.press("Enter");
    const first = page.getByRole("log", { name: "Messages" });
    await expect(first.locator(".lc-msg--visitor", { hasText: "And on weekends?" })).toHaveCount(1);
    await second.close();
  } finally {
    await site.close();
  }
});
