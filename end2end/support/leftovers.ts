// What a widget could leave behind on a page once destroyed: listeners on the window, the
// document and other non-element targets (media queries, the visual viewport, channels), and the
// event streams it opened. `page.addInitScript(trackLeftovers)` before the page loads, then
// `window.__leftovers()` reads them.
export function trackLeftovers() {
  const w = window as any;
  const live = new Set<string>();
  const wrappers = new WeakMap<object, Map<string, EventListener>>();
  let ids = 0;
  const idOf = new WeakMap<object, number>();
  const id = (o: object) => {
    if (!idOf.has(o)) idOf.set(o, ++ids);
    return idOf.get(o);
  };
  const tracked = (target: EventTarget) =>
    !(target instanceof Node) || target === document || target === document.documentElement || target === document.body;
  const key = (target: EventTarget, type: string, listener: object, options?: boolean | AddEventListenerOptions) => {
    const capture = typeof options === "boolean" ? options : !!options?.capture;
    const name = target === window ? "window" : target === document ? "document" : (target as any).constructor?.name;
    return `${name}#${id(target)} ${type} listener#${id(listener)} capture=${capture}`;
  };
  // Only what the page's scripts add: Playwright's own injected code (no URL in its stack) adds
  // listeners to the window as it drives the page.
  const fromPage = () => /https?:\/\//.test(new Error().stack ?? "");
  const add = EventTarget.prototype.addEventListener;
  const remove = EventTarget.prototype.removeEventListener;
  EventTarget.prototype.addEventListener = function (type: string, listener: any, options?: any) {
    if (!listener || !tracked(this) || !fromPage()) return add.call(this, type, listener, options);
    const k = key(this, type, listener, options);
    if (live.has(k)) return add.call(this, type, listener, options);
    live.add(k);
    if (typeof options === "object" && options?.once) {
      // A once listener removes itself when it runs.
      const wrapper = function (this: unknown, event: Event) {
        live.delete(k);
        return typeof listener === "function" ? listener.call(this, event) : listener.handleEvent(event);
      };
      if (!wrappers.has(listener)) wrappers.set(listener, new Map());
      wrappers.get(listener)!.set(k, wrapper);
      return add.call(this, type, wrapper, options);
    }
    return add.call(this, type, listener, options);
  };
  EventTarget.prototype.removeEventListener = function (type: string, listener: any, options?: any) {
    if (!listener || !tracked(this)) return remove.call(this, type, listener, options);
    const k = key(this, type, listener, options);
    live.delete(k);
    const wrapper = wrappers.get(listener)?.get(k);
    return remove.call(this, type, wrapper ?? listener, options);
  };
  const sources: EventSource[] = [];
  const Native = w.EventSource;
  w.EventSource = class extends Native {
    constructor(url: string, init?: EventSourceInit) {
      super(url, init);
      sources.push(this as unknown as EventSource);
    }
  };
  w.__leftovers = () => ({
    listeners: [...live].sort(),
    openStreams: sources.filter((s) => s.readyState !== 2).length,
    streams: sources.length,
  });
}
