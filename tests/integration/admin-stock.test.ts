import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { call, setStock } from "../helpers/api";
import { testDatabaseUrl } from "../helpers/database";
import { noClientLimits, startServer, testSecrets, type RunningServer } from "../helpers/server";

// Operators change stock through POST /api/admin/stock: a guarded write
// that never goes below what is held and sold, with its ledger entry.

let server: RunningServer;
const url = testDatabaseUrl();
const admin = { Authorization: `Bearer ${testSecrets.ADMIN_TOKEN}`, "X-Operator": "Asha" };

beforeAll(async () => {
  server = await startServer({ DATABASE_URL: url, ...noClientLimits });
});
afterAll(async () => {
  await server.stop();
});

const adjust = (body: Record<string, unknown>, headers: Record<string, string> = admin) =>
  call(server.url, "/api/admin/stock", { method: "POST", body, headers });

async function ledger(productId: string, warehouseId: string) {
  const client = createClient({ url });
  const result = await client.execute({
    sql: `SELECT payload FROM events WHERE type = 'stock_adjusted' AND product_id = ? AND warehouse_id = ? ORDER BY id`,
    args: [productId, warehouseId],
  });
  client.close();
  return result.rows.map((r) => JSON.parse(String(r.payload)) as Record<string, unknown>);
}

describe("a stock change", () => {
  test("received units and a corrected count are recorded in the ledger with before, after, reason, note and operator", async () => {
    await setStock(url, "cedar-turntable", "del-01", 10);
    const received = await adjust({
      productId: "cedar-turntable",
      warehouseId: "del-01",
      delta: 5,
      reason: "received",
      note: "PO 1182",
    });
    expect(received.status).toBe(200);
    expect(received.body).toMatchObject({
      stock: { before: { total: 10 }, after: { total: 15, reserved: 0, sold: 0 } },
    });
    const corrected = await adjust({
      productId: "cedar-turntable",
      warehouseId: "del-01",
      total: 12,
      reason: "correction",
    });
    expect(corrected.body).toMatchObject({ stock: { after: { total: 12 } } });
    const entries = (await ledger("cedar-turntable", "del-01")).slice(-2);
    expect(entries).toEqual([
      {
        reason: "received",
        note: "PO 1182",
        operator: "Asha",
        before: { total: 10, reserved: 0, sold: 0 },
        after: { total: 15, reserved: 0, sold: 0 },
      },
      {
        reason: "correction",
        note: null,
        operator: "Asha",
        before: { total: 15, reserved: 0, sold: 0 },
        after: { total: 12, reserved: 0, sold: 0 },
      },
    ]);
  });

  test("a warehouse that never stocked the product gets a row; unknown ids are 404 and bad bodies 400", async () => {
    const client = createClient({ url });
    await client.execute("DELETE FROM inventory WHERE product_id = 'tidal-soundbar' AND warehouse_id = 'hyd-01'");
    client.close();
    const created = await adjust({ productId: "tidal-soundbar", warehouseId: "hyd-01", delta: 7, reason: "received" });
    expect(created.body).toMatchObject({ stock: { before: null, after: { total: 7 } } });
    expect((await adjust({ productId: "no-such", warehouseId: "hyd-01", delta: 1, reason: "received" })).status).toBe(
      404,
    );
    for (const bad of [
      { productId: "tidal-soundbar", warehouseId: "hyd-01", reason: "received" },
      { productId: "tidal-soundbar", warehouseId: "hyd-01", delta: 1, total: 3, reason: "received" },
      { productId: "tidal-soundbar", warehouseId: "hyd-01", delta: 1.5, reason: "received" },
      { productId: "tidal-soundbar", warehouseId: "hyd-01", delta: 1, reason: "stolen" },
      { productId: 'a"b', warehouseId: "hyd-01", delta: 1, reason: "received" },
    ]) {
      const answer = await adjust(bad);
      expect(answer.status, JSON.stringify(bad)).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: "validation_error" } });
    }
  });

  test("below what is held and sold is 409 stock_below_committed with both numbers, and nothing is written", async () => {
    await setStock(url, "zenith-linen-cushion", "mum-01", 5);
    for (let i = 0; i < 3; i++) {
      const held = await call(server.url, "/api/reservations", {
        method: "POST",
        body: { productId: "zenith-linen-cushion", warehouseId: "mum-01", quantity: 1 },
      });
      expect(held.status).toBe(201);
    }
    const before = await ledger("zenith-linen-cushion", "mum-01");
    const refused = await adjust({
      productId: "zenith-linen-cushion",
      warehouseId: "mum-01",
      total: 2,
      reason: "damaged",
    });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      error: { code: "stock_below_committed", details: { requestedTotal: 2, reserved: 3, sold: 0 } },
    });
    expect(await ledger("zenith-linen-cushion", "mum-01")).toEqual(before);
    expect(
      (await adjust({ productId: "zenith-linen-cushion", warehouseId: "mum-01", delta: -2, reason: "damaged" })).status,
    ).toBe(200);
  });

  test("lowering stock while 50 holds are in flight: never below what is committed, never a 500", async () => {
    expect(
      (await adjust({ productId: "aurora-speaker", warehouseId: "blr-01", total: 60, reason: "correction" })).status,
    ).toBe(200);
    const holds = Array.from({ length: 50 }, () =>
      call(server.url, "/api/reservations", {
        method: "POST",
        body: { productId: "aurora-speaker", warehouseId: "blr-01", quantity: 1 },
      }),
    );
    const cuts = Array.from({ length: 10 }, (_, i) =>
      adjust({ productId: "aurora-speaker", warehouseId: "blr-01", total: 55 - i * 5, reason: "correction" }),
    );
    const answers = await Promise.all([...holds, ...cuts]);
    expect(answers.every((a) => a.status < 500)).toBe(true);
    for (const cut of answers.slice(50)) expect([200, 409]).toContain(cut.status);

    const client = createClient({ url });
    const row = (
      await client.execute(
        "SELECT total, reserved, sold FROM inventory WHERE product_id = 'aurora-speaker' AND warehouse_id = 'blr-01'",
      )
    ).rows[0]!;
    client.close();
    const held = answers.slice(0, 50).filter((a) => a.status === 201).length;
    expect(Number(row.reserved)).toBe(held);
    expect(Number(row.total)).toBeGreaterThanOrEqual(Number(row.reserved) + Number(row.sold));
    // the ledger is a chain from the opening entry to the row's total now:
    // each change starts from the total the one before left
    const totals = (await ledger("aurora-speaker", "blr-01")).map((e) => ({
      before: (e.before as { total: number } | null)?.total ?? null,
      after: (e.after as { total: number }).total,
    }));
    expect(totals[0]!.before).toBeNull();
    for (let i = 1; i < totals.length; i++) expect(totals[i]!.before).toBe(totals[i - 1]!.after);
    expect(totals.at(-1)!.after).toBe(Number(row.total));
  });
});

