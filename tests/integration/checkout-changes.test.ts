import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testDatabaseUrl } from "../helpers/database";
import { noClientLimits, startServer, type RunningServer } from "../helpers/server";

// The checkout's line changes as a browser without JavaScript sends them:
// plain form posts, answered with a redirect back to the checkout, or a
// refusal that names the line and changes nothing.

let server: RunningServer;
let databaseUrl: string;
beforeAll(async () => {
  databaseUrl = testDatabaseUrl();
  server = await startServer({ DATABASE_URL: databaseUrl, ...noClientLimits, RATE_LIMIT_PER_MINUTE: "40" });
});
afterAll(() => server.stop());

async function reserved(productId: string, warehouseId: string) {
  const db = createClient({ url: databaseUrl });
  try {
    const result = await db.execute({
      sql: "SELECT reserved FROM inventory WHERE product_id = ? AND warehouse_id = ?",
      args: [productId, warehouseId],
    });
    return Number(result.rows[0]?.reserved);
  } finally {
    db.close();
  }
}

// a hold of 1 made in a browser: its id and the session's cookie
async function holdInBrowser(productId: string, warehouseId: string) {
  const response = await fetch(`${server.url}/products/${productId}`, {
    method: "POST",
    body: new URLSearchParams({ warehouseId, quantity: "1" }),
    redirect: "manual",
  });
  expect(response.status).toBe(302);
  return {
    id: response.headers.get("Location")!.split("/").pop()!,
    cookie: response.headers.get("Set-Cookie")!.split(";")[0]!,
  };
}

const change = (id: string, cookie: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/reservations/${id}`, {
    method: "POST",
    headers: { Cookie: cookie, ...headers },
    body: new URLSearchParams({ intent: "change", ...fields }),
    redirect: "manual",
  });

describe("changing a line at checkout", () => {
  test("more, then fewer: each a redirect back to the checkout, the units following", async () => {
    const { id, cookie } = await holdInBrowser("aurora-speaker", "blr-01");
    const before = await reserved("aurora-speaker", "blr-01");
    const more = await change(id, cookie, { productId: "aurora-speaker", warehouseId: "blr-01", quantity: "3" });
    expect(more.status).toBe(302);
    expect(more.headers.get("Location")).toBe(`/reservations/${id}`);
    expect(await reserved("aurora-speaker", "blr-01")).toBe(before + 2);
    const fewer = await change(id, cookie, { productId: "aurora-speaker", warehouseId: "blr-01", quantity: "1" });
    expect(fewer.status).toBe(302);
    expect(await reserved("aurora-speaker", "blr-01")).toBe(before);
    const page = await fetch(`${server.url}/reservations/${id}`, { headers: { Cookie: cookie } }).then((r) => r.text());
    expect(page).toContain("One more Aurora Speaker");
  });

  test("bad input is 400 with a message, and changes nothing", async () => {
    const { id, cookie } = await holdInBrowser("aurora-speaker", "blr-01");
    const before = await reserved("aurora-speaker", "blr-01");
    const bad: Record<string, string>[] = [
      { productId: "aurora-speaker", warehouseId: "blr-01", quantity: "101" },
      { productId: "aurora-speaker", warehouseId: "blr-01", quantity: "-1" },
      { productId: "aurora-speaker", warehouseId: "blr-01", quantity: "two" },
      { productId: "aurora speaker';--", warehouseId: "blr-01", quantity: "2" },
      { productId: "aurora-speaker", quantity: "2" },
    ];
    for (const fields of bad) {
      const refused = await change(id, cookie, fields);
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain("a line and a quantity from 0 to 100");
    }
    expect(await reserved("aurora-speaker", "blr-01")).toBe(before);
  });

  test("more than the row has is 409, said on the line; the hold stays as it was", async () => {
    const { id, cookie } = await holdInBrowser("aurora-speaker", "blr-01");
    const before = await reserved("aurora-speaker", "blr-01");
    const refused = await change(id, cookie, { productId: "aurora-speaker", warehouseId: "blr-01", quantity: "100" });
    expect(refused.status).toBe(409);
    expect(await refused.text()).toMatch(/Only \d+ more at Bengaluru\.|No more left at Bengaluru\./);
    expect(await reserved("aurora-speaker", "blr-01")).toBe(before);
  });

  test("another browser's hold does not exist for it (404), and a cross-site post is refused (403)", async () => {
    const { id, cookie } = await holdInBrowser("aurora-speaker", "blr-01");
    const stranger = await holdInBrowser("aurora-speaker", "blr-01");
    const line = { productId: "aurora-speaker", warehouseId: "blr-01", quantity: "2" };
    const before = await reserved("aurora-speaker", "blr-01");
    expect((await change(id, stranger.cookie, line)).status).toBe(404);
    expect((await change(id, "", line)).status).toBe(404);
    const crossSite = await change(id, cookie, line, {
      Origin: "https://evil.example",
      "Sec-Fetch-Site": "cross-site",
    });
    expect(crossSite.status).toBe(403);
    expect(await reserved("aurora-speaker", "blr-01")).toBe(before);
  });

  test("changes take the write rate limit: 429 with Retry-After", async () => {
    const { id, cookie } = await holdInBrowser("aurora-speaker", "blr-01");
    const line = { productId: "aurora-speaker", warehouseId: "blr-01", quantity: "1" };
    let limited: Response | undefined;
    for (let i = 0; i < 60 && !limited; i++) {
      const answer = await change(id, cookie, line);
      if (answer.status === 429) limited = answer;
      else expect(answer.status).toBe(302);
    }
    expect(limited?.status).toBe(429);
    expect(Number(limited!.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await limited!.text()).toContain("Too many requests");
  });
});
