import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { bearer, call, setStock } from "../helpers/api";
import { testDatabaseUrl } from "../helpers/database";
import { startServer, testSecrets, type RunningServer } from "../helpers/server";

// Drops over HTTP: operators make and change them, anyone reads them, and
// integrators hold for their customers and queue them with their keys.

let server: RunningServer;
const url = testDatabaseUrl();
const admin = { Authorization: `Bearer ${testSecrets.ADMIN_TOKEN}`, "X-Operator": "Kavya" };
const KEY_RATE_LIMIT = 40;

beforeAll(async () => {
  server = await startServer({
    DATABASE_URL: url,
    RATE_LIMIT_PER_MINUTE: String(KEY_RATE_LIMIT),
    MAX_PENDING_HOLDS_PER_CLIENT: "0",
    MAX_PENDING_UNITS_PER_CLIENT: "0",
    MAX_PENDING_UNITS_PER_ADDRESS: "0",
  });
  await setStock(url, "saffron-notebook", "del-01", 1);
  await setStock(url, "aurora-headphones", "blr-01", 50);
  await setStock(url, "basalt-wall-clock", "hyd-01", 50);
});
afterAll(async () => {
  await server.stop();
});

type ApiDrop = { id: string; phase: string; startsAt: string; holdTtlSeconds: number; maxPerCustomer: number };

async function makeKey(name: string): Promise<{ id: string; key: string }> {
  const made = await call(server.url, "/api/admin/api-keys", { method: "POST", body: { name }, headers: admin });
  const body = made.body as { apiKey: { id: string }; key: string };
  return { id: body.apiKey.id, key: body.key };
}

const makeDrop = (body: Record<string, unknown>) =>
  call(server.url, "/api/admin/drops", { method: "POST", body, headers: admin });

const hold = (productId: string, warehouseId: string, headers: Record<string, string>, customer?: object) =>
  call(server.url, "/api/reservations", {
    method: "POST",
    body: { productId, warehouseId, quantity: 1, ...(customer ? { customer } : {}) },
    headers,
  });

const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString();

describe("operators make drops", () => {
  test("201 with the defaults: 60 s holds, 1 per customer, no extensions", async () => {
    const made = await makeDrop({ name: "Clock drop", productIds: ["basalt-wall-clock"], startsAt: isoIn(3_600_000) });

    expect(made.status).toBe(201);
    expect((made.body as { drop: ApiDrop }).drop).toMatchObject({
      phase: "upcoming",
      holdTtlSeconds: 60,
      maxPerCustomer: 1,
      extensions: 0,
      endsAt: null,
      productIds: ["basalt-wall-clock"],
    });
  });

  test("a product in a drop that has not ended is refused for another (409 product_in_drop)", async () => {
    const again = await makeDrop({ name: "Again", productIds: ["basalt-wall-clock"], startsAt: isoIn(7_200_000) });

    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      error: { code: "product_in_drop", details: { productIds: ["basalt-wall-clock"] } },
    });
  });

  test("endsAt at or before startsAt is 400; an unknown product 404; no token 401; nothing stored", async () => {
    const startsAt = isoIn(60_000);
    const before = (await call(server.url, "/api/drops")).body as { drops: unknown[] };

    const same = await makeDrop({ name: "x", productIds: ["saffron-notebook"], startsAt, endsAt: startsAt });
    const unknown = await makeDrop({ name: "x", productIds: ["no-such-thing"], startsAt });
    const stranger = await call(server.url, "/api/admin/drops", {
      method: "POST",
      body: { name: "x", productIds: ["saffron-notebook"], startsAt },
    });
    const badTime = await makeDrop({ name: "x", productIds: ["saffron-notebook"], startsAt: "tomorrow" });

    expect(same).toMatchObject({ status: 400, body: { error: { code: "validation_error" } } });
    expect(same.text).toContain("endsAt: must be after startsAt");
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
    expect(stranger.status).toBe(401);
    expect(badTime.text).toContain("startsAt: must be an ISO 8601 time");
    expect(((await call(server.url, "/api/drops")).body as { drops: unknown[] }).drops).toHaveLength(
      before.drops.length,
    );
  });

  test("PATCH moves the window; a window out of order is 400 against the drop as stored", async () => {
    const made = await makeDrop({ name: "Headphones", productIds: ["aurora-headphones"], startsAt: isoIn(3_600_000) });
    const { id } = (made.body as { drop: ApiDrop }).drop;
    const patch = (body: object) =>
      call(server.url, `/api/admin/drops/${id}`, { method: "PATCH", body, headers: admin });

    const key = await makeKey("storefront");
    const early = await hold("aurora-headphones", "blr-01", bearer(key.key), { id: "c-1" });
    const opened = await patch({ startsAt: isoIn(-1000) });
    const inOrder = await patch({ endsAt: isoIn(-2000) });
    const now = await hold("aurora-headphones", "blr-01", bearer(key.key), { id: "c-1" });

    expect(early).toMatchObject({ status: 409, body: { error: { code: "drop_not_started" } } });
    expect((early.body as { error: { details: { startsAt: string } } }).error.details.startsAt).toMatch(/Z$/);
    expect(opened.status).toBe(200);
    expect((opened.body as { drop: ApiDrop }).drop.phase).toBe("live");
    expect(inOrder.status).toBe(400);
    expect(now.status).toBe(201);
    expect((await call(server.url, `/api/drops/${id}`)).body).toMatchObject({
      drop: { phase: "live", products: [{ id: "aurora-headphones", available: expect.any(Number), waiting: 0 }] },
    });
  });
});

