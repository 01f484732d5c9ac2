// The React app of end2end/tests/react.spec.ts, built by scripts/test.sh:
// `npx vite build --config react-app/vite.config.mjs` from end2end/.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here("."),
  base: "./",
  logLevel: "warn",
  build: { outDir: here("./dist"), emptyOutDir: true, minify: false },
  // Development React: StrictMode's double effects only happen there.
  define: { "process.env.NODE_ENV": JSON.stringify("development") },
  resolve: {
    // The package in the repo, as an app would install it from npm; its `react` import is
    // the app's own.
    alias: { "@livechat-rs/react": here("../../widget/react/index.js") },
    dedupe: ["react", "react-dom"],
  },
});
