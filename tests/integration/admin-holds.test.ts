import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { bearer, call, expireNow, setStock } from "../helpers/api";
import { testDatabaseUrl } from "../helpers/database";
import { noClientLimits, startServer, testSecrets, type RunningServer } from "../helpers/server";

// Operators see every hold and can release a stuck one, with a reason.

let server: RunningServer;
const url = testDatabaseUrl();
const admin = { Authorization: `Bearer ${testSecrets.ADMIN_TOKEN}`, "X-Operator": "Meera" };
type Hold = { reservation: { id: string; status: string }; holdToken: string };

beforeAll(async () => {
  server = await startServer({ DATABASE_URL: url, ...noClientLimits });
  await setStock(url, "saffron-notebook", "del-01", 50);
  await setStock(url, "slate-kettle", "mum-01", 50);
});
afterAll(async () => {
  await server.stop();
});

const hold = async (productId: string, warehouseId: string) =>
  (await call(server.url, "/api/reservations", { method: "POST", body: { productId, warehouseId, quantity: 2 } }))
    .body as Hold;
const operatorRelease = (id: string, body: unknown = { reason: "provider outage" }) =>
  call(server.url, `/api/admin/holds/${id}/release`, { method: "POST", body, headers: admin });

async function reserved(productId: string, warehouseId: string) {
  const client = createClient({ url });
  const result = await client.execute({
    sql: "SELECT reserved FROM inventory WHERE product_id = ? AND warehouse_id = ?",
    args: [productId, warehouseId],
  });
  client.close();
  return Number(result.rows[0]?.reserved);
}

describe("the holds, for operators", () => {
  test("listed newest first, filtered by product, status and expiry, a page at a time", async () => {
    const notebooks = [];
    for (let i = 0; i < 5; i++) notebooks.push(await hold("saffron-notebook", "del-01"));
    const kettle = await hold("slate-kettle", "mum-01");
    await expireNow(url, notebooks[0]!.reservation.id);

    const first = await call(server.url, "/api/admin/holds?productId=saffron-notebook&status=pending&limit=2", {
      headers: admin,
    });
    expect(first.status).toBe(200);
    const page1 = first.body as { holds: { id: string }[]; nextCursor: string };
    expect(page1.holds.map((h) => h.id)).toEqual([notebooks[4]!.reservation.id, notebooks[3]!.reservation.id]);
    const second = await call(
      server.url,
      `/api/admin/holds?productId=saffron-notebook&status=pending&limit=2&cursor=${page1.nextCursor}`,
      { headers: admin },
    );
    const page2 = second.body as { holds: { id: string }[]; nextCursor: string | null };
    expect(page2.holds.map((h) => h.id)).toEqual([notebooks[2]!.reservation.id, notebooks[1]!.reservation.id]);
    expect(page2.nextCursor).toBeNull();

    const expired = await call(server.url, "/api/admin/holds?status=expired&productId=saffron-notebook", {
      headers: admin,
    });
    expect((expired.body as { holds: { id: string; status: string }[] }).holds).toEqual([
      expect.objectContaining({ id: notebooks[0]!.reservation.id, status: "expired" }),
    ]);
    const soon = await call(server.url, "/api/admin/holds?warehouseId=mum-01&expiringWithinSeconds=900", {
      headers: admin,
    });
    expect((soon.body as { holds: { id: string }[] }).holds.map((h) => h.id)).toContain(kettle.reservation.id);
    const none = await call(server.url, "/api/admin/holds?warehouseId=mum-01&expiringWithinSeconds=60", {
      headers: admin,
    });
    expect((none.body as { holds: unknown[] }).holds).toEqual([]);

    for (const bad of ["status=stuck", "limit=0", "cursor=x", "productId=a%22b", "colour=red"]) {
      expect((await call(server.url, `/api/admin/holds?${bad}`, { headers: admin })).status, bad).toBe(400);
    }
  });

  test("an operator's release gives the units back at once and is in the audit trail; only pending holds", async () => {
    const stuck = await hold("slate-kettle", "mum-01");
    const before = await reserved("slate-kettle", "mum-01");
    const released = await operatorRelease(stuck.reservation.id, { reason: "shopper asked by phone" });
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ reservation: { id: stuck.reservation.id, status: "released" } });
    expect(await reserved("slate-kettle", "mum-01")).toBe(before - 2);
    // the shopper sees it released too
    const seen = await call(server.url, `/api/reservations/${stuck.reservation.id}`, {
      headers: bearer(stuck.holdToken),
    });
    expect(seen.body).toMatchObject({ reservation: { status: "released" } });

    const client = createClient({ url });
    const audit = await client.execute({
      sql: "SELECT payload FROM events WHERE type = 'operator_released' AND reservation_id = ?",
      args: [stuck.reservation.id],
    });
    client.close();
    expect(audit.rows.map((r) => JSON.parse(String(r.payload)))).toEqual([
      { operator: "Meera", reason: "shopper asked by phone" },
    ]);

    expect((await operatorRelease(stuck.reservation.id)).status).toBe(409);
    const paid = await hold("slate-kettle", "mum-01");
    await call(server.url, `/api/reservations/${paid.reservation.id}/confirm`, {
      method: "POST",
      headers: bearer(paid.holdToken),
    });
    expect((await operatorRelease(paid.reservation.id)).body).toMatchObject({ error: { code: "invalid_state" } });
    const late = await hold("slate-kettle", "mum-01");
    await expireNow(url, late.reservation.id);
    expect((await operatorRelease(late.reservation.id)).status).toBe(410);
    expect((await operatorRelease(crypto.randomUUID())).status).toBe(404);
    expect((await operatorRelease(paid.reservation.id, { reason: "" })).status).toBe(400);

    // and the books still balance
    const check = await call(server.url, "/api/admin/consistency", { method: "POST", headers: admin });
    expect(check.body).toMatchObject({ report: { violations: [] } });
  });

  test("only operators: 401 without the token", async () => {
    expect((await call(server.url, "/api/admin/holds")).status).toBe(401);
    expect(
      (
        await call(server.url, `/api/admin/holds/${crypto.randomUUID()}/release`, {
          method: "POST",
          body: { reason: "x" },
        })
      ).status,
    ).toBe(401);
  });
});
