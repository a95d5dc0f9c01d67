import { createClient } from "@libsql/client";
import { afterEach, describe, expect, test } from "vitest";
import { testDatabaseUrl } from "../helpers/database";
import { startServer as start, type RunningServer } from "../helpers/server";

// a failed assertion must not leave a server running
const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});
const startServer = async (env: Record<string, string>) => {
  const server = await start(env);
  running.push(server);
  return server;
};

describe("npm start (the production build)", () => {
  test("migrates and seeds an empty database on first start, and keeps the data on the next", async () => {
    const url = testDatabaseUrl();
    const first = await startServer({ DATABASE_URL: url });
    const catalogue = await fetch(`${first.url}/products`).then((r) => r.text());
    expect(new Set(catalogue.match(/href="\/products\/[a-z0-9-]+"/g)).size).toBeGreaterThanOrEqual(20);
    const api = (await fetch(`${first.url}/api/products?limit=100`).then((r) => r.json())) as {
      products: { id: string }[];
    };
    expect(api.products).toHaveLength(100);
    const pages = await Promise.all(api.products.map((p) => fetch(`${first.url}/products/${p.id}`)));
    expect(pages.map((p) => p.status)).toEqual(Array(100).fill(200));
    expect(first.logs()).toContain("Seeded the demo catalogue");
    expect(await first.stop()).toBe(0);

    const client = createClient({ url });
    await client.execute("UPDATE inventory SET sold = total WHERE product_id = 'aurora-headphones'");
    client.close();

    const second = await startServer({ DATABASE_URL: url });
    const page = await fetch(`${second.url}/products/aurora-headphones`).then((r) => r.text());
    expect(page).toContain("Sold out");
    expect(page).not.toMatch(/\d+ available/);
    expect(second.logs()).not.toContain("Seeded");
    await second.stop();
  });

  test("serves a product page, its picture, and a 404 for what does not exist", async () => {
    const server = await startServer({ DATABASE_URL: testDatabaseUrl() });
    try {
      const page = await fetch(`${server.url}/products/monsoon-kettle`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("Monsoon Kettle");
      const image = await fetch(`${server.url}/images/products/monsoon-kettle.svg`);
      expect(image.headers.get("content-type")).toBe("image/svg+xml");
      const missing = await fetch(`${server.url}/products/no-such-thing`);
      expect(missing.status).toBe(404);
      const body = await missing.text();
      expect(body).toContain("We couldn");
      expect(body).not.toMatch(/at .*\.js:\d+/);
    } finally {
      await server.stop();
    }
  });

  test("refuses to start in production without its secrets, naming them", async () => {
    await expect(
      startServer({ DATABASE_URL: testDatabaseUrl(), SESSION_SECRET: "", CRON_SECRET: "", ADMIN_TOKEN: "" }),
    ).rejects.toThrow(/SESSION_SECRET, CRON_SECRET, ADMIN_TOKEN must be set in production/);
  });
});
