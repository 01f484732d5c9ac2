// Starts the dashboard. A file rather than an inline script, so a strict Content-Security-Policy
// (script-src 'self' 'wasm-unsafe-eval') does not need an exception for it.
import init, { start } from "/dashboard/dashboard.js";

await init({ module_or_path: "/dashboard/dashboard_bg.wasm" });
start();
