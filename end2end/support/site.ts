import { expect, type Page } from "@playwright/test";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";

// A business's own site for the widget, on a real local server (a page fulfilled by Playwright
// has no address space, and Chromium refuses its requests to the loopback API), with a
// workspace of its own on the signup-open server (the third of playwright.config.ts).
export const SIGNUP_API = `http://127.0.0.1:${process.env.E2E_SIGNUP_PORT ?? 18183}`;

const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css" };

export type Site = { origin: string; server: Server; tenantId: string; token: string; close(): Promise<void> };

/** Wraps `body` in a small HTML page. */
export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><main><h1>${title}</h1><p>Host content.</p></main>${body}</body></html>`;
}

/**
 * A new workspace on the signup server and a site that embeds its widget: `pages` maps a path
 * to its HTML (a function, so a page can be written once the token is known), and `dir` serves
 * files under `/app/`. The site's origin is on the workspace's allowed list; `token` is a widget
 * token of the workspace.
 */
export async function widgetSite(
  page: Page,
  pages: (site: { tenantId: string; token: string; api: string }) => Record<string, string>,
  dir?: string,
): Promise<Site> {
  const tag = `s${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const created = await page.request.post(`${SIGNUP_API}/api/setup/workspace`, {
    data: { companyName: `Site ${tag}`, name: "Sam Owner", email: `sam.${tag}@example.com`, password: "owner-password-123" },
  });
  expect(created.status(), await created.text()).toBe(201);
  const tenantId: string = (await created.json()).tenantId;
  let served: Record<string, string> = {};
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path in served) {
      res.writeHead(200, { "content-type": TYPES[".html"] });
      return res.end(served[path]);
    }
    if (dir && path.startsWith("/app/")) {
      const file = normalize(join(dir, path.slice("/app/".length) || "index.html"));
      if (file.startsWith(dir) && existsSync(file)) {
        res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
        return res.end(readFileSync(file));
      }
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  const domain = await page.request.post(`${SIGNUP_API}/api/dashboard/settings/domains`, { data: { origin } });
  expect(domain.status(), await domain.text()).toBeLessThan(300);
  const issued = await page.request.post(`${SIGNUP_API}/api/dashboard/settings/tokens`, { data: { label: "own site" } });
  expect(issued.status(), await issued.text()).toBe(201);
  const token: string = (await issued.json()).secret;
  served = pages({ tenantId, token, api: SIGNUP_API });
  return { origin, server, tenantId, token, close: () => new Promise((done) => server.close(() => done())) };
}

/** Opens the panel, gives contact details, asks, and waits for the assistant's answer. */
export async function chatOnce(page: Page, who = "Embed Tester") {
  await page.getByRole("button", { name: /open chat/i }).click();
  const chat = page.getByRole("dialog");
  await expect(chat).toBeVisible();
  await chat.getByLabel("Name").fill(who);
  await chat.getByLabel("Email").fill(`visitor.${Date.now()}@example.com`);
  await chat.getByLabel("Email").press("Enter");
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill("What are your opening hours?");
  await box.press("Enter");
  await expect(page.getByRole("log", { name: "Messages" }).locator(".lc-msg--assistant").first()).toBeVisible();
}
