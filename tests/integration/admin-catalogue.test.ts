import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { editProduct } from "~/models/catalogue.server";
import { holdPolicy } from "~/models/reservation";
import { reserve } from "~/models/reservation.server";
import { bearer, call, sessionCookie } from "../helpers/api";
import { addProduct, freshDatabase, rawCounts, testDatabaseUrl, uncapped } from "../helpers/database";
import { rawRequest } from "../helpers/raw-http";
import { noClientLimits, startServer, testSecrets, type RunningServer } from "../helpers/server";

// Operators keep the catalogue through the admin API: POST makes a product
// or a warehouse, PATCH changes it (ids never change), each with its audit
// entry; an archived product leaves the shop, while the holds made before
// run their course.

let server: RunningServer;
const url = testDatabaseUrl();
const admin = { Authorization: `Bearer ${testSecrets.ADMIN_TOKEN}`, "X-Operator": "Kavya" };
const json = { "Content-Type": "application/json" };

beforeAll(async () => {
  server = await startServer({ DATABASE_URL: url, ...noClientLimits });
});
afterAll(async () => {
  await server.stop();
});

const send = (method: "POST" | "PATCH", path: string, body: unknown, headers: Record<string, string> = admin) =>
  call(server.url, path, { method, body, headers });

// sorts before every seeded product, in a category of its own: so it is on
// the first page of every list and the shop window's only Garden product
const bench = {
  id: "aaa-garden-bench",
  name: "Zephyr Garden Bench",
  description: "A teak bench for two.",
  priceCents: 1_299_900,
  currency: "INR",
  imageUrl: "/images/products/aaa-garden-bench.svg",
  category: "Garden",
};

async function query(sql: string, args: (string | number)[] = []) {
  const client = createClient({ url });
  const result = await client.execute({ sql, args });
  client.close();
  return result.rows;
}

async function auditEntries(type: string, column: "product_id" | "warehouse_id", id: string) {
  const rows = await query(`SELECT payload FROM events WHERE type = ? AND ${column} = ? ORDER BY id`, [type, id]);
  return rows.map((r) => JSON.parse(String(r.payload)) as Record<string, unknown>);
}

// everything a refused request must leave as it was
const stored = async () =>
  JSON.stringify(
    await Promise.all([
      query("SELECT * FROM products ORDER BY id"),
      query("SELECT * FROM warehouses ORDER BY id"),
      query("SELECT count(*) AS n FROM events"),
    ]),
  );

