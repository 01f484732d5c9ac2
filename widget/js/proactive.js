// Proactive messages: web-widget.js loads this module (next to it) only for a workspace with
// rules, once the page has loaded. It watches the page for each rule's trigger (time on page,
// scroll depth, idle time, exit intent, page visit, returning visitor) and shows one small
// bubble by the launcher, without loading the chat panel. A bubble shows at most once per page
// view, per rule once per browsing session or once every N days, and never again for a visitor
// who closed it. Shows, opens and closes are reported to the server, which counts them.

const DAY_MS = 86_400_000;
const CLOSE = { en: "Close message", es: "Cerrar mensaje" };

const CSS = `.lc-pm{position:fixed;right:20px;bottom:88px;display:flex;align-items:flex-start;gap:4px;max-width:min(260px,calc(100vw - 40px));padding:4px;border-radius:12px;background:#fff;color:#111;box-shadow:0 4px 16px rgba(0,0,0,.22);font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;animation:lc-pm-in .2s ease-out}
:host([data-position$=left]) .lc-pm{right:auto;left:20px}
:host([data-position^=top]) .lc-pm{bottom:auto;top:88px}
:host([data-scheme=dark]) .lc-pm{background:#1f2937;color:#f9fafb}
.lc-pm button{all:unset;box-sizing:border-box;cursor:pointer;border-radius:8px}
.lc-pm button:focus-visible{outline:3px solid var(--lc-primary);outline-offset:1px}
.lc-pm-text{flex:1;padding:8px 10px;white-space:pre-line;overflow-wrap:anywhere}
.lc-pm-text:hover{background:rgba(127,127,127,.12)}
.lc-pm-x{flex:none;width:28px;height:28px;display:grid;place-items:center;font-size:18px;line-height:1}
.lc-pm-x:hover{background:rgba(127,127,127,.16)}
.lc-pm-live{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
@keyframes lc-pm-in{from{opacity:0;transform:translateY(6px)}}
@media (prefers-reduced-motion:reduce){.lc-pm{animation:none}}`;

/** True when `href` is one of the pages of `pattern` (as the server prints a PagePattern:
 * `[origin]/path[/*]`; none: every page). The same cases as shared::proactive's tests. */
