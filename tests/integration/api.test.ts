import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  createdReservation,
  errorBody,
  product as productSchema,
  productList,
  reservation as reservationSchema,
} from "~/api/api-contract.server";
import { bearer, call, expireNow, sessionCookie, setStock } from "../helpers/api";
import { testDatabaseUrl } from "../helpers/database";
import { startServer, type RunningServer, noClientLimits } from "../helpers/server";

// The JSON API over real HTTP against the production build.
let server: RunningServer;
let base: string;
const databaseUrl = testDatabaseUrl();

beforeAll(async () => {
  server = await startServer({ DATABASE_URL: databaseUrl, ...noClientLimits, HOLD_TTL_SECONDS: "600" });
  base = server.url;
});
afterAll(async () => {
  await server.stop();
});

async function hold(productId: string, warehouseId: string, quantity = 1) {
  const res = await call(base, "/api/reservations", { method: "POST", body: { productId, warehouseId, quantity } });
  expect(res.status).toBe(201);
  return createdReservation.parse(res.body);
}

describe("catalogue", () => {
  test("pages through every product with a cursor, nextCursor null at the end", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(base, `/api/products?limit=30${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      const page = productList.parse(res.body);
      seen.push(...page.products.map((p) => p.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(100);
    expect(new Set(seen).size).toBe(100);
  });

  test("a product has its stock by warehouse, and available adds up", async () => {
    const res = await call(base, "/api/products/monsoon-kettle");
    expect(res.status).toBe(200);
    const { product } = res.body as { product: unknown };
    const p = productSchema.strict().parse(product);
    expect(p.available).toBe(p.stock.reduce((sum, s) => sum + s.available, 0));
    for (const s of p.stock) expect(s.available).toBe(s.total - s.reserved - s.sold);
  });

  test("warehouses are the four", async () => {
    const res = await call(base, "/api/warehouses");
    expect((res.body as { warehouses: { id: string }[] }).warehouses.map((w) => w.id).sort()).toEqual([
      "blr-01",
      "del-01",
      "hyd-01",
      "mum-01",
    ]);
  });

  test("unknown ids and paths are 404; bad query parameters are 400 naming them", async () => {
    expect((await call(base, "/api/products/no-such-product")).status).toBe(404);
    expect((await call(base, "/api/reservations/6c1f1a36-5c5a-4a57-9b7c-1f8e0e8c7b11")).status).toBe(404);
    expect((await call(base, "/api/nothing-here")).status).toBe(404);
    const bad = await call(base, "/api/products?limit=500");
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: "validation_error", message: expect.stringContaining("limit") } });
    // a number must be written as one: coercion alone would read these
    for (const odd of ["%2B1", "1e1", "0x10", "%20", "Infinity", "07", "1.0", "1.5"]) {
      const res = await call(base, `/api/products?limit=${odd}`);
      expect(res.status, odd).toBe(400);
      expect((res.body as { error: { message: string } }).error.message).toBe("limit: must be a whole number");
    }
    expect((await call(base, "/api/products?limit=%205%20")).status).toBe(200);
    const unknown = await call(base, "/api/products?color=red");
    expect(unknown.status).toBe(400);
    expect((unknown.body as { error: { message: string } }).error.message).toContain("color");
  });
});

describe("a hold's life over HTTP", () => {
  test("create (201), read, extend, confirm; the units end up sold", async () => {
    await setStock(databaseUrl, "saffron-notebook", "del-01", 5);
    const created = await hold("saffron-notebook", "del-01", 2);
    expect(created.reservation).toMatchObject({ status: "pending", extensionsLeft: 2 });
    const auth = bearer(created.holdToken);
    const path = `/api/reservations/${created.reservation.id}`;

    const read = await call(base, path, { headers: auth });
    expect(reservationSchema.parse((read.body as { reservation: unknown }).reservation).id).toBe(
      created.reservation.id,
    );

    const extended = await call(base, `${path}/extend`, { method: "POST", headers: auth });
    expect(extended.status).toBe(200);
    const before = Date.parse(created.reservation.expiresAt);
    const after = Date.parse((extended.body as { reservation: { expiresAt: string } }).reservation.expiresAt);
    expect(after - before).toBe(600_000);

    const confirmed = await call(base, `${path}/confirm`, { method: "POST", headers: auth, body: {} });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ reservation: { status: "confirmed" } });

    const stock = await call(base, "/api/products/saffron-notebook");
    const row = (
      stock.body as { product: { stock: { warehouseId: string; sold: number; reserved: number }[] } }
    ).product.stock.find((s) => s.warehouseId === "del-01");
    expect(row).toMatchObject({ sold: 2, reserved: 0 });

    const again = await call(base, `${path}/release`, { method: "POST", headers: auth });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: "invalid_state" } });
  });

  test("a multi-line cart is all or nothing: 409 names the short line", async () => {
    await setStock(databaseUrl, "indigo-backpack", "blr-01", 3);
    await setStock(databaseUrl, "indigo-backpack", "mum-01", 1);
    const res = await call(base, "/api/reservations", {
      method: "POST",
      body: {
        items: [
          { productId: "indigo-backpack", warehouseId: "blr-01", quantity: 3 },
          { productId: "indigo-backpack", warehouseId: "mum-01", quantity: 2 },
        ],
      },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      error: {
        code: "insufficient_stock",
        message: expect.stringContaining("Mumbai"),
        details: [{ productId: "indigo-backpack", warehouseId: "mum-01", requested: 2, available: 1 }],
      },
    });
    const after = await call(base, "/api/products/indigo-backpack");
    for (const s of (after.body as { product: { stock: { reserved: number }[] } }).product.stock)
      expect(s.reserved).toBe(0);
  });

  test("release returns the units; extending past the limit is 409", async () => {
    await setStock(databaseUrl, "basalt-ceramic-vase", "hyd-01", 4);
    const created = await hold("basalt-ceramic-vase", "hyd-01", 4);
    const auth = bearer(created.holdToken);
    const path = `/api/reservations/${created.reservation.id}`;
    expect((await call(base, `${path}/extend`, { method: "POST", headers: auth })).status).toBe(200);
    expect((await call(base, `${path}/extend`, { method: "POST", headers: auth })).status).toBe(200);
    const third = await call(base, `${path}/extend`, { method: "POST", headers: auth });
    expect(third.status).toBe(409);
    expect(third.body).toMatchObject({ error: { code: "extension_limit_reached" } });

    const released = await call(base, `${path}/release`, { method: "POST", headers: auth });
    expect(released.body).toMatchObject({ reservation: { status: "released" } });
    const product = await call(base, "/api/products/basalt-ceramic-vase");
    expect(JSON.stringify(product.body)).toContain(
      '"warehouseId":"hyd-01","warehouseName":"Hyderabad","total":4,"reserved":0',
    );
  });

  test("only the holder may see or touch a hold: a stranger, no token, another session all get 404", async () => {
    await setStock(databaseUrl, "aurora-speaker", "blr-01", 5);
    const mine = await hold("aurora-speaker", "blr-01");
    const theirs = await hold("aurora-speaker", "blr-01");
    const path = `/api/reservations/${mine.reservation.id}`;
    const strangers: Record<string, string>[] = [
      {},
      bearer(theirs.holdToken),
      bearer("not-a-token"),
      { Authorization: "Basic abc" },
      { Cookie: "__holdfast=forged" },
    ];
    for (const headers of strangers) {
      expect((await call(base, path, { headers })).status).toBe(404);
      for (const action of ["confirm", "release", "extend"]) {
        expect((await call(base, `${path}/${action}`, { method: "POST", headers })).status).toBe(404);
      }
    }
    expect((await call(base, path, { headers: bearer(mine.holdToken) })).body).toMatchObject({
      reservation: { status: "pending" },
    });
  });

  test("the browser session that made a hold may act on it through the API, and only it", async () => {
    await setStock(databaseUrl, "monsoon-kettle", "mum-01", 5);
    const session = (holderId: string) => sessionCookie(holderId);
    const created = await fetch(`${base}/api/reservations`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Cookie: await session("shopper-a") },
      body: JSON.stringify({ productId: "monsoon-kettle", warehouseId: "mum-01", quantity: 1 }),
    });
    expect(created.status).toBe(201);
    const { reservation } = createdReservation.parse(await created.json());
    const path = `/api/reservations/${reservation.id}`;

    expect((await call(base, path, { headers: { Cookie: await session("shopper-a") } })).status).toBe(200);
    expect((await call(base, path, { headers: { Cookie: await session("shopper-b") } })).status).toBe(404);
    expect((await call(base, path)).status).toBe(404);
    const confirmed = await call(base, `${path}/confirm`, {
      method: "POST",
      headers: { Cookie: await session("shopper-a") },
    });
    expect(confirmed.status).toBe(200);
  });

  test("confirm at or after expiry is 410 reservation_expired", async () => {
    await setStock(databaseUrl, "monsoon-chefs-knife", "mum-01", 5);
    const created = await hold("monsoon-chefs-knife", "mum-01");
    // move the hold's clock instead of waiting: it expired a moment ago
    await expireNow(databaseUrl, created.reservation.id);

    const late = await call(base, `/api/reservations/${created.reservation.id}/confirm`, {
      method: "POST",
      headers: bearer(created.holdToken),
    });

    expect(late.status).toBe(410);
    expect(late.body).toMatchObject({ error: { code: "reservation_expired" } });
    const read = await call(base, `/api/reservations/${created.reservation.id}`, {
      headers: bearer(created.holdToken),
    });
    expect(read.body).toMatchObject({ reservation: { status: "expired" } });
  });
});

describe("bad input", () => {
  const cases: [string, RequestInit, number, string][] = [
    ["malformed JSON", { body: "{nope", headers: { "Content-Type": "application/json" } }, 400, "body"],
    [
      "a string quantity",
      { body: JSON.stringify({ productId: "a", warehouseId: "b", quantity: "1" }) },
      400,
      "quantity",
    ],
    [
      "a fractional quantity",
      { body: JSON.stringify({ productId: "a", warehouseId: "b", quantity: 1.5 }) },
      400,
      "quantity",
    ],
    ["a zero quantity", { body: JSON.stringify({ productId: "a", warehouseId: "b", quantity: 0 }) }, 400, "quantity"],
    [
      "an unknown field",
      { body: JSON.stringify({ productId: "a", warehouseId: "b", quantity: 1, price: 0 }) },
      400,
      "price",
    ],
    ["an empty cart", { body: JSON.stringify({ items: [] }) }, 400, "items"],
    [
      "two lines of one row over 100 in all",
      {
        body: JSON.stringify({
          items: [
            { productId: "a", warehouseId: "b", quantity: 100 },
            { productId: "a", warehouseId: "b", quantity: 1 },
          ],
        }),
      },
      400,
      "at most 100 of a from b in all",
    ],
    ["a form post", { body: "productId=a", headers: { "Content-Type": "application/x-www-form-urlencoded" } }, 415, ""],
    ["a body over 64 KB", { body: JSON.stringify({ items: "x".repeat(70_000) }) }, 413, ""],
  ];
  test.each(cases)("%s gets a clear 4xx", async (_, init, status, field) => {
    const response = await fetch(`${base}/api/reservations`, {
      method: "POST",
      ...init,
      headers: { "Content-Type": "application/json", ...(init.headers as Record<string, string>) },
    });
    expect(response.status).toBe(status);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = errorBody.parse(await response.json());
    expect(body.error.message).toContain(field);
  });

  test("wrong methods are 405 with Allow", async () => {
    const res = await call(base, "/api/products", { method: "POST" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET");
  });
});

describe("OpenAPI", () => {
  test("is a 3.1 document generated from the request schemas", async () => {
    const res = await call(base, "/api/openapi.json");
    const doc = res.body as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties?: Record<string, unknown>; additionalProperties?: unknown }> };
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/products",
        "/api/products/{id}",
        "/api/warehouses",
        "/api/reservations",
        "/api/reservations/{id}",
        "/api/reservations/{id}/confirm",
        "/api/reservations/{id}/release",
        "/api/reservations/{id}/extend",
      ]),
    );
    const line = doc.components.schemas.ReservationLine!;
    expect(line.additionalProperties).toBe(false);
    expect(line.properties?.quantity).toMatchObject({ type: "integer", maximum: 100 });
  });
});
