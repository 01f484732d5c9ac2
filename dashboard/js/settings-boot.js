// Starts the dashboard's settings app (see boot.js for why this is a file).
import init, { start } from "/dashboard/settings.js";

await init({ module_or_path: "/dashboard/settings_bg.wasm" });
start();
