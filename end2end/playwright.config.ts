import { defineConfig, devices } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

// The servers under test: API (and the widget's files) on one origin, the demo host page on
// another, a fresh SQLite database per run; and a second one with no workspace at all. Built by scripts/test.sh before this runs.
const root = resolve(__dirname, "..");
const apiPort = Number(process.env.E2E_API_PORT ?? 18180);
const demoPort = Number(process.env.E2E_DEMO_PORT ?? 18181);
const emptyPort = Number(process.env.E2E_EMPTY_PORT ?? 18182);
const signupPort = Number(process.env.E2E_SIGNUP_PORT ?? 18183);
// A server whose AI provider is an OpenAI-compatible stub that streams its replies.
const openaiPort = Number(process.env.E2E_OPENAI_PORT ?? 18186);
const streamingPort = Number(process.env.E2E_STREAMING_PORT ?? 18187);
const streamingDemoPort = Number(process.env.E2E_STREAMING_DEMO_PORT ?? 18188);
// Twilio's Messages API, for the SMS the demo server sends (channels.spec.ts).
const twilioPort = Number(process.env.E2E_TWILIO_PORT ?? 18189);
const streamingDataDir = mkdtempSync(join(tmpdir(), "livechat-e2e-streaming-"));
const dataDir = mkdtempSync(join(tmpdir(), "livechat-e2e-"));
// A second server with an empty data directory and no demo: a business's first run.
const emptyDataDir = mkdtempSync(join(tmpdir(), "livechat-e2e-empty-"));
// A third with signup open and no demo: tests that change a workspace's settings each make
// their own workspace, so they never change what the demo's tests rely on.
// Exported to the test workers (they inherit the runner's environment and load this file
// again): usage.spec.ts puts a workspace of this server on a plan with the server's CLI.
const signupDataDir = (process.env.E2E_SIGNUP_DATA_DIR ??= mkdtempSync(join(tmpdir(), "livechat-e2e-signup-")));
const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, "target");

export const API_ORIGIN = `http://127.0.0.1:${apiPort}`;
export const DEMO_URL = `http://localhost:${demoPort}/`;
// The seeded demo admin signs in to the dashboard with this in the end-to-end tests.
const DEMO_ADMIN_PASSWORD = "e2e-admin-password";

export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: DEMO_URL,
    trace: "retain-on-failure",
    launchOptions: {
      // Debian's Chromium: a test tool's own browser download cannot work here.
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"] } }],
  webServer: [{
    command: `${join(targetDir, "debug", "server")}`,
    url: `${API_ORIGIN}/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      LIVECHAT_LISTEN: `127.0.0.1:${apiPort}`,
      LIVECHAT_DEMO_LISTEN: `127.0.0.1:${demoPort}`,
      LIVECHAT_DATA_DIR: dataDir,
      LIVECHAT_WIDGET_DIR: join(root, "dist", "widget"),
      LIVECHAT_DASHBOARD_DIR: join(root, "dist", "dashboard"),
      LIVECHAT_DEMO_ADMIN_PASSWORD: DEMO_ADMIN_PASSWORD,
      LIVECHAT_PUBLIC_DIR: join(root, "public"),
      // Every test signs the demo admin in from 127.0.0.1: more than the default burst of 5 a
      // minute (the limit itself is tested in server/tests/api/abuse).
      LIVECHAT_LOGIN_BURST: "60",
      LIVECHAT_LOGINS_PER_MINUTE: "60",
      LIVECHAT_TWILIO_API_BASE: `http://127.0.0.1:${twilioPort}`,
      LIVECHAT_OUTBOX_POLL_MS: "100",
      RUST_LOG: "warn",
    },
  }, {
    command: `node ${join(root, "end2end", "support", "twilio-stub.mjs")}`,
    url: `http://127.0.0.1:${twilioPort}/health`,
    reuseExistingServer: false,
    timeout: 30_000,
    env: { E2E_TWILIO_PORT: String(twilioPort) },
  }, {
    command: `${join(targetDir, "debug", "server")}`,
    url: `http://127.0.0.1:${emptyPort}/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      LIVECHAT_LISTEN: `127.0.0.1:${emptyPort}`,
      LIVECHAT_DATA_DIR: emptyDataDir,
      LIVECHAT_WIDGET_DIR: join(root, "dist", "widget"),
      LIVECHAT_DASHBOARD_DIR: join(root, "dist", "dashboard"),
      LIVECHAT_PUBLIC_DIR: join(root, "public"),
      RUST_LOG: "warn",
    },
  }, {
    command: `${join(targetDir, "debug", "server")}`,
    url: `http://127.0.0.1:${signupPort}/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      LIVECHAT_LISTEN: `127.0.0.1:${signupPort}`,
      LIVECHAT_DATA_DIR: signupDataDir,
      LIVECHAT_SIGNUP: "open",
      // Plans a workspace can be put on (none is, unless a test does): usage.spec.ts caps one.
      LIVECHAT_PLANS: join(root, "end2end", "support", "plans.toml"),
      // The channel specs point SMTP accounts at 127.0.0.1 here (open sign-up refuses private
      // hosts unless the operator allows them; the API tests cover the refusal).
      LIVECHAT_SMTP_ALLOW_PRIVATE: "true",
      LIVECHAT_WIDGET_DIR: join(root, "dist", "widget"),
      LIVECHAT_DASHBOARD_DIR: join(root, "dist", "dashboard"),
      LIVECHAT_PUBLIC_DIR: join(root, "public"),
      // Every test creates a workspace (rate-limited like a sign-in) from 127.0.0.1.
      LIVECHAT_LOGIN_BURST: "60",
      LIVECHAT_LOGINS_PER_MINUTE: "60",
      RUST_LOG: "warn",
    },
  }, {
    command: `node ${join(root, "end2end", "support", "openai-stub.mjs")}`,
    url: `http://127.0.0.1:${openaiPort}/health`,
    reuseExistingServer: false,
    timeout: 30_000,
    env: { E2E_OPENAI_PORT: String(openaiPort) },
  }, {
    command: `${join(targetDir, "debug", "server")}`,
    url: `http://127.0.0.1:${streamingPort}/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      LIVECHAT_LISTEN: `127.0.0.1:${streamingPort}`,
      LIVECHAT_DEMO_LISTEN: `127.0.0.1:${streamingDemoPort}`,
      LIVECHAT_DATA_DIR: streamingDataDir,
      LIVECHAT_WIDGET_DIR: join(root, "dist", "widget"),
      LIVECHAT_DASHBOARD_DIR: join(root, "dist", "dashboard"),
      LIVECHAT_PUBLIC_DIR: join(root, "public"),
      LIVECHAT_AI_PROVIDER: "openai",
      OPENAI_BASE_URL: `http://127.0.0.1:${openaiPort}/v1`,
      OPENAI_API_KEY: "sk-e2e-not-a-secret",
      OPENAI_MODEL: "e2e-stub",
      RUST_LOG: "warn",
    },
  }],
});