describe("integrators hold for their customers", () => {
  test("a drop's product needs a key and a customer (401 customer_required); a customer without a key is 401", async () => {
    const key = await makeKey("shop-front");

    const anonymous = await hold("aurora-headphones", "blr-01", {});
    const keyOnly = await hold("aurora-headphones", "blr-01", bearer(key.key));
    const claimed = await hold("aurora-headphones", "blr-01", {}, { id: "someone" });

    expect(anonymous).toMatchObject({ status: 401, body: { error: { code: "customer_required" } } });
    expect(keyOnly).toMatchObject({ status: 401, body: { error: { code: "customer_required" } } });
    expect(claimed).toMatchObject({ status: 401, body: { error: { code: "unauthorized" } } });
  });

  test("a second unit for the same customer is 409 customer_limit_reached, with what they hold", async () => {
    const key = await makeKey("limits");
    const first = await hold("aurora-headphones", "blr-01", bearer(key.key), { id: "c-9", displayName: "Nia" });
    const second = await hold("aurora-headphones", "blr-01", bearer(key.key), { id: "c-9" });
    // the same id under another key is another customer
    const other = await makeKey("other");
    const elsewhere = await hold("aurora-headphones", "blr-01", bearer(other.key), { id: "c-9" });

    expect(first.status).toBe(201);
    expect(second).toMatchObject({
      status: 409,
      body: {
        error: {
          code: "customer_limit_reached",
          details: { measure: "units", limit: 1, pending: 1, confirmed: 0, requested: 1 },
        },
      },
    });
    expect(elsewhere.status).toBe(201);
  });

  test("the key acts on its customers' holds as the token can; another key finds nothing", async () => {
    const key = await makeKey("payments");
    const other = await makeKey("stranger");
    const made = await hold("aurora-headphones", "blr-01", bearer(key.key), { id: "c-pay", displayName: "Ravi" });
    const { id } = (made.body as { reservation: { id: string } }).reservation;

    const strangerRead = await call(server.url, `/api/reservations/${id}`, { headers: bearer(other.key) });
    const strangerPay = await call(server.url, `/api/reservations/${id}/confirm`, {
      method: "POST",
      headers: bearer(other.key),
    });
    const read = await call(server.url, `/api/reservations/${id}`, { headers: bearer(key.key) });
    const paid = await call(server.url, `/api/reservations/${id}/confirm`, {
      method: "POST",
      headers: bearer(key.key),
    });

    expect(strangerRead.status).toBe(404);
    expect(strangerPay.status).toBe(404);
    expect(read.status).toBe(200);
    expect(paid).toMatchObject({ status: 200, body: { reservation: { status: "confirmed" } } });
    const drops = (await call(server.url, "/api/drops")).body as {
      drops: { productIds: string[]; topPurchasers: unknown[] }[];
    };
    expect(drops.drops.find((d) => d.productIds.includes("aurora-headphones"))?.topPurchasers).toEqual([
      { displayName: "Ravi", units: 1 },
    ]);
  });

  test("a revoked key is 401 and holds nothing", async () => {
    const key = await makeKey("revoked");
    await call(server.url, `/api/admin/api-keys/${key.id}`, { method: "DELETE", headers: admin });

    const refused = await hold("aurora-headphones", "blr-01", bearer(key.key), { id: "c-r" });

    expect(refused).toMatchObject({ status: 401, body: { error: { code: "unauthorized" } } });
  });

  test("the rate limit counts per key", async () => {
    const busy = await makeKey("busy");
    const calm = await makeKey("calm");
    const tries = await Promise.all(
      Array.from({ length: KEY_RATE_LIMIT + 5 }, (_, i) =>
        hold("saffron-notebook", "del-01", bearer(busy.key), { id: `r-${i}` }),
      ),
    );

    expect(tries.filter((t) => t.status === 429)).toHaveLength(5);
    expect((await hold("saffron-notebook", "del-01", bearer(calm.key), { id: "r-0" })).status).not.toBe(429);
  });
});