async function page(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${path}`, { headers });
  return { status: response.status, html: await response.text() };
}

describe("products", () => {
  test("made with POST: 201 with defaults, no stock yet, an audit entry with the operator; stock is added as for any product", async () => {
    const created = await send("POST", "/api/admin/products", bench);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      product: { ...bench, lowStockThreshold: 5, archived: false, maxPerCustomer: 0, createdAt: expect.any(String) },
    });
    expect(await auditEntries("product_created", "product_id", bench.id)).toEqual([
      {
        operator: "Kavya",
        before: null,
        after: { ...bench, lowStockThreshold: 5, archived: false, maxPerCustomer: 0 },
      },
    ]);
    const shown = await call(server.url, `/api/products/${bench.id}`);
    expect(shown.body).toMatchObject({ product: { id: bench.id, available: 0, stock: [] } });
    // its picture is drawn by the shop, like the seed's
    expect((await fetch(`${server.url}${bench.imageUrl}`)).headers.get("content-type")).toBe("image/svg+xml");

    const stocked = await send("POST", "/api/admin/stock", {
      productId: bench.id,
      warehouseId: "blr-01",
      total: 20,
      reason: "received",
    });
    expect(stocked.body).toMatchObject({ stock: { before: null, after: { total: 20 } } });
  });

  test("a threshold and archived may be given at once; an archived product is never in the shop", async () => {
    const created = await send("POST", "/api/admin/products", {
      ...bench,
      id: "Old_Stock-1",
      name: "Retired Stool",
      lowStockThreshold: 0,
      archived: true,
    });
    expect(created.body).toMatchObject({ product: { id: "Old_Stock-1", lowStockThreshold: 0, archived: true } });
    expect((await call(server.url, "/api/products/Old_Stock-1")).status).toBe(404);
    // it sorts first among the Garden products, yet the shop window and
    // the bench's page (its only neighbour) leave it out
    expect((await page("/")).html).not.toContain("Retired Stool");
    expect((await page("/products")).html).not.toContain("Retired Stool");
    expect((await page(`/products/${bench.id}`)).html).not.toContain("More from Garden");
  });

  test("an id already taken is 409 already_exists, and nothing changes", async () => {
    const before = await stored();
    const again = await send("POST", "/api/admin/products", {
      ...bench,
      name: "Another bench",
      lowStockThreshold: 0,
      archived: true,
    });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: "already_exists" } });
    const seeded = await send("POST", "/api/admin/products", { ...bench, id: "aurora-headphones" });
    expect(seeded.status).toBe(409);
    expect(await stored()).toBe(before);
  });

  test("a bad or incomplete body is 400 naming the field, and nothing is stored", async () => {
    const before = await stored();
    const { name: _name, ...nameless } = bench;
    for (const bad of [
      nameless,
      { ...bench, id: "new-one", colour: "teak" },
      { ...bench, id: 'a"b' },
      { ...bench, id: "x".repeat(101) },
      { ...bench, id: "new-one", name: "  " },
      { ...bench, id: "new-one", priceCents: -1 },
      { ...bench, id: "new-one", priceCents: 10.5 },
      { ...bench, id: "new-one", currency: "inr" },
      { ...bench, id: "new-one", currency: "RUPEE" },
      { ...bench, id: "new-one", imageUrl: "https://cdn.example/bench.png" },
      { ...bench, id: "new-one", imageUrl: "//cdn.example/bench.png" },
      { ...bench, id: "new-one", imageUrl: "/\\cdn.example/bench.png" },
      { ...bench, id: "new-one", imageUrl: "/images/a bench.png" },
      { ...bench, id: "new-one", imageUrl: "javascript:alert(1)" },
      { ...bench, id: "new-one", lowStockThreshold: -1 },
      { ...bench, id: "new-one", archived: "yes" },
      [bench],
    ]) {
      const answer = await send("POST", "/api/admin/products", bad);
      expect(answer.status, JSON.stringify(bad)).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: "validation_error" } });
    }
    const unknown = await send("POST", "/api/admin/products", { ...bench, id: "new-one", colour: "teak" });
    expect(unknown.body).toMatchObject({ error: { message: expect.stringContaining("colour") } });
    const price = await send("POST", "/api/admin/products", { ...bench, id: "new-one", priceCents: -1 });
    expect(price.body).toMatchObject({ error: { message: expect.stringContaining("priceCents") } });
    expect(await stored()).toBe(before);
  });

  test("edited with PATCH: only the fields sent change, with an audit entry of before and after", async () => {
    const edited = await send("PATCH", `/api/admin/products/${bench.id}`, {
      priceCents: 1_099_900,
      lowStockThreshold: 2,
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({
      product: { ...bench, priceCents: 1_099_900, lowStockThreshold: 2, archived: false, maxPerCustomer: 0 },
    });
    const [entry] = await auditEntries("product_updated", "product_id", bench.id);
    expect(entry).toEqual({
      operator: "Kavya",
      before: { ...bench, lowStockThreshold: 5, archived: false, maxPerCustomer: 0 },
      after: { ...bench, priceCents: 1_099_900, lowStockThreshold: 2, archived: false, maxPerCustomer: 0 },
    });
    expect((await call(server.url, `/api/products/${bench.id}`)).body).toMatchObject({
      product: { priceCents: 1_099_900 },
    });
  });

  test("PATCH of an unknown id is 404; an empty edit, the id itself or an unknown field is 400; nothing is stored", async () => {
    const before = await stored();
    for (const id of ["no-such-product", "a%22b"]) {
      const missing = await send("PATCH", `/api/admin/products/${id}`, { name: "Ghost" });
      expect(missing.status, id).toBe(404);
      expect(missing.body).toMatchObject({ error: { code: "not_found" } });
    }
    for (const bad of [{}, { id: "renamed" }, { colour: "teak" }, { name: null }, { archived: 1 }, "archived"]) {
      const answer = await send("PATCH", `/api/admin/products/${bench.id}`, bad);
      expect(answer.status, JSON.stringify(bad)).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: "validation_error" } });
    }
    const renamed = await send("PATCH", `/api/admin/products/${bench.id}`, { id: "renamed" });
    expect(renamed.body).toMatchObject({ error: { message: expect.stringContaining("id") } });
    expect(await stored()).toBe(before);
  });
});

describe("archiving a product", () => {
  test("takes it out of the shop and refuses new holds; a hold made before is still shown and can be paid; unarchiving brings it back", async () => {
    const cookie = await sessionCookie("bench-buyer");
    const line = { productId: bench.id, warehouseId: "blr-01", quantity: 1 };
    const earlier = await call(server.url, "/api/reservations", {
      method: "POST",
      body: line,
      headers: { Cookie: cookie },
    });
    expect(earlier.status).toBe(201);
    const { reservation, holdToken } = earlier.body as { reservation: { id: string }; holdToken: string };
    // on sale: in the shop window, the shop, the API
    expect((await page("/")).html).toContain(bench.name);
    expect((await page("/products")).html).toContain(bench.name);

    const archived = await send("PATCH", `/api/admin/products/${bench.id}`, { archived: true });
    expect(archived.body).toMatchObject({ product: { archived: true } });
    expect((await auditEntries("product_updated", "product_id", bench.id)).at(-1)).toMatchObject({
      operator: "Kavya",
      before: { archived: false },
      after: { archived: true },
    });

    expect((await page("/")).html).not.toContain(bench.name);
    expect((await page("/products")).html).not.toContain(bench.name);
    const list = (await call(server.url, "/api/products?limit=100")).body as { products: { id: string }[] };
    expect(list.products.map((p) => p.id)).not.toContain(bench.id);
    expect((await call(server.url, `/api/products/${bench.id}`)).status).toBe(404);
    const productPage = await page(`/products/${bench.id}`);
    expect(productPage.status).toBe(404);
    expect(productPage.html).toContain("This product is no longer sold");

    const holdsBefore = Number((await query("SELECT count(*) AS n FROM reservations"))[0]!.n);
    const refused = await call(server.url, "/api/reservations", { method: "POST", body: line });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      error: { code: "product_archived", details: [{ productId: bench.id, warehouseId: "blr-01" }] },
    });
    // all or nothing: a cart with one archived line holds nothing
    const cart = await call(server.url, "/api/reservations", {
      method: "POST",
      body: { items: [{ productId: "aurora-headphones", warehouseId: "blr-01", quantity: 1 }, line] },
    });
    expect(cart.status).toBe(409);
    expect(cart.body).toMatchObject({ error: { code: "product_archived" } });
    // the shop's own form, from a page left open
    const form = await rawRequest(server.url, `/products/${bench.id}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "warehouseId=blr-01&quantity=1",
    });
    expect([302, 303]).not.toContain(form.status);
    expect(form.status).toBeLessThan(500);
    expect(Number((await query("SELECT count(*) AS n FROM reservations"))[0]!.n)).toBe(holdsBefore);

    // the hold made before: its checkout page, its picture, its payment
    const checkout = await page(`/reservations/${reservation.id}`, { Cookie: cookie });
    expect(checkout.status).toBe(200);
    expect(checkout.html).toContain(bench.name);
    expect((await fetch(`${server.url}${bench.imageUrl}`)).status).toBe(200);
    const paid = await call(server.url, `/api/reservations/${reservation.id}/confirm`, {
      method: "POST",
      headers: bearer(holdToken),
    });
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ reservation: { status: "confirmed" } });

    const back = await send("PATCH", `/api/admin/products/${bench.id}`, { archived: false });
    expect(back.body).toMatchObject({ product: { archived: false } });
    expect((await call(server.url, `/api/products/${bench.id}`)).status).toBe(200);
    expect((await page(`/products/${bench.id}`)).status).toBe(200);
    expect((await page("/")).html).toContain(bench.name);
    const again = await call(server.url, "/api/reservations", { method: "POST", body: line });
    expect(again.status).toBe(201);

    // the books still balance: catalogue events are not stock events
    const check = await call(server.url, "/api/admin/consistency", { method: "POST", headers: admin });
    expect(check.body).toMatchObject({ report: { violations: [] } });
  });
});

