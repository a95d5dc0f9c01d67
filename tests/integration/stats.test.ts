import { afterEach, describe, expect, test } from "vitest";
import type { Database } from "~/infra/db/db.server";
import { expireDue } from "~/models/expiry.server";
import { confirm, release } from "~/models/hold-changes.server";
import { hashSecret } from "~/models/holder.server";
import { holdPolicy } from "~/models/reservation";
import { reserve } from "~/models/reservation.server";
import { readHoldStats } from "~/models/stats.server";
import { addProduct, freshDatabase, uncapped } from "../helpers/database";

// The console's numbers for a known day of holds, at a fixed clock: every
// hold below is made, paid, released or left to expire at a set time.

const policy = holdPolicy(600); // 10 minutes to pay, 30 at most with extensions
const at = (time: string) => Date.parse(`2026-01-15T${time}Z`);
const NOW = at("12:30:20");
const MINUTE = 60_000;

const open: Database[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

async function hold(database: Database, productId: string, warehouseId: string, now: number, quantity = 1) {
  const outcome = await reserve({
    database,
    items: [{ productId, warehouseId, quantity }],
    holder: { sessionHash: null },
    ...uncapped,
    policy,
    now,
  });
  if (!outcome.ok) throw new Error(`hold refused: ${outcome.code}`);
  const holder = { tokenHash: hashSecret(outcome.holdToken), sessionHash: null };
  return {
    confirm: (now: number) => confirm({ database, id: outcome.reservation.id, holder, policy, now }),
    release: (now: number) => release({ database, id: outcome.reservation.id, holder, policy, now }),
  };
}

async function scenario() {
  const database = await freshDatabase();
  open.push(database);
  await addProduct(database, { id: "lamp", rows: { "blr-01": 100 } });
  await addProduct(database, { id: "bowl", rows: { "mum-01": 6 } });
  await addProduct(database, { id: "vase", rows: { "del-01": 3 } });
  await addProduct(database, { id: "old", rows: { "blr-01": 1 } });
  await addProduct(database, { id: "free", rows: { "hyd-01": 0 } });
  await database.write({
    archived: { sql: "UPDATE products SET archived = 1 WHERE id = 'old'" },
    off: { sql: "UPDATE products SET low_stock_threshold = 0 WHERE id = 'free'" },
  });

  // before the hour: H ran out at 11:30, I was paid for inside it (7 min)
  await hold(database, "lamp", "blr-01", at("11:20:00"));
  const i = await hold(database, "lamp", "blr-01", at("11:25:00"));
  await i.confirm(at("11:32:00"));
  // inside the hour: paid for after 30 s, 90 s and 120 s
  const a = await hold(database, "lamp", "blr-01", at("11:40:00"));
  await a.confirm(at("11:40:30"));
  const d = await hold(database, "lamp", "blr-01", at("11:45:00"));
  await d.release(at("11:46:00"));
  const b = await hold(database, "lamp", "blr-01", at("11:50:00"));
  await b.confirm(at("11:51:30"));
  // E runs out at 12:05 and is never swept; its 2 bowls still count as
  // reserved in the raw row, but not as taken
  await hold(database, "bowl", "mum-01", at("11:55:00"), 2);
  const c = await hold(database, "lamp", "blr-01", at("12:00:00"));
  await c.confirm(at("12:02:00"));
  // F runs out at 12:20 and is swept at 12:25
  await hold(database, "lamp", "blr-01", at("12:10:00"));
  await expireDue({ database, now: at("12:25:00") });
  // G is still running
  await hold(database, "lamp", "blr-01", at("12:25:00"), 2);
  return database;
}

describe("readHoldStats", () => {
  test("the last hour: counts, rates, the median time to pay, what is held and low, a bucket a minute", async () => {
    const database = await scenario();

    const stats = await readHoldStats({ database, window: "1h", policy, now: NOW });

    expect(stats.from).toBe(at("11:31:00"));
    expect(stats.bucketMs).toBe(MINUTE);
    expect(stats.holds).toEqual({ created: 7, confirmed: 4, released: 1, expired: 2, ended: 7 });
    expect(stats.conversionRate).toBeCloseTo(4 / 7, 10);
    expect(stats.expiryRate).toBeCloseTo(2 / 7, 10);
    // 30, 90, 120 and 420 seconds
    expect(stats.medianSecondsToPay).toBe(105);
    expect(stats.pending).toEqual({ holds: 1, units: 2 });
    expect(stats.lowStock).toEqual([
      {
        productId: "vase",
        productName: "vase",
        warehouseId: "del-01",
        warehouseName: "DEL-01",
        available: 3,
        threshold: 5,
      },
    ]);

    expect(stats.series).toHaveLength(60);
    expect(stats.series[0]!.start).toBe(at("11:31:00"));
    expect(stats.series[59]!.start).toBe(at("12:30:00"));
    const busy = Object.fromEntries(
      stats.series
        .filter((b) => b.created + b.confirmed + b.released + b.expired > 0)
        .map(({ start, ...counts }) => [new Date(start).toISOString().slice(11, 16), counts]),
    );
    const none = { created: 0, confirmed: 0, released: 0, expired: 0 };
    expect(busy).toEqual({
      "11:32": { ...none, confirmed: 1 },
      "11:40": { ...none, created: 1, confirmed: 1 },
      "11:45": { ...none, created: 1 },
      "11:46": { ...none, released: 1 },
      "11:50": { ...none, created: 1 },
      "11:51": { ...none, confirmed: 1 },
      "11:55": { ...none, created: 1 },
      "12:00": { ...none, created: 1 },
      "12:02": { ...none, confirmed: 1 },
      "12:05": { ...none, expired: 1 },
      "12:10": { ...none, created: 1 },
      "12:20": { ...none, expired: 1 },
      "12:25": { ...none, created: 1 },
    });
  });

  test("the last day: 96 buckets of 15 minutes, holds from before the hour included", async () => {
    const database = await scenario();

    const stats = await readHoldStats({ database, window: "24h", policy, now: NOW });

    expect(stats.bucketMs).toBe(15 * MINUTE);
    expect(stats.series).toHaveLength(96);
    expect(stats.from).toBe(at("12:30:00") - 95 * 15 * MINUTE);
    expect(stats.holds).toEqual({ created: 9, confirmed: 4, released: 1, expired: 3, ended: 8 });
    expect(stats.expiryRate).toBeCloseTo(3 / 8, 10);
    expect(stats.conversionRate).toBeCloseTo(4 / 8, 10);
    expect(stats.medianSecondsToPay).toBe(105);
    const bucket = (time: string) => stats.series.find((b) => b.start === at(time))!;
    // H ran out at 11:30 sharp: the next bucket's
    expect(bucket("11:15:00")).toMatchObject({ created: 2, confirmed: 0, expired: 0 });
    expect(bucket("11:30:00")).toMatchObject({ created: 1, confirmed: 2, expired: 1 });
    expect(bucket("12:30:00")).toMatchObject({ created: 0, confirmed: 0, released: 0, expired: 0 });
    for (const key of ["created", "confirmed", "released", "expired"] as const) {
      expect(stats.series.reduce((sum, b) => sum + b[key], 0)).toBe(stats.holds[key]);
    }
  });

  test("nothing yet: every bucket present and zero, no rates, no median", async () => {
    const database = await freshDatabase();
    open.push(database);

    const stats = await readHoldStats({ database, window: "1h", policy, now: NOW });

    expect(stats.holds).toEqual({ created: 0, confirmed: 0, released: 0, expired: 0, ended: 0 });
    expect(stats.conversionRate).toBeNull();
    expect(stats.expiryRate).toBeNull();
    expect(stats.medianSecondsToPay).toBeNull();
    expect(stats.pending).toEqual({ holds: 0, units: 0 });
    expect(stats.series).toHaveLength(60);
    expect(stats.series.every((b) => b.created + b.confirmed + b.released + b.expired === 0)).toBe(true);
  });
});
