// <WebWidget/>: the live chat widget in a React app. A thin wrapper over `renderWebWidget` from
// the chat server's own `web-widget.js` (loaded at run time, so the widget is always the
// server's version and the app's bundle stays small):
//
//   import { WebWidget } from "@livechat-rs/react";
//   <WebWidget tenantId="…" apiUrl="https://chat.example.com" token="wt_…" primaryColor="#6b3e26" />
//
// - One widget per mounted component, StrictMode's double effects included: a render that was
//   cleaned up before the loader arrived renders nothing.
// - tenantId, apiUrl, token (and loaderUrl) identify the widget: changing one renders a new one.
//   Every other option is applied to the rendered widget in place (`handle.update`), so an open
//   conversation stays open.
// - Unmounting destroys it: launcher, panel, listeners and event stream.
import { useEffect, useRef } from "react";

// The options `update` takes; a prop that is no longer given goes back to the tenant's setting.
const OPTIONS = ["primaryColor", "companyName", "position", "theme", "greeting", "userHash", "locale"];

// One import per loader URL for the page's life (a failed one is tried again next time).
const loaders = new Map();
function loadWidget(url) {
  let loading = loaders.get(url);
  if (!loading) {
    loading = import(/* @vite-ignore */ /* webpackIgnore: true */ url);
    loading.catch(() => loaders.delete(url));
    loaders.set(url, loading);
  }
  return loading;
}

/** The loader's URL on the chat server: `{apiUrl}/widget/web-widget.js`. */
export function loaderUrlFor(apiUrl) {
  return `${String(apiUrl).replace(/\/+$/, "")}/widget/web-widget.js`;
}

function optionsOf(props) {
  return Object.fromEntries(OPTIONS.map((key) => [key, props[key]]));
}

/**
 * Renders the chat widget while mounted. Renders no React element: the widget lives in its own
 * shadow root at the end of `<body>`.
 */
export function WebWidget(props) {
  const { tenantId, apiUrl, token, open = false } = props;
  const loaderUrl = props.loaderUrl ?? loaderUrlFor(apiUrl);
  const handle = useRef(null);
  // The latest props, for the render that happens after the loader arrives.
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    let cancelled = false;
    let widget = null;
    loadWidget(loaderUrl).then(
      ({ renderWebWidget }) => {
        if (cancelled) return;
        const current = latest.current;
        widget = renderWebWidget({ ...optionsOf(current), tenantId, apiUrl, token, open: current.open });
        handle.current = widget;
        current.onReady?.(widget);
      },
      (error) => {
        if (cancelled) return;
        if (latest.current.onError) latest.current.onError(error);
        else console.error("WebWidget: the chat widget could not load.", error);
      },
    );
    return () => {
      cancelled = true;
      if (handle.current === widget) handle.current = null;
      widget?.destroy();
    };
  }, [tenantId, apiUrl, token, loaderUrl]);

  const options = optionsOf(props);
  const changed = JSON.stringify(options);
  useEffect(() => {
    handle.current?.update(options);
    // `changed` stands for the option values: a new object each render is not a change.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [changed]);

  // `open` follows the prop when it changes; the visitor may still open or close it.
  const wasOpen = useRef(open);
  useEffect(() => {
    if (wasOpen.current === open) return;
    wasOpen.current = open;
    if (open) handle.current?.open();
    else handle.current?.close();
  }, [open]);

  return null;
}