describe("an archived product in a group commit", () => {
  test("its hold is refused while the holds queued beside it go through, each against the units left", async () => {
    const database = await freshDatabase();
    try {
      await addProduct(database, { id: "lamp", rows: { "blr-01": 2 } });
      await addProduct(database, { id: "rug", rows: { "blr-01": 5 } });
      const archived = await editProduct({ database, id: "rug", changes: { archived: true }, operator: "t", now: 1 });
      expect(archived).toMatchObject({ ok: true, edited: { archived: true } });
      const hold = (lines: { productId: string; quantity: number }[]) =>
        reserve({
          database,
          items: lines.map((l) => ({ ...l, warehouseId: "blr-01" })),
          holder: { sessionHash: null },
          ...uncapped,
          policy: holdPolicy(600),
          now: 1_000,
        }).then((o) => (o.ok ? "ok" : o.code));
      const outcomes = await Promise.all([
        hold([{ productId: "lamp", quantity: 1 }]),
        hold([{ productId: "rug", quantity: 1 }]),
        hold([
          { productId: "lamp", quantity: 1 },
          { productId: "rug", quantity: 1 },
        ]),
        hold([{ productId: "lamp", quantity: 1 }]),
        hold([{ productId: "lamp", quantity: 1 }]),
      ]);
      expect(outcomes).toEqual(["ok", "product_archived", "product_archived", "ok", "insufficient_stock"]);
      expect(await rawCounts(database)).toEqual([
        { productId: "lamp", warehouseId: "blr-01", total: 2, reserved: 2, sold: 0 },
        { productId: "rug", warehouseId: "blr-01", total: 5, reserved: 0, sold: 0 },
      ]);
    } finally {
      await database.close();
    }
  });
});