describe("the admin API's contract", () => {
  test("POST /api/admin/stock is in /api/openapi.json under the admin tag, with its security scheme", async () => {
    const doc = (await call(server.url, "/api/openapi.json")).body as {
      paths: Record<string, { post?: { tags?: string[]; security?: unknown[] } }>;
      components: { securitySchemes: Record<string, { scheme: string }>; schemas: Record<string, unknown> };
    };
    expect(doc.paths["/api/admin/stock"]?.post).toMatchObject({ tags: ["admin"], security: [{ adminToken: [] }] });
    expect(doc.components.securitySchemes.adminToken).toMatchObject({ scheme: "bearer" });
    expect(doc.components.schemas.RestockRequest).toBeDefined();
  });
});

// last: it leaves this address locked out for a minute
describe("a stock change sent twice", () => {
  test("with one Idempotency-Key it happens once: the retry replays the answer; another body under that key is refused", async () => {
    await setStock(url, "basalt-wall-clock", "hyd-01", 10);
    const headers = { ...admin, "Idempotency-Key": "po-7781-hyd" };
    const body = { productId: "basalt-wall-clock", warehouseId: "hyd-01", delta: 40, reason: "received" };
    const first = await adjust(body, headers);
    const retry = await adjust(body, headers);
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.headers.get("idempotent-replay")).toBe("true");
    expect(retry.body).toEqual(first.body);
    const received = async () =>
      (await ledger("basalt-wall-clock", "hyd-01")).filter((entry) => entry.reason === "received");
    expect(await received()).toHaveLength(1);
    expect(first.body).toMatchObject({ stock: { after: { total: 50 } } });

    const other = await adjust({ ...body, delta: 4 }, headers);
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ error: { code: "idempotency_conflict" } });
    expect(await received()).toHaveLength(1);
  });

  test("a refused body under a key stores nothing: the corrected request runs", async () => {
    await setStock(url, "basalt-wall-clock", "mum-01", 10);
    const headers = { ...admin, "Idempotency-Key": "fix-me-then-send" };
    const bad = await adjust(
      { productId: "basalt-wall-clock", warehouseId: "mum-01", delta: 1.5, reason: "received" },
      headers,
    );
    expect(bad.status).toBe(400);
    const good = await adjust(
      { productId: "basalt-wall-clock", warehouseId: "mum-01", delta: 2, reason: "received" },
      headers,
    );
    expect(good.status).toBe(200);
    expect(good.headers.get("idempotent-replay")).toBeNull();
  });
});

describe("who may change stock", () => {
  test("no token or a wrong one is 401; a few wrong ones in a row from one address must wait (429)", async () => {
    const body = { productId: "aurora-headphones", warehouseId: "blr-01", delta: 1, reason: "received" };
    expect((await adjust(body, {})).status).toBe(401);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await adjust(body, { Authorization: `Bearer wrong-${i}` })).status);
    expect(statuses.slice(0, 9).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    // while it waits, not even the right token gets in: guessing cannot go on
    expect((await adjust(body)).status).toBe(429);
    expect(await ledger("aurora-headphones", "blr-01")).toHaveLength(1); // the opening entry only
  });
});
