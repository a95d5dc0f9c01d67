import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { bearer, call, snapshot } from "../helpers/api";
import { testDatabaseUrl } from "../helpers/database";
import { startServer, type RunningServer, noClientLimits } from "../helpers/server";

// Hundreds of generated malformed requests: every one gets a 4xx with the
// error envelope (never a 5xx, never a stack trace), and none changes
// anything in the database.

let server: RunningServer;
const url = testDatabaseUrl();
let reservationPath = "";
let token = "";

beforeAll(async () => {
  server = await startServer({ DATABASE_URL: url, ...noClientLimits });
  const created = await call(server.url, "/api/reservations", {
    method: "POST",
    body: { productId: "aurora-headphones", warehouseId: "blr-01", quantity: 1 },
  });
  const body = created.body as { reservation: { id: string }; holdToken: string };
  reservationPath = `/api/reservations/${body.reservation.id}`;
  token = body.holdToken;
});
afterAll(async () => {
  await server.stop();
});

const validLine = { productId: "aurora-headphones", warehouseId: "blr-01", quantity: 1 };

// A valid hold with exactly one thing wrong with it.
const brokenLine = fc.oneof(
  fc
    .record({
      field: fc.constantFrom("productId", "warehouseId", "quantity"),
      value: fc.oneof(fc.constant(null), fc.boolean(), fc.array(fc.nat()), fc.object()),
    })
    .map(({ field, value }) => ({ ...validLine, [field]: value })),
  fc
    .oneof(
      fc.integer({ max: 0 }),
      fc.double({ min: 0.01, max: 0.99 }),
      fc.integer({ min: 101 }),
      fc.constant(Number.MAX_SAFE_INTEGER + 2),
    )
    .map((quantity) => ({ ...validLine, quantity })),
  fc
    .string({ minLength: 1 })
    .filter((k) => !["productId", "warehouseId", "quantity", "items", "__proto__"].includes(k))
    .map((extra) => ({ ...validLine, [extra]: 1 })),
  fc
    .constantFrom("productId", "warehouseId", "quantity")
    .map((missing) => Object.fromEntries(Object.entries(validLine).filter(([k]) => k !== missing))),
  fc
    .string({ maxLength: 120 })
    .filter((s) => !/^[A-Za-z0-9_-]{1,100}$/.test(s))
    .map((productId) => ({ ...validLine, productId })),
);

const reserveBody = fc.oneof(
  brokenLine.map((b) => JSON.stringify(b)),
  fc.array(brokenLine, { minLength: 1, maxLength: 4 }).map((items) => JSON.stringify({ items: [validLine, ...items] })),
  fc
    .oneof(fc.constant([]), fc.array(fc.jsonValue(), { minLength: 21, maxLength: 25 }))
    .map((items) => JSON.stringify({ items })),
  fc
    .jsonValue()
    .filter((v) => typeof v !== "object" || v === null || Array.isArray(v))
    .map((v) => JSON.stringify(v)),
  fc.string().filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }),
);

// confirm, release and extend take nothing but an empty body or {}
const changeBody = fc.oneof(
  fc.dictionary(fc.string({ minLength: 1 }), fc.jsonValue(), { minKeys: 1, maxKeys: 3 }).map((o) => JSON.stringify(o)),
  fc
    .jsonValue()
    .filter((v) => typeof v !== "object" || v === null || Array.isArray(v))
    .map((v) => JSON.stringify(v)),
  fc.string({ minLength: 1 }).filter((s) => s.trim() !== "" && s.trim() !== "{}"),
);

const badQuery = fc.oneof(
  fc
    .oneof(fc.string(), fc.integer({ max: 0 }).map(String), fc.integer({ min: 101 }).map(String), fc.constant("1.5"))
    .filter((v) => !/^\s*(100|[1-9][0-9]?)\s*$/.test(v))
    .map((limit) => `limit=${encodeURIComponent(limit)}`),
  fc
    .string({ minLength: 1, maxLength: 10 })
    .filter((k) => k !== "limit" && k !== "cursor")
    .map((k) => `${encodeURIComponent(k)}=1`),
);

const request = fc.oneof(
  { weight: 5, arbitrary: reserveBody.map((body) => ({ method: "POST", path: "/api/reservations", body })) },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constantFrom("confirm", "release", "extend"), changeBody).map(([action, body]) => ({
      method: "POST",
      path: `${reservationPath}/${action}`,
      body,
    })),
  },
  {
    weight: 2,
    arbitrary: badQuery.map((query) => ({ method: "GET", path: `/api/products?${query}`, body: undefined })),
  },
);

describe("malformed requests", () => {
  test("500 generated ones: all 4xx with the envelope, nothing changed", async () => {
    const before = await snapshot(url);
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        sent += 1;
        const response = await fetch(`${server.url}${r.path}`, {
          method: r.method,
          headers: { "Content-Type": "application/json", ...bearer(token) },
          body: r.body,
        });
        const text = await response.text();
        expect(response.status, `${r.method} ${r.path} ${r.body} → ${text}`).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        expect(response.headers.get("cache-control")).toBe("no-store");
        const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
        expect(typeof body.error?.code).toBe("string");
        expect(typeof body.error?.message).toBe("string");
        expect(text).not.toMatch(/\bat .+:\d+:\d+/);
      }),
      { numRuns: 500 },
    );
    expect(sent).toBeGreaterThanOrEqual(500);
    expect(await snapshot(url)).toBe(before);
  });
});
