import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { bearer, call } from "../helpers/api";
import { testDatabaseUrl } from "../helpers/database";
import { noClientLimits, startServer, testSecrets, type RunningServer } from "../helpers/server";

// The books, checked: every row's reserved against its pending holds, and
// against its newest ledger entry. A row corrupted on purpose is found,
// named in the log and in /api/health, and fixed by a repair.

let server: RunningServer;
const url = testDatabaseUrl();
const admin = { Authorization: `Bearer ${testSecrets.ADMIN_TOKEN}`, "X-Operator": "Ravi" };
const row = { productId: "cedar-turntable", warehouseId: "blr-01" };

beforeAll(async () => {
  server = await startServer({ DATABASE_URL: url, ...noClientLimits, CONSISTENCY_CHECK_SECONDS: "1" });
});
afterAll(async () => {
  await server.stop();
});

const checkNow = () => call(server.url, "/api/admin/consistency", { method: "POST", headers: admin });
type Report = {
  report: { rows: number; violations: { productId: string; problem: string; row: unknown; expected: unknown }[] };
};

async function sql(statement: string) {
  const client = createClient({ url });
  await client.execute(statement);
  client.close();
}

describe("the consistency check", () => {
  test("every command keeps the books: holds, a payment, a release and a restock leave no violation", async () => {
    const hold = async () =>
      (await call(server.url, "/api/reservations", { method: "POST", body: { ...row, quantity: 1 } })).body as {
        reservation: { id: string };
        holdToken: string;
      };
    const [a, b] = [await hold(), await hold(), await hold()];
    await call(server.url, `/api/reservations/${a!.reservation.id}/confirm`, {
      method: "POST",
      headers: bearer(a!.holdToken),
    });
    await call(server.url, `/api/reservations/${b!.reservation.id}/release`, {
      method: "POST",
      headers: bearer(b!.holdToken),
    });
    await call(server.url, "/api/admin/stock", {
      method: "POST",
      headers: admin,
      body: { ...row, delta: 3, reason: "received" },
    });

    const answer = await checkNow();
    expect(answer.status).toBe(200);
    expect((answer.body as Report).report.rows).toBeGreaterThan(100);
    expect((answer.body as Report).report.violations).toEqual([]);
    expect((await call(server.url, "/api/health")).body).toMatchObject({ status: "ok" });
  });

  test("a row corrupted by hand is found by the timer, named in health and the log, and fixed by a repair", async () => {
    await sql(
      `UPDATE inventory SET reserved = reserved + 2 WHERE product_id = 'cedar-turntable' AND warehouse_id = 'blr-01'`,
    );

    // CONSISTENCY_CHECK_SECONDS=1: the server finds it by itself
    await expect
      .poll(async () => (await fetch(`${server.url}/api/health`)).json() as Promise<{ status: string }>, {
        timeout: 10_000,
      })
      .toMatchObject({ status: "degraded" });
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as { consistency: { violations: number } };
    // health says how many (the row is out of step with its holds and with
    // its ledger: two); the rows themselves are for operators
    expect(health.consistency.violations).toBe(2);
    const details = await call(server.url, "/api/admin/consistency", { headers: admin });
    expect((details.body as Report).report.violations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ...row, problem: "reserved_differs_from_pending_holds", expected: { reserved: 1 } }),
      ]),
    );
    expect(server.logs()).toMatch(/consistency violation.*cedar-turntable.*reserved_differs_from_pending_holds/);

    const repaired = await call(server.url, "/api/admin/consistency/repair", {
      method: "POST",
      headers: admin,
      body: row,
    });
    expect(repaired.status).toBe(200);
    expect(repaired.body).toMatchObject({ repaired: { ...row, after: { reserved: 1 } } });
    expect((await checkNow()).body).toMatchObject({ report: { violations: [] } });
    expect((await call(server.url, "/api/health")).body).toMatchObject({ status: "ok" });
  });

  test("only operators may check or repair: 401 without the token", async () => {
    expect((await call(server.url, "/api/admin/consistency")).status).toBe(401);
    expect((await call(server.url, "/api/admin/consistency", { method: "POST" })).status).toBe(401);
    expect((await call(server.url, "/api/admin/consistency/repair", { method: "POST", body: row })).status).toBe(401);
    const last = await call(server.url, "/api/admin/consistency", { headers: admin });
    expect(last.status).toBe(200);
    expect(last.body).toMatchObject({ report: { violations: [] } });
  });
});
