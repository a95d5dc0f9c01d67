import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { Database } from "~/infra/db/db.server";
import { expireDue } from "~/models/expiry.server";
import { confirm, extend, release } from "~/models/hold-changes.server";
import { hashSecret, type Holder } from "~/models/holder.server";
import { readStock } from "~/models/inventory.server";
import { holdPolicy, type ReservationLine } from "~/models/reservation";
import { reserve } from "~/models/reservation.server";
import { addProduct, freshDatabase, rawCounts, uncapped } from "../helpers/database";

// Random sequences of every command against a real database with a moving
// clock. After every step the invariant must hold, and the answers must be
// the ones a simple model of the rules predicts.

const policy = holdPolicy(1); // 1 s holds, so time moves holds across expiry often
const products = ["lamp", "vase"];
const warehouses = ["blr-01", "del-01"];

const line = fc.record({
  productId: fc.constantFrom(...products),
  warehouseId: fc.constantFrom(...warehouses),
  quantity: fc.integer({ min: 1, max: 3 }),
});

const step = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("reserve" as const),
      items: fc.array(line, { minLength: 1, maxLength: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("confirm" as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("release" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("extend" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("sweep" as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 1_500 }) }) },
);

type ModelHold = {
  id: string;
  holder: Holder;
  lines: ReservationLine[];
  status: "pending" | "confirmed" | "released" | "expired";
  expiresAt: number;
};

const rowKey = (p: string, w: string) => `${p}/${w}`;

async function checkInvariants(database: Database, totals: Map<string, number>, holds: ModelHold[], now: number) {
  const counts = await rawCounts(database);
  const pendingRows = await database.reader.execute(
    `SELECT ri.product_id, ri.warehouse_id, sum(ri.quantity) AS q,
            sum(CASE WHEN r.expires_at > :now THEN ri.quantity ELSE 0 END) AS live
     FROM reservations r JOIN reservation_items ri ON ri.reservation_id = r.id
     WHERE r.status = 'pending' GROUP BY 1, 2`,
    { now },
  );
  const pending = new Map(pendingRows.rows.map((r) => [rowKey(String(r.product_id), String(r.warehouse_id)), r]));
  const stock = await readStock({ database, productIds: products, now });

  // replay: from the starting totals, apply each hold event's lines
  const replayed = new Map(counts.map((c) => [rowKey(c.productId, c.warehouseId), { reserved: 0, sold: 0 }]));
  const lastStock = new Map<string, unknown>();
  const events = await database.reader.execute(
    "SELECT type, product_id, warehouse_id, payload FROM events ORDER BY id",
  );
  for (const e of events.rows) {
    const payload = JSON.parse(String(e.payload)) as { items?: ReservationLine[]; total?: number };
    if (e.type === "stock_changed") {
      lastStock.set(rowKey(String(e.product_id), String(e.warehouse_id)), payload);
      continue;
    }
    for (const item of payload.items ?? []) {
      const row = replayed.get(rowKey(item.productId, item.warehouseId))!;
      if (e.type === "reservation_created") row.reserved += item.quantity;
      if (e.type === "reservation_confirmed") {
        row.reserved -= item.quantity;
        row.sold += item.quantity;
      }
      if (e.type === "reservation_released" || e.type === "reservation_expired") row.reserved -= item.quantity;
    }
  }

  for (const c of counts) {
    const key = rowKey(c.productId, c.warehouseId);
    expect(c.reserved).toBeGreaterThanOrEqual(0);
    expect(c.reserved + c.sold).toBeLessThanOrEqual(c.total);
    expect(c.total).toBe(totals.get(key));
    expect(c.reserved).toBe(Number(pending.get(key)?.q ?? 0));
    const live = Number(pending.get(key)?.live ?? 0);
    const shown = stock.find((s) => s.productId === c.productId && s.warehouseId === c.warehouseId);
    expect(shown?.available).toBe(c.total - c.sold - live);
    expect(replayed.get(key)).toEqual({ reserved: c.reserved, sold: c.sold });
    if (lastStock.has(key)) expect(lastStock.get(key)).toEqual({ total: c.total, reserved: c.reserved, sold: c.sold });
  }

  // and the model agrees with the database on how many units each row holds
  for (const c of counts) {
    const key = rowKey(c.productId, c.warehouseId);
    const modelSold = holds
      .filter((h) => h.status === "confirmed")
      .flatMap((h) => h.lines)
      .filter((l) => rowKey(l.productId, l.warehouseId) === key)
      .reduce((sum, l) => sum + l.quantity, 0);
    expect(c.sold).toBe(modelSold);
  }
}