describe("the waiting line over HTTP", () => {
  test("join a sold-out product's line, see the place, get the unit another customer lets go", async () => {
    // one unit in all, so the line is what decides who gets it next
    const client = createClient({ url });
    await client.execute("UPDATE inventory SET total = reserved + sold WHERE product_id = 'zenith-linen-cushion'");
    client.close();
    await setStock(url, "zenith-linen-cushion", "mum-01", 1);
    const made = await makeDrop({ name: "Cushion", productIds: ["zenith-linen-cushion"], startsAt: isoIn(-1000) });
    const { id } = (made.body as { drop: ApiDrop }).drop;
    const key = await makeKey("queue");
    const first = await hold("zenith-linen-cushion", "mum-01", bearer(key.key), { id: "q-1" });
    const { id: heldId } = (first.body as { reservation: { id: string } }).reservation;
    const join = (customer: string) =>
      call(server.url, `/api/drops/${id}/waitlist`, {
        method: "POST",
        body: { productId: "zenith-linen-cushion", customer: { id: customer } },
        headers: bearer(key.key),
      });

    const joined = [await join("q-2"), await join("q-3"), await join("q-2")];
    const noKey = await call(server.url, `/api/drops/${id}/waitlist`, {
      method: "POST",
      body: { productId: "zenith-linen-cushion", customer: { id: "q-4" } },
    });
    await call(server.url, `/api/reservations/${heldId}/release`, { method: "POST", headers: bearer(key.key) });
    const entry = await call(server.url, `/api/drops/${id}/waitlist/q-2`, { headers: bearer(key.key) });
    const behind = await call(server.url, `/api/drops/${id}/waitlist/q-3`, { headers: bearer(key.key) });

    expect(joined.map((j) => j.body)).toEqual([
      { entry: { productId: "zenith-linen-cushion", status: "waiting", position: 1, reservationId: null } },
      { entry: { productId: "zenith-linen-cushion", status: "waiting", position: 2, reservationId: null } },
      { entry: { productId: "zenith-linen-cushion", status: "waiting", position: 1, reservationId: null } },
    ]);
    expect(noKey.status).toBe(401);
    expect(entry.body).toMatchObject({ entry: { status: "offered", position: null } });
    expect(behind.body).toMatchObject({ entry: { status: "waiting", position: 1 } });
    const offered = (entry.body as { entry: { reservationId: string } }).entry.reservationId;
    const feed = (await call(server.url, "/api/events?limit=500", { headers: bearer(key.key) })).body as {
      events: { type: string; reservationId: string }[];
    };
    expect(feed.events.filter((e) => e.reservationId === offered).map((e) => e.type)).toEqual(["offered"]);
    expect((await call(server.url, `/api/reservations/${offered}`, { headers: bearer(key.key) })).body).toMatchObject({
      reservation: { status: "pending", items: [{ productId: "zenith-linen-cushion", quantity: 1 }] },
    });
  });
});

describe("a product's own per-customer limit", () => {
  test("PATCH maxPerCustomer: then a hold needs a customer, and each customer gets at most that many", async () => {
    await setStock(url, "teak-wall-clock", "hyd-01", 20);
    const key = await makeKey("limited");
    const limited = await call(server.url, "/api/admin/products/teak-wall-clock", {
      method: "PATCH",
      body: { maxPerCustomer: 2 },
      headers: admin,
    });
    const hold2 = (quantity: number, customer?: object) =>
      call(server.url, "/api/reservations", {
        method: "POST",
        body: { productId: "teak-wall-clock", warehouseId: "hyd-01", quantity, ...(customer ? { customer } : {}) },
        headers: customer ? bearer(key.key) : {},
      });

    const anonymous = await hold2(1);
    const two = await hold2(2, { id: "p-1" });
    const third = await hold2(1, { id: "p-1" });
    const lifted = await call(server.url, "/api/admin/products/teak-wall-clock", {
      method: "PATCH",
      body: { maxPerCustomer: 0 },
      headers: admin,
    });
    const free = await hold2(1);

    expect(limited.body).toMatchObject({ product: { maxPerCustomer: 2 } });
    expect(anonymous).toMatchObject({ status: 401, body: { error: { code: "customer_required" } } });
    expect(two.status).toBe(201);
    expect(third).toMatchObject({ status: 409, body: { error: { code: "customer_limit_reached" } } });
    expect(lifted.body).toMatchObject({ product: { maxPerCustomer: 0 } });
    expect(free.status).toBe(201);
  });
});