describe("warehouses", () => {
  const pune = { id: "pnq-01", name: "Pune", city: "Pune" };

  test("made with POST and edited with PATCH, each with its audit entry; a duplicate is 409, an unknown id 404", async () => {
    const created = await send("POST", "/api/admin/warehouses", pune);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ warehouse: pune });
    const listed = (await call(server.url, "/api/warehouses")).body as { warehouses: { id: string }[] };
    expect(listed.warehouses).toContainEqual(pune);
    // it stocks nothing until an operator gives it units
    const stocked = await send("POST", "/api/admin/stock", {
      productId: "aurora-headphones",
      warehouseId: pune.id,
      delta: 4,
      reason: "received",
    });
    expect(stocked.body).toMatchObject({ stock: { before: null, after: { total: 4 } } });

    const before = await stored();
    const duplicate = await send("POST", "/api/admin/warehouses", { ...pune, name: "Pune 2" });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toMatchObject({ error: { code: "already_exists" } });
    expect((await send("PATCH", "/api/admin/warehouses/nowhere-01", { name: "X" })).status).toBe(404);
    for (const bad of [{}, { id: "pnq-02" }, { name: "" }, { city: 4 }, { name: "Pune", manager: "Ravi" }]) {
      const answer = await send("PATCH", `/api/admin/warehouses/${pune.id}`, bad);
      expect(answer.status, JSON.stringify(bad)).toBe(400);
    }
    for (const bad of [
      { id: "pnq-02", name: "Pune" },
      { ...pune, id: "pnq 02" },
      { ...pune, id: "pnq-02", size: 3 },
    ]) {
      const answer = await send("POST", "/api/admin/warehouses", bad);
      expect(answer.status, JSON.stringify(bad)).toBe(400);
    }
    expect(await stored()).toBe(before);

    const renamed = await send("PATCH", `/api/admin/warehouses/${pune.id}`, { name: "Pune (Hinjewadi)" });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toEqual({ warehouse: { ...pune, name: "Pune (Hinjewadi)" } });
    expect(await auditEntries("warehouse_created", "warehouse_id", pune.id)).toEqual([
      { operator: "Kavya", before: null, after: pune },
    ]);
    expect(await auditEntries("warehouse_updated", "warehouse_id", pune.id)).toEqual([
      { operator: "Kavya", before: pune, after: { ...pune, name: "Pune (Hinjewadi)" } },
    ]);
    const product = (await call(server.url, "/api/products/aurora-headphones")).body as {
      product: { stock: { warehouseId: string; warehouseName: string }[] };
    };
    expect(product.product.stock).toContainEqual(
      expect.objectContaining({ warehouseId: pune.id, warehouseName: "Pune (Hinjewadi)" }),
    );
  });
});