function modelAvailable(totals: Map<string, number>, holds: ModelHold[], key: string, now: number) {
  const used = holds
    .filter((h) => h.status === "confirmed" || (h.status === "pending" && h.expiresAt > now))
    .flatMap((h) => h.lines)
    .filter((l) => rowKey(l.productId, l.warehouseId) === key)
    .reduce((sum, l) => sum + l.quantity, 0);
  return (totals.get(key) ?? 0) - used;
}

describe("the reservation core under random sequences", () => {
  test("keeps every invariant after every step", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 5, maxLength: 30 }),
        fc.integer({ min: 1, max: 6 }),
        async (steps, units) => {
          const database = await freshDatabase();
          try {
            const totals = new Map<string, number>();
            for (const p of products) {
              await addProduct(database, { id: p, rows: Object.fromEntries(warehouses.map((w) => [w, units])) });
              for (const w of warehouses) totals.set(rowKey(p, w), units);
            }
            const holds: ModelHold[] = [];
            let now = 1_000;
            for (const s of steps) {
              const picked = holds.length > 0 && "pick" in s ? holds[s.pick % holds.length]! : null;
              // a hold past its expiry is expired whether or not anyone swept
              for (const h of holds) if (h.status === "pending" && h.expiresAt <= now) h.status = "expired";
              if (s.kind === "tick") now += s.ms;
              if (s.kind === "sweep") await expireDue({ database, now });
              if (s.kind === "reserve") {
                const wanted = new Map<string, number>();
                for (const l of s.items) {
                  const key = rowKey(l.productId, l.warehouseId);
                  wanted.set(key, (wanted.get(key) ?? 0) + l.quantity);
                }
                const fits = [...wanted].every(([key, q]) => modelAvailable(totals, holds, key, now) >= q);
                const outcome = await reserve({
                  database,
                  items: s.items,
                  holder: { sessionHash: null },
                  ...uncapped,
                  policy,
                  now,
                });
                expect(outcome.ok).toBe(fits);
                if (outcome.ok) {
                  holds.push({
                    id: outcome.reservation.id,
                    holder: { tokenHash: hashSecret(outcome.holdToken), sessionHash: null },
                    lines: s.items,
                    status: "pending",
                    expiresAt: outcome.reservation.expiresAt,
                  });
                }
              }
              if (picked && (s.kind === "confirm" || s.kind === "release" || s.kind === "extend")) {
                const command = { confirm, release, extend }[s.kind];
                const wasLive = picked.status === "pending";
                const outcome = await command({ database, id: picked.id, holder: picked.holder, policy, now });
                if (s.kind === "confirm") {
                  expect(outcome.ok).toBe(wasLive);
                  if (wasLive) picked.status = "confirmed";
                }
                if (s.kind === "release") {
                  expect(outcome.ok).toBe(wasLive || picked.status === "released");
                  if (wasLive) picked.status = "released";
                }
                if (s.kind === "extend" && outcome.ok) {
                  expect(wasLive).toBe(true);
                  picked.expiresAt = outcome.reservation.expiresAt;
                }
                if (!outcome.ok && outcome.code !== "not_found") {
                  expect(outcome.reservation.status).toBe(picked.status === "pending" ? "pending" : picked.status);
                }
              }
              await checkInvariants(database, totals, holds, now);
            }
          } finally {
            await database.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
