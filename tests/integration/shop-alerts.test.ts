import { createServer, type Server } from "node:http";
import { createClient } from "@libsql/client";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "~/infra/db/db.server";
import { startLiveHub, type LiveHub } from "~/live/live.server";
import { confirm } from "~/models/hold-changes.server";
import { hashSecret } from "~/models/holder.server";
import { holdPolicy } from "~/models/reservation";
import { reserve } from "~/models/reservation.server";
import { restock } from "~/models/restock.server";
import { createAlerts } from "~/server/alerts.server";
import { startShopAlerts, type ShopAlerts } from "~/server/shop-alerts.server";
import { call } from "../helpers/api";
import { addProduct, freshDatabase, testDatabaseUrl, uncapped } from "../helpers/database";
import { noClientLimits, startServer, testSecrets, type RunningServer } from "../helpers/server";

// A row crossing its low-stock threshold, and the last hour's expiry rate
// passing ALERT_EXPIRY_RATE, each reach the webhook once until they clear.
// Time is the test's clock; the hub and the timer are driven by hand.

type Alert = { text: string; condition: string } & Record<string, unknown>;
let receiver: Server;
let hook: string;
const received: Alert[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      received.push(JSON.parse(body) as Alert);
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  hook = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
});
afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
});

const policy = holdPolicy(600);
const T0 = Date.parse("2026-01-15T12:00:00Z");
const running: { database: Database; live: LiveHub; shop: ShopAlerts }[] = [];
afterEach(async () => {
  for (const { database, live, shop } of running.splice(0)) {
    await shop.stop();
    await live.stop();
    await database.close();
  }
  received.length = 0;
});

async function watch(database: Database, { expiryRate = 0.5 } = {}) {
  let now = T0;
  const clock = () => now;
  // what raise() logs, as it decides to send: a count that needs no waiting
  const sent: string[] = [];
  const log = (message: string, fields: Record<string, unknown> = {}) => {
    if (message === "alert") sent.push(String(fields.condition));
  };
  const live = await startLiveHub({ database, clock, intervalMs: 3_600_000, log: () => {} });
  const alerts = createAlerts({ url: hook, log, firstRetryMs: 10 });
  const shop = startShopAlerts({ database, clock, log, live, alerts, policy, expiryRate, intervalSeconds: 3_600 });
  running.push({ database, live, shop });
  await shop.check();
  return {
    sent,
    alerts,
    shop,
    setNow: (at: number) => (now = at),
    now: () => now,
    // the hub tails the outbox, the changed rows are looked at, and (queued
    // behind that look) everything is once more
    settle: async () => {
      await live.tick();
      await shop.check();
    },
  };
}

const change = (database: Database, productId: string, warehouseId: string, delta: number, now: number) =>
  restock({
    database,
    productId,
    warehouseId,
    change: { delta },
    reason: "correction",
    note: null,
    operator: "t",
    now,
  });

async function hold(database: Database, now: number, quantity = 1) {
  const outcome = await reserve({
    database,
    items: [{ productId: "lamp", warehouseId: "blr-01", quantity }],
    holder: { sessionHash: null },
    ...uncapped,
    policy,
    now,
  });
  if (!outcome.ok) throw new Error(`hold refused: ${outcome.code}`);
  return { id: outcome.reservation.id, holder: { tokenHash: hashSecret(outcome.holdToken), sessionHash: null } };
}

describe("low stock", () => {
  test("a row that crosses is sent once, not again while low, and again after it had stock and crossed again", async () => {
    const database = await freshDatabase();
    // threshold 5: blr-01 has plenty, del-01 is low from the start
    await addProduct(database, { id: "lamp", rows: { "blr-01": 20, "del-01": 3 } });
    const { sent, settle, now, alerts } = await watch(database);
    // already low when watching began: known, not news
    expect(sent).toEqual([]);

    await change(database, "lamp", "blr-01", -15, now());
    await settle();
    expect(sent).toEqual(["low_stock:lamp:blr-01"]);
    await expect
      .poll(() => received)
      .toEqual([
        expect.objectContaining({
          condition: "low_stock:lamp:blr-01",
          productId: "lamp",
          warehouseId: "blr-01",
          available: 5,
          threshold: 5,
          text: "Holdfast: lamp (lamp) at BLR-01 is low on stock: 5 left, the threshold is 5",
        }),
      ]);

    // lower still: the same condition, not sent again
    await hold(database, now(), 2);
    await settle();
    expect(sent).toEqual(["low_stock:lamp:blr-01"]);

    // stock again, then low again: sent again
    await change(database, "lamp", "blr-01", 10, now());
    await settle();
    expect(alerts.active()).not.toContain("low_stock:lamp:blr-01");
    await change(database, "lamp", "blr-01", -10, now());
    await settle();
    expect(sent).toEqual(["low_stock:lamp:blr-01", "low_stock:lamp:blr-01"]);

    // the row that was low at the start: once it has had stock, it is news
    await change(database, "lamp", "del-01", 10, now());
    await settle();
    await change(database, "lamp", "del-01", -9, now());
    await settle();
    expect(sent).toEqual(["low_stock:lamp:blr-01", "low_stock:lamp:blr-01", "low_stock:lamp:del-01"]);
    await expect.poll(() => received.map((a) => a.condition)).toHaveLength(3);
  });

  test("as soon as the hub tails the change, before any timer", async () => {
    const database = await freshDatabase();
    await addProduct(database, { id: "lamp", rows: { "blr-01": 20 } });
    const { sent, now } = await watch(database);
    const live = running.at(-1)!.live;

    await change(database, "lamp", "blr-01", -18, now());
    await live.tick();
    await expect.poll(() => received.map((a) => a.condition)).toEqual(["low_stock:lamp:blr-01"]);
    expect(sent).toEqual(["low_stock:lamp:blr-01"]);
  });

  test("never for an archived product, nor one whose threshold is 0", async () => {
    const database = await freshDatabase();
    await addProduct(database, { id: "old", rows: { "blr-01": 20 } });
    await addProduct(database, { id: "plain", rows: { "blr-01": 20 } });
    await database.write({
      archived: { sql: "UPDATE products SET archived = 1 WHERE id = 'old'" },
      off: { sql: "UPDATE products SET low_stock_threshold = 0 WHERE id = 'plain'" },
    });
    const { sent, settle, now } = await watch(database);

    await change(database, "old", "blr-01", -20, now());
    await change(database, "plain", "blr-01", -20, now());
    await settle();
    expect(sent).toEqual([]);
  });
});