describe("what the catalogue endpoints refuse at the door", () => {
  const endpoints = [
    { method: "POST", path: "/api/admin/products" },
    { method: "PATCH", path: `/api/admin/products/${bench.id}` },
    { method: "POST", path: "/api/admin/warehouses" },
    { method: "PATCH", path: "/api/admin/warehouses/blr-01" },
  ] as const;

  test("a body that is not JSON is 415", async () => {
    const before = await stored();
    for (const { method, path } of endpoints) {
      const answer = await rawRequest(server.url, path, {
        method,
        headers: { ...admin, "Content-Type": "text/plain" },
        body: JSON.stringify({ name: "Plain" }),
      });
      expect(answer.status, `${method} ${path}`).toBe(415);
      expect(JSON.parse(answer.text)).toMatchObject({ error: { code: "unsupported_media_type" } });
    }
    expect(await stored()).toBe(before);
  });

  test("the wrong method is 405 with what the route takes; methods no route takes are refused at the door", async () => {
    const cases = [
      { method: "GET", path: "/api/admin/products", allow: "POST" },
      { method: "PATCH", path: "/api/admin/products", allow: "POST" },
      { method: "POST", path: `/api/admin/products/${bench.id}`, allow: "PATCH" },
      { method: "GET", path: `/api/admin/products/${bench.id}`, allow: "PATCH" },
      { method: "PATCH", path: "/api/admin/warehouses", allow: "POST" },
      { method: "POST", path: "/api/admin/warehouses/blr-01", allow: "PATCH" },
      // the public API and the cron endpoint take no PATCH either
      { method: "PATCH", path: `/api/products/${bench.id}`, allow: "GET" },
      { method: "PATCH", path: "/api/cron/expire-reservations", allow: "GET, POST" },
      { method: "PUT", path: `/api/admin/products/${bench.id}`, allow: "GET, HEAD, POST, PATCH, DELETE" },
      // DELETE reaches the API's routes (keys are revoked with it); a
      // warehouse is never deleted
      { method: "DELETE", path: "/api/admin/warehouses/blr-01", allow: "PATCH" },
      { method: "DELETE", path: "/api/products", allow: "GET" },
      // pages take no PATCH
      { method: "PATCH", path: `/products/${bench.id}`, allow: "GET, HEAD, POST" },
    ];
    const before = await stored();
    for (const { method, path, allow } of cases) {
      const body = JSON.stringify({ name: "Wrong way" });
      const answer = await rawRequest(server.url, path, {
        method,
        headers: method === "GET" ? admin : { ...admin, ...json, "Content-Length": String(body.length) },
        body: method === "GET" ? undefined : body,
      });
      expect(answer.status, `${method} ${path}`).toBe(405);
      expect(answer.headers.allow, `${method} ${path}`).toBe(allow);
    }
    expect(await stored()).toBe(before);
  });

  test("a PATCH or POST from another site is 403, token or not, and changes nothing", async () => {
    const before = await stored();
    const sites: Record<string, string>[] = [{ Origin: "https://evil.example" }, { "Sec-Fetch-Site": "cross-site" }];
    for (const site of sites) {
      for (const { method, path } of endpoints) {
        const answer = await rawRequest(server.url, path, {
          method,
          headers: { ...admin, ...json, ...site },
          body: JSON.stringify(method === "POST" ? { ...bench, id: "from-elsewhere" } : { name: "Hijacked" }),
        });
        expect(answer.status, `${method} ${path} ${JSON.stringify(site)}`).toBe(403);
        expect(JSON.parse(answer.text)).toMatchObject({ error: { code: "cross_site_refused" } });
      }
    }
    expect(await stored()).toBe(before);
  });

  test("a PATCH body past 64 KB is 413 before anything is parsed, chunked or not", async () => {
    const before = await stored();
    const huge = JSON.stringify({ description: "a".repeat(100_000) });
    const framings: Record<string, string>[] = [
      { "Content-Length": String(huge.length) },
      { "Transfer-Encoding": "chunked" },
    ];
    for (const framing of framings) {
      const answer = await rawRequest(server.url, `/api/admin/products/${bench.id}`, {
        method: "PATCH",
        headers: { ...admin, ...json, ...framing },
        body: huge,
      });
      expect(answer.status, JSON.stringify(framing)).toBe(413);
      expect(JSON.parse(answer.text)).toMatchObject({ error: { code: "payload_too_large" } });
    }
    expect(await stored()).toBe(before);
  });

  test("every endpoint is in /api/openapi.json under the admin tag, with the adminToken scheme", async () => {
    const doc = (await call(server.url, "/api/openapi.json")).body as {
      paths: Record<string, Record<string, { tags?: string[]; security?: unknown[] }>>;
      components: { schemas: Record<string, unknown> };
    };
    for (const { method, path } of [
      { method: "post", path: "/api/admin/products" },
      { method: "patch", path: "/api/admin/products/{id}" },
      { method: "post", path: "/api/admin/warehouses" },
      { method: "patch", path: "/api/admin/warehouses/{id}" },
    ]) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toMatchObject({
        tags: ["admin"],
        security: [{ adminToken: [] }],
      });
    }
    for (const name of [
      "CreateProductRequest",
      "EditProductRequest",
      "CreateWarehouseRequest",
      "EditWarehouseRequest",
    ]) {
      expect(doc.components.schemas[name], name).toBeDefined();
    }
  });

  // last: wrong tokens count towards this address's lockout
  test("no token or a wrong one is 401, and nothing is stored", async () => {
    const before = await stored();
    for (const { method, path } of endpoints) {
      const body = method === "POST" ? { ...bench, id: "unauthorised" } : { name: "Unauthorised" };
      const credentials: Record<string, string>[] = [{}, { Authorization: "Bearer not-the-token" }];
      for (const headers of credentials) {
        const answer = await send(method, path, body, headers);
        expect(answer.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(answer.body).toMatchObject({ error: { code: "unauthorized" } });
      }
    }
    expect(await stored()).toBe(before);
  });
});
