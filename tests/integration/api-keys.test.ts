import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { hashSecret } from "~/models/holder.server";
import { bearer, call, setStock, snapshot } from "../helpers/api";
import { testDatabaseUrl } from "../helpers/database";
import { rawRequest } from "../helpers/raw-http";
import { startServer, testSecrets, type RunningServer } from "../helpers/server";

// Integrator keys: an operator makes, lists and revokes them through the
// admin API; a key is shown once and stored only as its hash; a hold made
// with one counts against the key's own rate limit, and a key that is
// unknown or revoked is refused before anything is stored.

let server: RunningServer;
const url = testDatabaseUrl();
const admin = { Authorization: `Bearer ${testSecrets.ADMIN_TOKEN}`, "X-Operator": "Kavya" };
// small enough to run out of in a test, large enough for the admin
// writes here (they count against the address, like any write)
const RATE_LIMIT = 30;

beforeAll(async () => {
  server = await startServer({
    DATABASE_URL: url,
    // the caps are off so only the rate limit can refuse a hold here
    RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
    MAX_PENDING_HOLDS_PER_CLIENT: "0",
    MAX_PENDING_UNITS_PER_CLIENT: "0",
    MAX_PENDING_UNITS_PER_ADDRESS: "0",
  });
  await setStock(url, "saffron-notebook", "del-01", 1000);
});
afterAll(async () => {
  await server.stop();
});

async function query(sql: string, args: string[] = []) {
  const client = createClient({ url });
  const result = await client.execute({ sql, args });
  client.close();
  return result.rows;
}

type Created = { apiKey: { id: string; name: string; createdAt: string }; key: string };

async function makeKey(name: string): Promise<Created> {
  const made = await call(server.url, "/api/admin/api-keys", { method: "POST", body: { name }, headers: admin });
  expect(made.status).toBe(201);
  return made.body as Created;
}

const revoke = (id: string, headers: Record<string, string> = admin) =>
  call(server.url, `/api/admin/api-keys/${id}`, { method: "DELETE", headers });

const hold = (headers: Record<string, string>) =>
  call(server.url, "/api/reservations", {
    method: "POST",
    body: { productId: "saffron-notebook", warehouseId: "del-01", quantity: 1 },
    headers,
  });

async function listed() {
  const list = await call(server.url, "/api/admin/api-keys", { headers: admin });
  expect(list.status).toBe(200);
  return list;
}

