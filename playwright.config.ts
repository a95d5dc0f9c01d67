import { existsSync } from "node:fs";
import { defineConfig } from "@playwright/test";

// Browser tests run against the production build (HOLDFAST_BUILD_DIR, or
// build/ as `npm test` makes it), each worker on its own server and fresh
// database file (tests/e2e/fixtures.ts). Debian's chromium when the machine
// has it, so CI never downloads a browser.
const debianChromium = "/usr/bin/chromium";

export default defineConfig({
  testDir: "tests/e2e",
  outputDir: "test-results/playwright",
  workers: 2,
  fullyParallel: true,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  forbidOnly: true,
  // `npm test` reads the JSON report from PLAYWRIGHT_JSON_OUTPUT_NAME
  reporter: [["list"], ["json"]],
  use: {
    browserName: "chromium",
    trace: "retain-on-failure",
    launchOptions: existsSync(debianChromium)
      ? {
          executablePath: debianChromium,
          args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
          ],
        }
      : {},
  },
});
