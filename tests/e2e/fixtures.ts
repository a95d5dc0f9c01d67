import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createClient, type Client } from "@libsql/client";
import { test as base, expect, type APIRequestContext, type BrowserContext, type Page } from "@playwright/test";
import { startServer, type RunningServer, noClientLimits, testSecrets } from "../helpers/server";

export { expect };

export type Shop = {
  url: string;
  // the server's database, for arranging stock before a test looks at it
  db: Client;
};

// A production server on a fresh database file. Rate limiting is off: the
// tests make many holds from one address on purpose.
export async function startShop(env: Record<string, string> = {}): Promise<Shop & { stop: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), "holdfast-e2e-"));
  const url = `file:${path.join(dir, "shop.db")}`;
  const server: RunningServer = await startServer({ DATABASE_URL: url, ...noClientLimits, ...env });
  // the server's writer may be committing (an earlier test's expiry, a
  // sweep): wait for its lock rather than fail at once
  const db = createClient({ url, timeout: 5_000 });
  return {
    url: server.url,
    db,
    async stop() {
      db.close();
      await server.stop();
    },
  };
}

// Every page a test opens reports what the Content-Security-Policy
// blocked: Chromium's console line, and the page's own violation event.
async function watchCsp(context: BrowserContext, violations: string[]) {
  context.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  await context.addInitScript(() =>
    document.addEventListener("securitypolicyviolation", (event) =>
      console.error(`Content Security Policy violation: ${event.violatedDirective} blocked ${event.blockedURI}`),
    ),
  );
}

// One server per worker; every test arranges its own products, so tests in
// one worker never share a row. Every test runs under the shop's CSP and
// fails on a single violation, in any browser context it opens.
export const test = base.extend<{ shop: Shop; cspViolations: string[] }, { workerShop: Shop }>({
  cspViolations: [
    async ({ context, browser }, use) => {
      const violations: string[] = [];
      await watchCsp(context, violations);
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (options) => {
        const created = await newContext(options);
        await watchCsp(created, violations);
        return created;
      };
      await use(violations);
      browser.newContext = newContext;
      expect(violations, "Content-Security-Policy violations").toEqual([]);
    },
    { auto: true },
  ],
  workerShop: [
    // Playwright reads a fixture's dependencies from this pattern: none
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const shop = await startShop();
      await use(shop);
      await shop.stop();
    },
    { scope: "worker" },
  ],
  shop: async ({ workerShop }, use) => use(workerShop),
  baseURL: async ({ workerShop }, use) => use(workerShop.url),
});

// Sets a product's stock: `rows` maps warehouse ids to units available now;
// warehouses not named are sold out.
export async function setStock(db: Client, productId: string, rows: Record<string, number>) {
  const current = await db.execute({
    sql: "SELECT warehouse_id FROM inventory WHERE product_id = ?",
    args: [productId],
  });
  for (const row of current.rows) {
    const warehouseId = String(row.warehouse_id);
    const available = rows[warehouseId] ?? 0;
    await db.execute({
      sql: "UPDATE inventory SET total = sold + reserved + ? WHERE product_id = ? AND warehouse_id = ?",
      args: [available, productId, warehouseId],
    });
  }
  for (const [warehouseId, available] of Object.entries(rows)) {
    await db.execute({
      sql: `INSERT OR IGNORE INTO inventory (product_id, warehouse_id, total, reserved, sold, updated_at)
            VALUES (?, ?, ?, 0, 0, 0)`,
      args: [productId, warehouseId, available],
    });
  }
}

export async function reserveOnPage(
  page: Page,
  { warehouse, quantity }: { warehouse?: string; quantity?: number } = {},
) {
  if (warehouse) await page.getByRole("radio", { name: warehouse }).check();
  if (quantity) await page.getByLabel("Quantity").fill(String(quantity));
  await page.getByRole("button", { name: "Reserve" }).click();
}

// Marks the page so a test can tell it was never reloaded.
export async function markPage(page: Page) {
  await page.evaluate(() => {
    (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
  });
}

export async function wasNotReloaded(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument === true);
}

// Opens a console page the way an operator does: the login first, which
// comes back to the page afterwards.
export async function signIn(page: Page, path = "/admin") {
  await page.goto(path);
  await expect(page).toHaveURL(/\/admin\/login\?next=/);
  await page.getByLabel("Operator token").fill(testSecrets.ADMIN_TOKEN);
  await page.getByLabel("Your name").fill("Asha");
  await page.getByRole("button", { name: "Sign in" }).click();
}

// An operator's drop over `productIds`, through the admin API, opening
// `startsInMs` from now (negative: already open); returns its id.
export async function makeDrop(
  request: APIRequestContext,
  {
    name,
    productIds,
    startsInMs,
    endsInMs,
  }: { name: string; productIds: string[]; startsInMs: number; endsInMs?: number },
): Promise<string> {
  const made = await request.post("/api/admin/drops", {
    headers: { Authorization: `Bearer ${testSecrets.ADMIN_TOKEN}`, "X-Operator": "Asha" },
    data: {
      name,
      productIds,
      startsAt: new Date(Date.now() + startsInMs).toISOString(),
      ...(endsInMs === undefined ? {} : { endsAt: new Date(Date.now() + endsInMs).toISOString() }),
    },
  });
  expect(made.status()).toBe(201);
  return ((await made.json()) as { drop: { id: string } }).drop.id;
}

// Every page and state at a phone's width and a desktop's, for a person to
// look at (test-results/screenshots/). The assertions only check that each
// shot shows the state it is named after.
const widths = [375, 1280] as const;

export async function shoot(page: Page, name: string) {
  // a full-page shot would otherwise show lazy pictures below the fold blank
  await page.evaluate(() =>
    Promise.all(
      [...document.images].map((image) => {
        image.loading = "eager";
        return image.decode().catch(() => undefined);
      }),
    ),
  );
  for (const width of widths) {
    await page.setViewportSize({ width, height: width === 375 ? 812 : 900 });
    await page.screenshot({ path: `test-results/screenshots/${name}-${width}.png`, fullPage: true });
  }
}