describe("the expiry rate", () => {
  async function expiring(count: number) {
    const database = await freshDatabase();
    await addProduct(database, { id: "lamp", rows: { "blr-01": 1_000 } });
    for (let i = 0; i < count; i++) await hold(database, T0);
    return database;
  }

  test("above ALERT_EXPIRY_RATE with at least 20 ended holds: sent once, cleared when the hour has passed", async () => {
    const database = await expiring(19);
    const { sent, setNow, settle, alerts } = await watch(database, { expiryRate: 0.5 });
    setNow(T0 + policy.ttlMs + 60_000);
    await settle();
    // 19 of 19 expired, but too few to say
    expect(sent).toEqual([]);

    const paid = await hold(database, T0 + policy.ttlMs + 60_000);
    expect(
      await confirm({ database, id: paid.id, holder: paid.holder, policy, now: T0 + policy.ttlMs + 90_000 }),
    ).toMatchObject({ ok: true });
    setNow(T0 + policy.ttlMs + 120_000);
    await settle();
    expect(sent).toEqual(["expiry_rate"]);
    await expect
      .poll(() => received)
      .toEqual([
        expect.objectContaining({
          condition: "expiry_rate",
          expired: 19,
          ended: 20,
          expiryRate: 0.95,
          threshold: 0.5,
          text: "Holdfast: 95 % of the holds that ended in the last hour expired unpaid (19 of 20); the alert is set at 50 %",
        }),
      ]);
    await settle();
    expect(sent).toEqual(["expiry_rate"]);

    setNow(T0 + 2 * 3_600_000);
    await settle();
    expect(alerts.active()).not.toContain("expiry_rate");
  });

  test("at or below it, or with ALERT_EXPIRY_RATE=0, nothing", async () => {
    const database = await expiring(20);
    const { sent, setNow, settle } = await watch(database, { expiryRate: 0 });
    setNow(T0 + policy.ttlMs + 60_000);
    await settle();
    expect(sent).toEqual([]);

    const everyOne = await expiring(20);
    const strict = await watch(everyOne, { expiryRate: 1 });
    strict.setNow(T0 + policy.ttlMs + 60_000);
    await strict.settle();
    expect(strict.sent).toEqual([]);
  });
});

describe("in the running server", () => {
  let server: RunningServer;
  const url = testDatabaseUrl();
  beforeAll(async () => {
    server = await startServer({ DATABASE_URL: url, ...noClientLimits, ALERT_WEBHOOK_URL: hook });
  });
  afterAll(async () => {
    await server.stop();
  });

  test("an operator's stock change that leaves a row low is sent to ALERT_WEBHOOK_URL", async () => {
    // a seeded row with plenty, so it was not already low at start
    const client = createClient({ url, timeout: 5_000 });
    const row = (
      await client.execute(
        `SELECT i.product_id, i.warehouse_id, i.reserved + i.sold AS committed FROM inventory i
         JOIN products p ON p.id = i.product_id
         WHERE NOT p.archived AND p.low_stock_threshold = 5 AND i.total - i.reserved - i.sold > 10
         ORDER BY i.product_id, i.warehouse_id LIMIT 1`,
      )
    ).rows[0]!;
    client.close();
    const [productId, warehouseId] = [String(row.product_id), String(row.warehouse_id)];

    const answer = await call(server.url, "/api/admin/stock", {
      method: "POST",
      headers: { Authorization: `Bearer ${testSecrets.ADMIN_TOKEN}` },
      body: { productId, warehouseId, total: Number(row.committed) + 2, reason: "damaged" },
    });
    expect(answer.status).toBe(200);
    await expect
      .poll(() => received.map((a) => a.condition), { timeout: 10_000 })
      .toContain(`low_stock:${productId}:${warehouseId}`);
    expect(received.find((a) => a.condition === `low_stock:${productId}:${warehouseId}`)).toMatchObject({
      available: 2,
      threshold: 5,
    });
  });
});
