import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { page as html, SIGNUP_API, widgetSite } from "../support/site";

// Proactive messages on a real site: the bubble shows by the launcher before the chat panel has
// loaded, opens the chat, is counted for the dashboard, respects its caps and a visitor who
// closed it, passes axe, and the loader's page matching agrees with the server's on the same
// cases (shared/tests/fixtures/page_patterns.json).

const PROACTIVE = `${SIGNUP_API}/api/dashboard/settings/proactive`;

type Rule = Record<string, unknown>;

async function saveRules(page: Page, rules: Rule[]): Promise<string[]> {
  const saved = await page.request.put(PROACTIVE, { data: { enabled: true, rules } });
  expect(saved.status(), await saved.text()).toBe(200);
  return (await saved.json()).settings.rules.map((r: { id: string }) => r.id);
}

async function counts(page: Page): Promise<Record<string, { shown: number; opened: number; dismissed: number }>> {
  const answer = await page.request.get(PROACTIVE);
  expect(answer.status()).toBe(200);
  const body = await answer.json();
  return Object.fromEntries(body.counts.map((c: { ruleId: string }) => [c.ruleId, c]));
}

// The recommended snippet, on every page of the site.
const snippet = (s: { tenantId: string; token: string; api: string }) => `<script type="module">
  const chat = () => import("${s.api}/widget/web-widget.js")
    .then(({ renderWebWidget }) => { window.chat = renderWebWidget(${JSON.stringify({ tenantId: s.tenantId, apiUrl: s.api, token: s.token, companyName: "Harbour Bikes" })}); });
  document.readyState === "complete" ? chat() : addEventListener("load", chat, { once: true });
</script>`;

const bubble = (page: Page) => page.locator("livechat-widget .lc-pm");

// Waits until the module watching the rules has started (its status line is there), and a
// moment more.
async function settled(page: Page) {
  await page.waitForFunction(() => document.querySelector("livechat-widget")?.shadowRoot?.querySelector(".lc-pm-live"));
  await page.waitForTimeout(600);
}

test("a bubble shows before the panel loads, opens the chat and is counted", async ({ page }) => {
  const site = await widgetSite(page, (s) => ({
    "/pricing": html("Pricing", snippet(s)),
    "/about": html("About", snippet(s)),
  }));
  try {
    const [pricing] = await saveRules(page, [
      { name: "Pricing", trigger: "page_visit", pages: "/pricing", message: "Questions about plans?\nAsk us here." },
    ]);
    // The panel is held back until the bubble has shown: the loader alone draws it.
    let release!: () => void;
    const held = new Promise<void>((done) => (release = done));
    let panelRequested = false;
    await page.route("**/widget/widget.js", async (route) => {
      panelRequested = true;
      await held;
      await route.continue();
    });
    await page.goto(`${site.origin}/about`);
    await settled(page);
    await expect(bubble(page)).toHaveCount(0); // another page

    await page.goto(`${site.origin}/pricing?utm_source=mail#plans`);
    const message = page.getByRole("button", { name: /Questions about plans\?/ });
    await expect(message).toBeVisible();
    await expect(page.locator("livechat-widget [role=status]")).toHaveText(/Questions about plans\?/);
    const violations = (
      await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).include("livechat-widget").analyze()
    ).violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
    // The panel may have been asked for on idle, but it has not arrived: no dialog yet.
    await expect(page.getByRole("dialog")).toHaveCount(0);
    release();

    await message.click();
    await expect(page.getByRole("dialog")).toBeVisible();
    await expect(bubble(page)).toHaveCount(0);
    expect(panelRequested).toBe(true);
    await expect.poll(async () => (await counts(page))[pricing], { timeout: 5000 }).toMatchObject({ shown: 1, opened: 1, dismissed: 0 });

    // Once per browsing session: not again on this tab.
    await page.goto(`${site.origin}/pricing`);
    await settled(page);
    await expect(bubble(page)).toHaveCount(0);
  } finally {
    await site.close();
  }
});