describe("the admin API", () => {
  test("POST makes a key shown once; the list and the database never have it; audited with the operator", async () => {
    const { apiKey, key } = await makeKey("Payments service");
    expect(apiKey).toEqual({ id: expect.any(String), name: "Payments service", createdAt: expect.any(String) });
    expect(key).toMatch(/^hfk_[A-Za-z0-9_-]{43}$/);

    const list = await listed();
    expect(list.text).not.toContain(key);
    expect((list.body as { apiKeys: unknown[] }).apiKeys).toContainEqual({
      ...apiKey,
      lastUsedAt: null,
      revokedAt: null,
    });

    const rows = await query("SELECT * FROM api_keys WHERE id = ?", [apiKey.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.key_hash).toBe(hashSecret(key));
    expect(JSON.stringify(await query("SELECT * FROM api_keys"))).not.toContain(key.slice(4));
    expect(JSON.stringify(await query("SELECT * FROM events"))).not.toContain(key.slice(4));

    const audit = await query("SELECT payload FROM events WHERE type = 'api_key_created'");
    expect(audit.map((r) => JSON.parse(String(r.payload)) as unknown)).toContainEqual({
      operator: "Kavya",
      apiKeyId: apiKey.id,
      name: "Payments service",
    });
  });

  test("a replay by Idempotency-Key says the key was made, without it", async () => {
    const headers = { ...admin, "Idempotency-Key": "make-storefront-key" };
    const first = await call(server.url, "/api/admin/api-keys", {
      method: "POST",
      body: { name: "Storefront" },
      headers,
    });
    const again = await call(server.url, "/api/admin/api-keys", {
      method: "POST",
      body: { name: "Storefront" },
      headers,
    });
    expect(first.status).toBe(201);
    expect((first.body as Created).key).toMatch(/^hfk_/);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replay")).toBe("true");
    expect(again.body).toEqual({ ...(first.body as Created), key: null });
    const stored = await query("SELECT response_body FROM idempotency_keys");
    expect(JSON.stringify(stored)).not.toContain((first.body as Created).key);
  });

  test("the list is newest first", async () => {
    const keys = (await listed()).body as { apiKeys: { createdAt: string }[] };
    const times = keys.apiKeys.map((k) => k.createdAt);
    expect(times).toEqual([...times].sort().reverse());
  });

  test("without the admin token: 401, nothing made or listed", async () => {
    const before = await snapshot(url);
    for (const headers of [{}, bearer("nope")]) {
      const made = await call(server.url, "/api/admin/api-keys", { method: "POST", body: { name: "X" }, headers });
      expect(made.status).toBe(401);
      expect((await call(server.url, "/api/admin/api-keys", { headers })).status).toBe(401);
    }
    expect(await snapshot(url)).toBe(before);
    expect(await query("SELECT count(*) AS n FROM api_keys WHERE name = 'X'")).toEqual([{ n: 0 }]);
  });

  test("a name that is empty, too long or not a string, or an unknown field, is 400", async () => {
    for (const body of [
      {},
      { name: "" },
      { name: "   " },
      { name: "x".repeat(61) },
      { name: 7 },
      { name: "A", x: 1 },
    ]) {
      const made = await call(server.url, "/api/admin/api-keys", { method: "POST", body, headers: admin });
      expect(made.status, JSON.stringify(body)).toBe(400);
      expect(made.body).toMatchObject({ error: { code: "validation_error" } });
    }
  });

  test("DELETE revokes a live key (audited); again is 409 already_revoked; an unknown id is 404", async () => {
    const { apiKey } = await makeKey("Old app");
    const revoked = await revoke(apiKey.id);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({
      apiKey: { ...apiKey, lastUsedAt: null, revokedAt: expect.any(String) },
    });
    const again = await revoke(apiKey.id);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      error: { code: "already_revoked" },
    });
    const audit = await query("SELECT payload FROM events WHERE type = 'api_key_revoked'");
    expect(audit.map((r) => JSON.parse(String(r.payload)) as unknown)).toEqual([
      { operator: "Kavya", apiKeyId: apiKey.id, name: "Old app" },
    ]);
    for (const id of ["0192d3c4-0000-7000-8000-000000000000", "not-a-uuid"]) {
      expect((await revoke(id)).status, id).toBe(404);
    }
    expect((await revoke(apiKey.id, {})).status).toBe(401);
  });

  test("DELETE from another site is 403 and changes nothing; DELETE on a page is 405", async () => {
    const { apiKey } = await makeKey("Cross-site target");
    const sites: Record<string, string>[] = [{ Origin: "https://evil.example" }, { "Sec-Fetch-Site": "cross-site" }];
    for (const site of sites) {
      const answer = await rawRequest(server.url, `/api/admin/api-keys/${apiKey.id}`, {
        method: "DELETE",
        headers: { ...admin, ...site },
      });
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.text)).toMatchObject({ error: { code: "cross_site_refused" } });
    }
    expect(await query("SELECT revoked_at FROM api_keys WHERE id = ?", [apiKey.id])).toEqual([{ revoked_at: null }]);

    const page = await rawRequest(server.url, "/admin/api-keys", { method: "DELETE" });
    expect(page.status).toBe(405);
    expect(page.headers.allow).toBe("GET, HEAD, POST");
    // and the other way round: the key's path takes DELETE only
    const wrong = await call(server.url, `/api/admin/api-keys/${apiKey.id}`, { headers: admin });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("DELETE");
  });

  test("the three routes are in the OpenAPI document under admin", async () => {
    const doc = (await call(server.url, "/api/openapi.json")).body as {
      paths: Record<string, Record<string, { tags?: string[]; security?: unknown }>>;
    };
    expect(doc.paths["/api/admin/api-keys"]?.get).toMatchObject({ tags: ["admin"], security: [{ adminToken: [] }] });
    expect(doc.paths["/api/admin/api-keys"]?.post).toMatchObject({ tags: ["admin"] });
    expect(doc.paths["/api/admin/api-keys/{id}"]?.delete).toMatchObject({ tags: ["admin"] });
  });
});