export function pageMatches(pattern, href) {
  if (!pattern) return true;
  let url;
  try {
    url = new URL(href);
  } catch {
    return false;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  const prefix = pattern.endsWith("*");
  let path = prefix ? pattern.slice(0, -1) : pattern;
  if (!path.startsWith("/")) {
    const at = new URL(path);
    if (at.origin !== url.origin) return false;
    path = at.pathname;
  }
  const normal = (p) => p.replace(/\/+$/, "") || "/";
  const page = normal(url.pathname);
  const base = normal(path);
  if (!prefix) return page === base;
  return base === "/" || page === base || page.startsWith(`${base}/`);
}

// Storage that may be missing or refuse (private modes, blocked cookies): then nothing is
// remembered, and caps hold for this page view only.
function store(kind) {
  const get = (key) => {
    try {
      return JSON.parse(globalThis[kind].getItem(key));
    } catch {
      return null;
    }
  };
  const set = (key, value) => {
    try {
      globalThis[kind].setItem(key, JSON.stringify(value));
    } catch {}
  };
  return { get, set };
}

/**
 * Starts watching. `rules` are the server's WidgetRule list; `root` is the launcher's shadow
 * root (the bubble goes in it); `track(ruleId, event)` reports; `open()` opens the chat;
 * `isOpen()` says whether it is. Returns { hide(), stop() }: hide() removes a shown bubble (the
 * chat opened), stop() removes everything this module added.
 */
export function start({ rules, root, tenantId, locale, track, open, isOpen, focusLauncher }) {
  const local = store("localStorage");
  const session = store("sessionStorage");
  const key = (id) => `lc-pm:${tenantId}:${id}`;
  const now = Date.now();
  const today = Math.floor(now / DAY_MS);
  const firstDay = local.get(key("first-visit"));
  const returning = typeof firstDay === "number" && firstDay < today;
  if (!returning) local.set(key("first-visit"), typeof firstDay === "number" ? firstDay : today);

  const timers = new Set();
  const listeners = [];
  let bubble = null;
  let done = false; // a bubble showed on this page view, or the module stopped

  // Constructed where the loader's is (a strict CSP blocks a <style>), else a <style>.
  let sheet = null;
  let style = null;
  if (root.adoptedStyleSheets) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  } else root.append((style = Object.assign(document.createElement("style"), { textContent: CSS })));
  // Present before any bubble, so a screen reader announces the message when it is written.
  const live = document.createElement("div");
  live.className = "lc-pm-live";
  live.setAttribute("role", "status");
  root.append(live);

  function later(ms, fn) {
    const id = setTimeout(() => {
      timers.delete(id);
      fn();
    }, ms);
    timers.add(id);
    return id;
  }

  function listen(target, type, fn) {
    target.addEventListener(type, fn, { passive: true });
    listeners.push([target, type, fn]);
  }

  function allowed(rule) {
    const seen = local.get(key(rule.id));
    if (seen?.closed) return false;
    if (rule.capDays == null) return !session.get(key(rule.id));
    return !(seen?.at && now - seen.at < rule.capDays * DAY_MS);
  }

  function show(rule) {
    if (done || isOpen() || !allowed(rule) || !pageMatches(rule.pages, location.href)) return;
    done = true;
    session.set(key(rule.id), 1);
    local.set(key(rule.id), { at: Date.now() });
    bubble = document.createElement("div");
    bubble.className = "lc-pm";
    bubble.lang = locale;
    const text = document.createElement("button");
    text.type = "button";
    text.className = "lc-pm-text";
    text.textContent = rule.message;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "lc-pm-x";
    close.setAttribute("aria-label", CLOSE[locale] ?? CLOSE.en);
    close.textContent = "\u00d7";
    text.addEventListener("click", () => {
      remove(false);
      track(rule.id, "opened");
      open();
    });
    const dismiss = () => {
      const refocus = root.activeElement !== null;
      remove(refocus);
      local.set(key(rule.id), { at: Date.now(), closed: true });
      track(rule.id, "dismissed");
    };
    close.addEventListener("click", dismiss);
    bubble.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        dismiss();
      }
    });
    bubble.append(text, close);
    root.append(bubble);
    live.textContent = rule.message;
    track(rule.id, "shown");
  }

  function remove(refocus) {
    bubble?.remove();
    bubble = null;
    live.textContent = "";
    if (refocus) focusLauncher();
  }

  function fire(rule) {
    later(rule.delaySeconds * 1000, () => show(rule));
  }

  const desktop = matchMedia("(hover: hover) and (pointer: fine)").matches;
  for (const rule of rules) {
    if (!allowed(rule) || !pageMatches(rule.pages, location.href)) continue;
    const value = rule.triggerValue;
    switch (rule.trigger) {
      case "time_on_page":
        later(Math.max(0, value * 1000 - performance.now()), () => fire(rule));
        break;
      case "page_visit":
        fire(rule);
        break;
      case "returning_visitor":
        if (returning) fire(rule);
        break;
      case "scroll_depth": {
        let fired = false;
        listen(window, "scroll", () => {
          const page = document.documentElement;
          const seen = ((scrollY + innerHeight) / Math.max(1, page.scrollHeight)) * 100;
          if (!fired && seen >= value) {
            fired = true;
            fire(rule);
          }
        });
        break;
      }
      case "idle": {
        let timer = later(value * 1000, () => fire(rule));
        const reset = () => {
          if (done) return;
          clearTimeout(timer);
          timers.delete(timer);
          timer = later(value * 1000, () => fire(rule));
        };
        for (const type of ["pointermove", "keydown", "scroll", "touchstart"]) listen(window, type, reset);
        break;
      }
      case "exit_intent": {
        if (!desktop) break;
        let fired = false;
        listen(document, "mouseout", (event) => {
          if (!fired && !event.relatedTarget && event.clientY <= 0) {
            fired = true;
            fire(rule);
          }
        });
        break;
      }
    }
  }

  return {
    hide() {
      remove(false);
    },
    stop() {
      done = true;
      for (const id of timers) clearTimeout(id);
      timers.clear();
      for (const [target, type, fn] of listeners) target.removeEventListener(type, fn, { passive: true });
      remove(false);
      live.remove();
      if (sheet) root.adoptedStyleSheets = root.adoptedStyleSheets.filter((s) => s !== sheet);
      style?.remove();
    },
  };
}
