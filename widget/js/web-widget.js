// Live chat widget loader. This file is all a page loads before the launcher shows: it draws the
// launcher in a shadow root and loads the chat panel (widget.js + widget_bg.wasm, next to this
// file) only when the page is idle or the visitor reaches for the launcher. It never delays the
// host page's `load` event.
//
//   import { renderWebWidget } from "https://chat.example.com/widget/web-widget.js";
//   const chat = renderWebWidget({ tenantId, apiUrl, token, primaryColor, companyName, position });
//
// `locale` ("en", "es", or a tag such as "es-MX") picks the widget's language; without it (or
// for a language it doesn't speak) the browser's languages decide, else English.
//
// For a signed-in customer, pass `userHash`: hex HMAC-SHA256(identity secret, lowercase email),
// computed by the site's backend. It goes with the contact details and proves the email.
//
// Recommended: import it after the page's own `load`, so the widget never makes the page's load
// event later (a static `import` is fetched before it):
//
//   <script type="module">
//     const chat = () => import("https://chat.example.com/widget/web-widget.js")
//       .then(({ renderWebWidget }) => renderWebWidget({ tenantId, apiUrl, token }));
//     document.readyState === "complete" ? chat() : addEventListener("load", chat, { once: true });
//   </script>
//
// From a classic script: scripts/build-widget.sh turns this file into web-widget.global.js,
// which defines window.ChatWidget.renderWebWidget (the module defines it too):
//
//   <script src="https://chat.example.com/widget/web-widget.global.js"></script>
//   <script>ChatWidget.renderWebWidget({ tenantId, apiUrl, token });</script>

// Where this file was loaded from: widget.js and widget_bg.wasm sit next to it. (The classic
// build replaces this line with the script element's URL.)
const BASE_URL = import.meta.url;

const DEFAULT_COLOR = "#2563eb";
const POSITIONS = ["bottom-right", "bottom-left", "top-right", "top-left"];
const THEMES = ["light", "dark", "auto"];
// The launcher's words in each language the widget speaks (the panel has its own).
const WORDS = {
  en: {
    open: "Open chat",
    openWith: (company) => `Open chat with ${company}`,
    loadFailed: "Chat couldn't load. Check your connection and try again.",
  },
  es: {
    open: "Abrir el chat",
    openWith: (company) => `Abrir el chat con ${company}`,
    loadFailed: "No se pudo cargar el chat. Comprueba tu conexión e inténtalo de nuevo.",
  },
};

const LAUNCHER_CSS = `:host{all:initial!important;position:fixed!important;top:0!important;left:0!important;width:0!important;height:0!important;z-index:2147483000!important;display:block!important}
.lc-launcher{all:unset;box-sizing:border-box;position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;display:grid;place-items:center;cursor:pointer;background:var(--lc-primary);color:var(--lc-on-primary);box-shadow:0 4px 14px rgba(0,0,0,.25);transition:transform .15s ease;-webkit-tap-highlight-color:transparent}
:host([data-position$=left]) .lc-launcher{right:auto;left:20px}
:host([data-position^=top]) .lc-launcher{bottom:auto;top:20px}
.lc-launcher:hover{transform:scale(1.06)}
.lc-launcher:focus-visible{outline:3px solid var(--lc-primary);outline-offset:3px;box-shadow:0 0 0 3px #fff}
.lc-launcher[aria-busy=true]{cursor:progress}
.lc-launcher svg{width:28px;height:28px}
.lc-launcher[aria-expanded=true] .lc-i-chat,.lc-launcher:not([aria-expanded=true]) .lc-i-close{display:none}
.lc-load-error{position:fixed;right:20px;bottom:88px;max-width:260px;margin:0;padding:10px 14px;border-radius:10px;background:#fff;color:#b91c1c;box-shadow:0 4px 14px rgba(0,0,0,.2);font:14px/1.4 system-ui,sans-serif}
:host([data-position$=left]) .lc-load-error{right:auto;left:20px}
:host([data-position^=top]) .lc-load-error{bottom:auto;top:88px}
@media (prefers-reduced-motion:reduce){.lc-launcher{transition:none}.lc-launcher:hover{transform:none}}
@media print{:host{display:none!important}}`;

const ICONS =
  '<svg class="lc-i-chat" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8.4L4 21.5V18a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z"/></svg>' +
  '<svg class="lc-i-close" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M6 6l12 12M18 6L6 18" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" fill="none"/></svg>';

