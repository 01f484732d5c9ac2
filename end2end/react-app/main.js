// A React app (StrictMode, development React) that embeds the chat widget with <WebWidget/>
// once "Mount" is pressed, with buttons that change its props and unmount it. The server's details come in the query string.
import { StrictMode, createElement as h, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { WebWidget } from "@livechat-rs/react";

const params = new URLSearchParams(location.search);

// Counts its effect's runs: StrictMode (development React) runs a new component's effects twice.
function Probe() {
  useEffect(() => {
    window.__probeEffects = (window.__probeEffects ?? 0) + 1;
  }, []);
  return null;
}

function App() {
  const [mounted, setMounted] = useState(false);
  const [color, setColor] = useState("#6b3e26");
  const [company, setCompany] = useState("React Roasters");
  const [renders, setRenders] = useState(0);
  return h(
    "div",
    null,
    h("h1", null, "React shop"),
    h("button", { type: "button", onClick: () => setColor("#0f766e") }, "Change colour"),
    h("button", { type: "button", onClick: () => setCompany("Renamed Roasters") }, "Rename"),
    h("button", { type: "button", onClick: () => setRenders((n) => n + 1) }, `Re-render (${renders})`),
    h("button", { type: "button", onClick: () => setMounted((m) => !m) }, mounted ? "Unmount" : "Mount"),
    mounted && h(Probe),
    mounted &&
      h(WebWidget, {
        tenantId: params.get("tenant"),
        apiUrl: params.get("api"),
        token: params.get("token"),
        primaryColor: color,
        companyName: company,
        onReady: (widget) => {
          window.__widgetsRendered = (window.__widgetsRendered ?? 0) + 1;
          window.__widget = widget;
        },
      }),
  );
}

createRoot(document.getElementById("app")).render(h(StrictMode, null, h(App)));