test("a closed bubble never shows again; scroll, time and exit-intent triggers fire", async ({ page }) => {
  const tall = (title: string, s: { tenantId: string; token: string; api: string }) =>
    html(title, `<div style="height:4000px">Long read</div>${snippet(s)}`);
  const site = await widgetSite(page, (s) => ({
    "/blog/beans": tall("Beans", s),
    "/shop": html("Shop", snippet(s)),
    "/cart": html("Cart", snippet(s)),
  }));
  try {
    const [scroll, timed, exit] = await saveRules(page, [
      { name: "Readers", trigger: "scroll_depth", triggerValue: 50, pages: "/blog/*", message: "Enjoying the post?", capDays: 30 },
      { name: "Browsers", trigger: "time_on_page", triggerValue: 2, pages: "/shop", message: "Looking for a size?", delaySeconds: 1 },
      { name: "Leavers", trigger: "exit_intent", pages: "/cart", message: "Before you go: free shipping today." },
    ]);
    await page.goto(`${site.origin}/blog/beans`);
    await settled(page);
    await expect(bubble(page)).toHaveCount(0); // not scrolled yet
    await page.mouse.wheel(0, 2600);
    await expect(page.getByRole("button", { name: "Enjoying the post?" })).toBeVisible();
    await page.getByRole("button", { name: "Close message" }).click();
    await expect(bubble(page)).toHaveCount(0);
    // Focus goes back to the launcher, not to the page's start.
    await expect(page.getByRole("button", { name: /open chat/i })).toBeFocused();
    await expect.poll(async () => (await counts(page))[scroll], { timeout: 5000 }).toMatchObject({ shown: 1, dismissed: 1 });

    // Closed means never again, in a new session too.
    const again = await page.context().newPage();
    await again.goto(`${site.origin}/blog/beans`);
    await settled(again);
    await again.mouse.wheel(0, 2600);
    await again.waitForTimeout(800);
    await expect(bubble(again)).toHaveCount(0);
    await again.close();

    // Time on page: two seconds, then one of delay.
    const started = Date.now();
    await page.goto(`${site.origin}/shop`);
    await expect(page.getByRole("button", { name: "Looking for a size?" })).toBeVisible({ timeout: 10_000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
    // Escape closes it too.
    await page.getByRole("button", { name: "Looking for a size?" }).focus();
    await page.keyboard.press("Escape");
    await expect(bubble(page)).toHaveCount(0);

    // Exit intent: the pointer leaves through the top of the window.
    await page.goto(`${site.origin}/cart`);
    await settled(page);
    await expect(bubble(page)).toHaveCount(0);
    await page.evaluate(() => document.dispatchEvent(new MouseEvent("mouseout", { clientX: 300, clientY: -2, bubbles: true })));
    await expect(page.getByRole("button", { name: "Before you go: free shipping today." })).toBeVisible();
    await expect.poll(async () => Object.keys(await counts(page)).sort(), { timeout: 5000 }).toEqual([scroll, timed, exit].sort());
  } finally {
    await site.close();
  }
});

test("the loader matches pages as the server does", async ({ page }) => {
  const fixture = JSON.parse(readFileSync(join(__dirname, "../../shared/tests/fixtures/page_patterns.json"), "utf8"));
  const cases: { printed: string; url: string; matches: boolean }[] = fixture.cases;
  await page.goto(`${SIGNUP_API}/health`);
  const got = await page.evaluate(async ({ cases, api }) => {
    const { pageMatches } = await import(`${api}/widget/proactive.js`);
    return cases.map((c) => pageMatches(c.printed, c.url));
  }, { cases, api: SIGNUP_API });
  expect(cases.length).toBeGreaterThan(30);
  cases.forEach((c, i) => expect(got[i], `${c.printed} ${c.url}`).toBe(c.matches));
});

test("an admin writes a rule in the dashboard, previews it, and sees what visitors did", async ({ page }) => {
  const site = await widgetSite(page, (s) => ({ "/pricing": html("Pricing", snippet(s)) }));
  try {
    await page.goto(`${SIGNUP_API}/settings/proactive`);
    await expect(page.getByTestId("proactive-no-rules")).toBeVisible();
    await page.getByTestId("proactive-enabled").check();
    await page.getByTestId("proactive-add").click();
    const rule = page.getByTestId("proactive-rule");
    await rule.getByTestId("rule-name").fill("Pricing help");
    await rule.getByTestId("rule-trigger").selectOption("page_visit");
    await rule.getByTestId("rule-message").fill("Questions about plans? Ask us.");
    // The preview follows the message as it is written.
    await expect(page.getByTestId("proactive-preview-text")).toHaveText("Questions about plans? Ask us.");
    // A page-visit rule needs its pages: said next to the field, which gets the focus.
    await page.getByTestId("proactive-save").click();
    await expect(rule.getByTestId("error-pages")).toBeVisible();
    await expect(rule.getByTestId("rule-pages")).toBeFocused();
    await rule.getByTestId("rule-pages").fill("/pricing");
    await page.getByTestId("proactive-save").click();
    await expect(page.getByTestId("proactive-saved")).toBeVisible();
    await expect(rule.getByTestId("rule-counts")).toBeVisible();
    await page.screenshot({ path: "test-results/proactive-settings.png", fullPage: true });

    // A visitor sees it and opens the chat from it.
    const visitor = await page.context().newPage();
    await visitor.goto(`${site.origin}/pricing`);
    await visitor.getByRole("button", { name: "Questions about plans? Ask us." }).click();
    await expect(visitor.getByRole("dialog")).toBeVisible();
    await visitor.close();

    await expect
      .poll(async () => {
        await page.reload();
        return page.getByTestId("rule-counts").getByTestId("count-opened").textContent();
      }, { timeout: 10_000 })
      .toBe("1");
    await expect(page.getByTestId("rule-counts").getByTestId("count-shown")).toHaveText("1");
    await expect(page.getByTestId("rule-counts").getByTestId("open-rate")).toHaveText("100%");
  } finally {
    await site.close();
  }
});