// One download and one WASM instance per page, however many widgets it renders.
let panelModule = null;
function loadPanelModule() {
  if (!panelModule) {
    panelModule = import(new URL("./widget.js", BASE_URL).href)
      .then(async (mod) => {
        await mod.default({ module_or_path: new URL("./widget_bg.wasm", BASE_URL) });
        return mod;
      })
      .catch((error) => {
        panelModule = null; // let a later attempt try again
        throw error;
      });
  }
  return panelModule;
}

// Black or white text, whichever reads better on a hex colour (WCAG luminance).
function textOn(color) {
  let hex = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(color)?.[1];
  if (!hex) return "#fff";
  if (hex.length < 6) hex = hex.replace(/./g, "$&$&");
  const lin = (i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(0) + 0.7152 * lin(2) + 0.0722 * lin(4) > 0.179 ? "#111" : "#fff";
}

// The `locale` option when the widget speaks it (by primary subtag: "es-MX" is "es"), else the
// first language of the browser's it speaks, else English: the panel's rule (i18n.rs).
function pickLocale(option) {
  const browser = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const tag of [option, ...browser]) {
    const lang = typeof tag === "string" ? tag.trim().split(/[-_]/)[0].toLowerCase() : "";
    if (Object.keys(WORDS).includes(lang)) return lang;
  }
  return "en";
}

// The options as the launcher and the panel use them: unknown values fall back with a warning.
function settle(opts) {
  let position = opts.position ?? "bottom-right";
  if (!POSITIONS.includes(position)) {
    console.warn(`renderWebWidget: unknown position "${position}"; using "bottom-right".`);
    position = "bottom-right";
  }
  let color = opts.primaryColor ?? DEFAULT_COLOR;
  if (typeof color !== "string" || !(globalThis.CSS?.supports?.("color", color) ?? true)) {
    console.warn(`renderWebWidget: "${color}" is not a CSS colour; using ${DEFAULT_COLOR}.`);
    color = DEFAULT_COLOR;
  }
  const theme = THEMES.includes(opts.theme) ? opts.theme : "light";
  const companyName = typeof opts.companyName === "string" ? opts.companyName.trim() : "";
  const locale = pickLocale(opts.locale);
  return {
    position,
    color,
    theme,
    companyName,
    locale,
    panel: {
      tenantId: opts.tenantId,
      apiUrl: opts.apiUrl,
      token: opts.token,
      companyName,
      // Only what the embedder chose: the rest comes from the tenant's settings (/config).
      primaryColor: opts.primaryColor == null ? undefined : color,
      position: opts.position == null ? undefined : position,
      theme: opts.theme == null ? undefined : theme,
      greeting: typeof opts.greeting === "string" ? opts.greeting : undefined,
      userHash: typeof opts.userHash === "string" ? opts.userHash : undefined,
      // Decided here, so the launcher and the panel speak the same language. The panel keeps
      // the one it was mounted with: a later `update({ locale })` renames only the launcher.
      locale,
    },
  };
}

// Corner, theme and colour on the host element (the panel reads them there too), and the
// launcher's name in the widget's language.
function brand(host, launcher, { position, theme, color, companyName, locale }) {
  host.dataset.position = position;
  host.dataset.theme = theme;
  host.style.setProperty("--lc-primary", color);
  host.style.setProperty("--lc-on-primary", textOn(color));
  const words = WORDS[locale];
  launcher.lang = locale;
  launcher.setAttribute("aria-label", companyName ? words.openWith(companyName) : words.open);
}

/**
 * Renders the chat launcher and returns a handle: { open(), close(), toggle(), update(options),
 * destroy(), ready }.
 * `ready` resolves once the chat panel has loaded.
 */