describe("what the drop routes refuse", () => {
  test("malformed bodies, ids and queries are 4xx with the error envelope, and nothing is stored", async () => {
    const key = await makeKey("fuzz");
    const before = (await call(server.url, "/api/drops")).body;
    const drop = (before as { drops: { id: string }[] }).drops[0]!.id;
    const answers = await Promise.all([
      makeDrop({ name: "", productIds: ["basalt-wall-clock"], startsAt: isoIn(1000) }),
      makeDrop({ name: "x", productIds: [], startsAt: isoIn(1000) }),
      makeDrop({ name: "x", productIds: ["a", "a"], startsAt: isoIn(1000) }),
      makeDrop({ name: "x", productIds: ["teak-ceramic-vase"], startsAt: isoIn(1000), holdTtlSeconds: 5 }),
      makeDrop({ name: "x", productIds: ["teak-ceramic-vase"], startsAt: isoIn(1000), colour: "red" }),
      call(server.url, `/api/admin/drops/${drop}`, { method: "PATCH", body: {}, headers: admin }),
      call(server.url, "/api/admin/drops/no-such-drop", { method: "PATCH", body: { name: "y" }, headers: admin }),
      call(server.url, `/api/drops/${drop}/waitlist`, {
        method: "POST",
        body: { productId: "aurora-headphones", customer: { id: "has spaces" } },
        headers: bearer(key.key),
      }),
      call(server.url, `/api/drops/${drop}/waitlist`, {
        method: "POST",
        body: { productId: "aurora-headphones", customer: { id: "ok", displayName: "x" } },
        headers: bearer(key.key),
      }),
      call(server.url, `/api/drops/${drop}/waitlist`, { method: "POST", body: "[", headers: bearer(key.key) }),
      call(server.url, `/api/drops/${drop}/waitlist/ok?productId=%24bad`, { headers: bearer(key.key) }),
      call(server.url, "/api/drops/%E2%80%AEnope"),
      call(server.url, "/api/reservations", {
        method: "POST",
        body: { ...{ productId: "teak-wall-clock", warehouseId: "hyd-01", quantity: 1 }, customer: { id: "" } },
        headers: bearer(key.key),
      }),
    ]);

    expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 400, 400, 400, 404, 400, 400, 400, 400, 404, 400]);
    expect((await call(server.url, "/api/drops")).body).toEqual(before);
  });
});

describe("a key's holds without a customer", () => {
  test("are the key's to act on, and the caps on anonymous callers and addresses do not count them", async () => {
    const capped = await startServer({
      DATABASE_URL: testDatabaseUrl(),
      RATE_LIMIT_PER_MINUTE: "0",
      MAX_PENDING_HOLDS_PER_CLIENT: "2",
    });
    try {
      const made = await call(capped.url, "/api/admin/api-keys", {
        method: "POST",
        body: { name: "k" },
        headers: admin,
      });
      const { key } = made.body as { key: string };
      const line = { productId: "aurora-headphones", warehouseId: "blr-01", quantity: 1 };
      const withKey = [];
      for (let i = 0; i < 4; i++) {
        withKey.push(await call(capped.url, "/api/reservations", { method: "POST", body: line, headers: bearer(key) }));
      }
      const anonymous = [];
      for (let i = 0; i < 3; i++)
        anonymous.push(await call(capped.url, "/api/reservations", { method: "POST", body: line }));
      const { id } = (withKey[0]!.body as { reservation: { id: string } }).reservation;
      const released = await call(capped.url, `/api/reservations/${id}/release`, {
        method: "POST",
        headers: bearer(key),
      });

      expect(withKey.map((w) => w.status)).toEqual([201, 201, 201, 201]);
      expect(anonymous.map((a) => a.status)).toEqual([201, 201, 409]);
      expect(released).toMatchObject({
        status: 200,
        body: { reservation: { status: "released", releasedBy: "holder" } },
      });
    } finally {
      await capped.stop();
    }
  });
});