describe("holding with a key", () => {
  test("a live key makes a hold, and its last use is recorded", async () => {
    const { apiKey, key } = await makeKey("Mobile app");
    const made = await hold(bearer(key));
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ reservation: { status: "pending" }, holdToken: expect.any(String) });
    const keys = (await listed()).body as { apiKeys: { id: string; lastUsedAt: string | null }[] };
    const used = keys.apiKeys.find((k) => k.id === apiKey.id)!;
    expect(used.lastUsedAt).not.toBeNull();
    // a second use within the minute writes nothing more
    const [before] = await query("SELECT last_used_at FROM api_keys WHERE id = ?", [apiKey.id]);
    expect((await hold(bearer(key))).status).toBe(201);
    expect(await query("SELECT last_used_at FROM api_keys WHERE id = ?", [apiKey.id])).toEqual([before]);
  });

  test("a revoked or made-up hfk_ key is 401 and stores nothing; it takes no rate limit", async () => {
    const { apiKey, key } = await makeKey("Revoked soon");
    expect((await revoke(apiKey.id)).status).toBe(200);
    const before = await snapshot(url);
    const madeUp = `hfk_${"A".repeat(43)}`;
    // more tries than the rate limit allows: each is 401, never 429
    for (let i = 0; i <= RATE_LIMIT; i++) {
      for (const bad of [key, madeUp]) {
        const refused = await call(server.url, "/api/reservations", {
          method: "POST",
          body: { productId: "saffron-notebook", warehouseId: "del-01", quantity: 1 },
          headers: { ...bearer(bad), "Idempotency-Key": `try-${i}` },
        });
        expect(refused.status).toBe(401);
        expect(refused.body).toMatchObject({ error: { code: "unauthorized" } });
        expect(refused.headers.get("www-authenticate")).toBe("Bearer");
      }
    }
    expect(await snapshot(url)).toBe(before);
    expect(await query("SELECT last_used_at FROM api_keys WHERE id = ?", [apiKey.id])).toEqual([
      { last_used_at: null },
    ]);
  });

  test("the rate limit counts per key: two keys from one address each get their own allowance, and leave the address's", async () => {
    const first = await makeKey("Key one");
    const second = await makeKey("Key two");
    for (const { key } of [first, second]) {
      for (let i = 0; i < RATE_LIMIT; i++) expect((await hold(bearer(key))).status).toBe(201);
      const limited = await hold(bearer(key));
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({
        error: { code: "rate_limited", message: expect.stringContaining("this API key") },
      });
    }
    expect((await hold({})).status).toBe(201);
  });
});

describe("the console's page, without JavaScript", () => {
  const formHeaders = { "Content-Type": "application/x-www-form-urlencoded" };

  async function operatorCookie() {
    const signedIn = await fetch(`${server.url}/admin/login`, {
      method: "POST",
      redirect: "manual",
      headers: formHeaders,
      body: new URLSearchParams({ token: testSecrets.ADMIN_TOKEN, name: "Meera", timeZone: "Asia/Kolkata" }),
    });
    return (signedIn.headers.get("set-cookie") ?? "").split(";")[0]!;
  }

  const post = async (cookie: string, fields: Record<string, string>) => {
    const response = await fetch(`${server.url}/admin/api-keys`, {
      method: "POST",
      headers: { ...formHeaders, Cookie: cookie },
      body: new URLSearchParams(fields),
    });
    return { status: response.status, html: await response.text() };
  };

  test("signed out, the page sends the browser to the login", async () => {
    const response = await fetch(`${server.url}/admin/api-keys`, { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/admin/login?next=%2Fadmin%2Fapi-keys");
  });

  test("the form makes a key shown once; the page after never shows it; revoking is recorded for the operator", async () => {
    const cookie = await operatorCookie();
    const made = await post(cookie, { intent: "create", name: "Warehouse scanner" });
    expect(made.status).toBe(200);
    const key = />(hfk_[A-Za-z0-9_-]{43})</.exec(made.html)?.[1];
    expect(key).toBeDefined();
    expect(made.html).toContain("it will not be shown again");

    const page = await fetch(`${server.url}/admin/api-keys`, { headers: { Cookie: cookie } });
    const html = await page.text();
    expect(html).toContain("Warehouse scanner");
    expect(html).not.toContain(key!);
    expect((await hold(bearer(key!))).status).toBe(201);

    const [row] = await query("SELECT id FROM api_keys WHERE name = 'Warehouse scanner'");
    const revoked = await post(cookie, { intent: "revoke", id: String(row!.id) });
    expect(revoked.status).toBe(200);
    expect(revoked.html).toContain("Revoked Warehouse scanner.");
    expect((await hold(bearer(key!))).status).toBe(401);
    const audit = await query("SELECT payload FROM events WHERE type = 'api_key_revoked' ORDER BY id DESC LIMIT 1");
    expect(JSON.parse(String(audit[0]!.payload))).toMatchObject({ operator: "Meera", name: "Warehouse scanner" });

    expect((await post(cookie, { intent: "create", name: "" })).status).toBe(400);
    expect((await post(cookie, { intent: "revoke", id: "nope" })).status).toBe(404);
  });
});

// last: it spends the address's allowance, which the console's forms need too
describe("holding without a key", () => {
  test("holds without a key still count per address, as before", async () => {
    let answer = await hold({});
    for (let i = 0; i < RATE_LIMIT && answer.status === 201; i++) answer = await hold({});
    expect(answer.status).toBe(429);
    expect(answer.body).toMatchObject({ error: { message: expect.stringContaining("this address") } });
  });
});