export function renderWebWidget(options) {
  const opts = { ...options };
  for (const key of ["tenantId", "apiUrl", "token"]) {
    if (typeof opts[key] !== "string" || !opts[key].trim()) {
      throw new Error(`renderWebWidget: the "${key}" option is required.`);
    }
  }
  let settled = settle(opts);

  // A custom element name: host rules such as `div { ... }` don't match it, and the shadow
  // root's `:host { all: initial !important }` resets whatever `*` rules set on it.
  const host = document.createElement("livechat-widget");
  const root = host.attachShadow({ mode: "open" });

  // Constructed, not a <style>: a host CSP without 'unsafe-inline' blocks only the latter.
  if (root.adoptedStyleSheets) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(LAUNCHER_CSS);
    root.adoptedStyleSheets = [sheet];
  } else root.append(Object.assign(document.createElement("style"), { textContent: LAUNCHER_CSS }));
  const container = document.createElement("div");
  container.className = "lc-root";
  const launcher = document.createElement("button");
  launcher.type = "button";
  launcher.className = "lc-launcher";
  launcher.setAttribute("aria-expanded", "false");
  launcher.innerHTML = ICONS;
  brand(host, launcher, settled);
  // The colour scheme the one dark palette of the CSS keys on (data-scheme): "dark", or "auto" on
  // a system in dark mode, whoever set the theme (the embedder here, the workspace's settings in
  // the panel), and following the system as it changes.
  const darkSystem = matchMedia("(prefers-color-scheme: dark)");
  const scheme = () => {
    const theme = host.dataset.theme;
    host.dataset.scheme = theme === "dark" || (theme === "auto" && darkSystem.matches) ? "dark" : "light";
  };
  const themeWatch = new MutationObserver(scheme);
  themeWatch.observe(host, { attributes: true, attributeFilter: ["data-theme"] });
  darkSystem.addEventListener("change", scheme);
  scheme();
  root.append(container, launcher);
  (document.body || document.documentElement).append(host);

  let isOpen = false;
  let destroyed = false;
  let panel = null;
  let mounting = null;
  let idleHandle = null;
  let resolveReady, rejectReady;
  const ready = new Promise((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => {}); // rejected only by destroy(); nobody has to listen


  function showLoadError(show) {
    root.querySelector(".lc-load-error")?.remove();
    if (show) {
      const p = document.createElement("p");
      p.className = "lc-load-error";
      p.setAttribute("role", "alert");
      p.lang = settled.locale;
      p.textContent = WORDS[settled.locale].loadFailed;
      root.append(p);
    }
  }

  function load() {
    if (panel || mounting || destroyed) return;
    cancelIdle();
    mounting = loadPanelModule()
      .then((mod) => {
        if (destroyed) return;
        panel = mod.mount_panel(container, settled.panel, () => close());
        panel.set_open(isOpen);
        showLoadError(false);
        resolveReady(handle);
      })
      .catch((error) => {
        console.error("Live chat widget: the chat panel could not load.", error);
        // `ready` stays pending: the next open() tries again.
        if (isOpen) {
          setOpen(false);
          showLoadError(true);
        }
      })
      .finally(() => {
        mounting = null;
        launcher.removeAttribute("aria-busy");
      });
  }

  // Proactive messages: once the page has loaded, the rules are asked for, and only a
  // workspace that has some loads the module that watches for them (proactive.js).
  const fetches = new AbortController();
  let proactive = null;
  function startProactive() {
    const api = `${opts.apiUrl.replace(/\/+$/, "")}/api/widgets/${encodeURIComponent(opts.tenantId)}`;
    const headers = { Authorization: `Bearer ${opts.token}` };
    const track = (ruleId, event) =>
      fetch(`${api}/track`, {
        method: "POST",
        keepalive: true,
        headers: { ...headers, "Content-Type": "application/json" },
        body: JSON.stringify({ ruleId, event }),
      }).catch(() => {});
    fetch(`${api}/proactive`, { headers, signal: fetches.signal })
      .then((r) => (r.ok ? r.json() : null))
      .then(async (answer) => {
        if (!answer?.rules?.length || destroyed) return;
        const mod = await import(new URL("./proactive.js", BASE_URL).href);
        if (destroyed) return;
        proactive = mod.start({
          rules: answer.rules,
          root,
          tenantId: opts.tenantId,
          locale: settled.locale,
          track,
          open,
          isOpen: () => isOpen,
          focusLauncher: () => launcher.focus(),
        });
      })
      .catch(() => {}); // no bubble is all a failure costs
  }

  function setOpen(open) {
    if (open) proactive?.hide();
    isOpen = open;
    launcher.setAttribute("aria-expanded", String(open));
    panel?.set_open(open);
  }

  function open() {
    if (destroyed) return;
    showLoadError(false);
    setOpen(true);
    if (!panel) launcher.setAttribute("aria-busy", "true"); // until the panel has loaded
    // A dynamic import and a fetch never hold up the page's load event, so no need to wait.
    load();
  }

  function close() {
    if (destroyed || !isOpen) return;
    // Focus returns to the launcher only if it was inside the widget: a host page calling
    // close() must not have its focus stolen.
    const hadFocus = root.activeElement !== null;
    setOpen(false);
    if (hadFocus) launcher.focus();
  }

  function toggle() {
    isOpen ? close() : open();
  }

  // On a phone the open panel covers the whole page, so focus stays in it: Tab and Shift+Tab
  // go round its controls, and focus that lands on the page behind comes back.
  const phone = matchMedia("(max-width: 480px)");
  const trapping = () => isOpen && phone.matches;
  function panelControls() {
    return [
      ...root.querySelectorAll(
        ".lc-panel :is(button,input,textarea,select,a[href],[tabindex]):not([disabled],[tabindex='-1'])",
      ),
    ].filter((e) => e.getClientRects().length);
  }

  function onKeydown(event) {
    if (event.key === "Escape" && isOpen) {
      event.preventDefault();
      event.stopPropagation();
      close();
    } else if (event.key === "Tab" && trapping()) {
      const controls = panelControls();
      const at = root.activeElement;
      const edge = event.shiftKey ? controls[0] : controls[controls.length - 1];
      if (controls.length && (at === edge || !controls.includes(at))) {
        event.preventDefault();
        (event.shiftKey ? controls[controls.length - 1] : controls[0]).focus();
      }
    }
  }

  function onPageFocus(event) {
    if (trapping() && event.target !== host) panelControls()[0]?.focus();
  }

  // Keeps the full-screen phone layout sized to what is visible above the on-screen keyboard.
  const viewport = window.visualViewport;
  function onViewport() {
    host.style.setProperty("--lc-vv-height", `${viewport.height}px`);
    host.style.setProperty("--lc-vv-top", `${viewport.offsetTop}px`);
  }

  function cancelIdle() {
    if (idleHandle === null) return;
    if (window.cancelIdleCallback) window.cancelIdleCallback(idleHandle);
    else clearTimeout(idleHandle);
    idleHandle = null;
  }

  function scheduleIdleLoad() {
    if (destroyed || panel || mounting) return;
    idleHandle = window.requestIdleCallback
      ? window.requestIdleCallback(load, { timeout: 5000 })
      : setTimeout(load, 200);
  }

  launcher.addEventListener("click", toggle);
  launcher.addEventListener("pointerenter", load);
  launcher.addEventListener("focus", load);
  root.addEventListener("keydown", onKeydown);
  document.addEventListener("focusin", onPageFocus);
  if (viewport) {
    viewport.addEventListener("resize", onViewport);
    viewport.addEventListener("scroll", onViewport);
    onViewport();
  }
  // Otherwise the panel loads once the page has loaded and the browser is idle.
  const onPageLoad = () => {
    scheduleIdleLoad();
    startProactive();
  };
  if (opts.open) open();
  if (document.readyState === "complete") onPageLoad();
  else window.addEventListener("load", onPageLoad, { once: true });

  function destroy() {
    if (destroyed) return;
    destroyed = true;
    cancelIdle();
    fetches.abort();
    proactive?.stop();
    window.removeEventListener("load", onPageLoad);
    launcher.removeEventListener("click", toggle);
    launcher.removeEventListener("pointerenter", load);
    launcher.removeEventListener("focus", load);
    root.removeEventListener("keydown", onKeydown);
    document.removeEventListener("focusin", onPageFocus);
    themeWatch.disconnect();
    darkSystem.removeEventListener("change", scheme);
    if (viewport) {
      viewport.removeEventListener("resize", onViewport);
      viewport.removeEventListener("scroll", onViewport);
    }
    panel?.unmount();
    panel?.free();
    panel = null;
    host.remove();
    rejectReady(new Error("The chat widget was destroyed."));
  }

  // Options changed after rendering (the React component's props, say): applied in place.
  function update(changes) {
    if (destroyed) return;
    for (const key of ["tenantId", "apiUrl", "token"]) {
      if (key in changes && changes[key] !== opts[key]) {
        throw new Error(`renderWebWidget: "${key}" cannot change; destroy() the widget and render a new one.`);
      }
    }
    Object.assign(opts, changes);
    settled = settle(opts);
    brand(host, launcher, settled);
    panel?.update(settled.panel);
  }

  const handle = { open, close, toggle, update, destroy, ready };
  return handle;
}

// The global the classic script tag documents (`LiveChatWidget` is its earlier name).
if (typeof window !== "undefined") {
  window.ChatWidget = window.LiveChatWidget = { renderWebWidget };
}
