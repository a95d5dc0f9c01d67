// `npm test`: everything CI runs, in order — lint (Prettier, ESLint and the
// layer rule), typecheck, production build,
// Vitest (unit and integration, including real HTTP against the built
// server), then Playwright against the same build. Ends with one line,
// "N passed, N failed", counted over every test that ran.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { chromium } from "@playwright/test";

const reports = "test-results";
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

let passed = 0;
let failed = 0;

function run(label, command, args, env = {}) {
  console.log(`\n▶ ${label}`);
  const result = spawnSync(command, args, { stdio: "inherit", env: { ...process.env, ...env } });
  return result.status === 0;
}

function step(label, command, args) {
  if (run(label, command, args)) passed += 1;
  else failed += 1;
}

step("lint", "npm", ["run", "lint"]);
step("typecheck", "npx", ["tsc"]);
step("build", "npm", ["run", "build"]);

const vitestReport = `${reports}/vitest.json`;
const vitestOk = run("vitest", "npx", [
  "vitest",
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${vitestReport}`,
]);
if (existsSync(vitestReport)) {
  const report = JSON.parse(readFileSync(vitestReport, "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  if (!vitestOk && report.numFailedTests === 0) failed += 1;
} else {
  failed += 1;
}

// The browser tests use Debian's chromium where it is installed (as CI
// does), else Playwright's own browser (playwright.config.ts). Without
// either they cannot run: say so in one line and count it as a failure,
// rather than print a page of failing tests or skip them quietly.
function browserAvailable() {
  if (existsSync("/usr/bin/chromium")) return true;
  try {
    return existsSync(chromium.executablePath());
  } catch {
    return false;
  }
}

if (existsSync("tests/e2e") && !browserAvailable()) {
  console.log(
    "\n▶ playwright\nNo browser for the browser tests: run `npx playwright install chromium` (or install Debian's chromium package), then npm test again.",
  );
  failed += 1;
} else if (existsSync("tests/e2e")) {
  const playwrightReport = `${reports}/playwright.json`;
  const playwrightOk = run("playwright", "npx", ["playwright", "test"], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightReport,
  });
  if (existsSync(playwrightReport)) {
    const { stats } = JSON.parse(readFileSync(playwrightReport, "utf8"));
    passed += stats.expected;
    failed += stats.unexpected;
    if (!playwrightOk && stats.unexpected === 0) failed += 1;
  } else {
    failed += 1;
  }
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
