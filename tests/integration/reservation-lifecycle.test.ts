import { afterEach, describe, expect, test } from "vitest";
import type { Database } from "~/infra/db/db.server";
import { expireDue } from "~/models/expiry.server";
import { confirm, extend, release } from "~/models/hold-changes.server";
import { hashSecret, type Holder } from "~/models/holder.server";
import { readStock } from "~/models/inventory.server";
import { holdPolicy } from "~/models/reservation";
import { getReservation, reserve } from "~/models/reservation.server";
import { addProduct, freshDatabase, rawCounts, uncapped } from "../helpers/database";

const policy = holdPolicy(600);
const TTL = policy.ttlMs;
const open: Database[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

async function setup(units = 5) {
  const database = await freshDatabase();
  open.push(database);
  await addProduct(database, { id: "lamp", rows: { "blr-01": units } });
  return database;
}

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
  const holder: Holder = { tokenHash: hashSecret(outcome.holdToken), sessionHash: null };
  return { id: outcome.reservation.id, expiresAt: outcome.reservation.expiresAt, holder };
}

describe("confirm", () => {
  test("succeeds at expires_at − 1 ms and moves the units to sold", async () => {
    const database = await setup();
    const h = await hold(database, 1_000, 2);

    const outcome = await confirm({ database, id: h.id, holder: h.holder, policy, now: h.expiresAt - 1 });

    expect(outcome).toMatchObject({ ok: true, reservation: { status: "confirmed" } });
    expect((await rawCounts(database))[0]).toMatchObject({ reserved: 0, sold: 2 });
  });

  test("at expires_at is reservation_expired, and the units are free again", async () => {
    const database = await setup();
    const h = await hold(database, 1_000, 2);

    const outcome = await confirm({ database, id: h.id, holder: h.holder, policy, now: h.expiresAt });

    expect(outcome).toMatchObject({ ok: false, code: "reservation_expired", reservation: { status: "expired" } });
    expect((await rawCounts(database))[0]).toMatchObject({ reserved: 0, sold: 0 });
  });

  test("a second confirm is invalid_state and sells nothing twice", async () => {
    const database = await setup();
    const h = await hold(database, 1_000);
    await confirm({ database, id: h.id, holder: h.holder, policy, now: 2_000 });

    const again = await confirm({ database, id: h.id, holder: h.holder, policy, now: 3_000 });

    expect(again).toMatchObject({ ok: false, code: "invalid_state" });
    expect((await rawCounts(database))[0]).toMatchObject({ reserved: 0, sold: 1 });
  });

  test("a confirm racing a sweep: exactly one wins, every time", async () => {
    const database = await setup(40);
    const holds = await Promise.all(Array.from({ length: 40 }, (_, i) => hold(database, 1_000 + i)));

    // The payment arrives a millisecond before expiry by its clock; the
    // sweeper's clock already says expired. Whichever the writer takes first
    // wins; the other must find nothing to do.
    const results = await Promise.all(
      holds.flatMap((h) => [
        confirm({ database, id: h.id, holder: h.holder, policy, now: h.expiresAt - 1 }),
        expireDue({ database, now: h.expiresAt }),
      ]),
    );

    const confirmed = results.filter((r) => typeof r !== "number" && r.ok).length;
    const expired = results.filter((r): r is number => typeof r === "number").reduce((a, b) => a + b, 0);
    expect(confirmed + expired).toBe(40);
    const [row] = await rawCounts(database);
    expect(row).toMatchObject({ reserved: 0, sold: confirmed });
    for (const h of holds) {
      const view = await getReservation({ database, id: h.id, holder: h.holder, policy, now: 0 });
      expect(["confirmed", "expired"]).toContain(view?.status);
    }
  });
});

describe("release", () => {
  test("returns the units; releasing again changes nothing", async () => {
    const database = await setup();
    const h = await hold(database, 1_000, 3);

    expect(await release({ database, id: h.id, holder: h.holder, policy, now: 2_000 })).toMatchObject({
      ok: true,
      reservation: { status: "released" },
    });
    expect(await release({ database, id: h.id, holder: h.holder, policy, now: 3_000 })).toMatchObject({ ok: true });
    expect((await rawCounts(database))[0]).toMatchObject({ reserved: 0, sold: 0 });
  });

  test("is invalid_state once confirmed", async () => {
    const database = await setup();
    const h = await hold(database, 1_000);
    await confirm({ database, id: h.id, holder: h.holder, policy, now: 2_000 });

    expect(await release({ database, id: h.id, holder: h.holder, policy, now: 3_000 })).toMatchObject({
      ok: false,
      code: "invalid_state",
    });
    expect((await rawCounts(database))[0]).toMatchObject({ reserved: 0, sold: 1 });
  });
});

describe("extend", () => {
  test("adds one TTL at a time, a fixed number of times", async () => {
    const database = await setup();
    const h = await hold(database, 0);

    const first = await extend({ database, id: h.id, holder: h.holder, policy, now: 1_000 });
    const second = await extend({ database, id: h.id, holder: h.holder, policy, now: 2_000 });
    const third = await extend({ database, id: h.id, holder: h.holder, policy, now: 3_000 });

    expect(first).toMatchObject({ ok: true, reservation: { expiresAt: 2 * TTL, extensionsLeft: 1 } });
    expect(second).toMatchObject({ ok: true, reservation: { expiresAt: 3 * TTL, extensionsLeft: 0 } });
    expect(third).toMatchObject({ ok: false, code: "extension_limit_reached" });
  });

  test("never beyond the hard cap on a hold's whole life", async () => {
    const database = await setup();
    const h = await hold(database, 0);
    const tighter = { ...policy, maxHoldMs: TTL + TTL / 2 };

    const outcome = await extend({ database, id: h.id, holder: h.holder, policy: tighter, now: 1_000 });

    expect(outcome).toMatchObject({ ok: true, reservation: { expiresAt: tighter.maxHoldMs, extensionsLeft: 0 } });
    expect(await extend({ database, id: h.id, holder: h.holder, policy: tighter, now: 2_000 })).toMatchObject({
      ok: false,
      code: "extension_limit_reached",
    });
  });

  test("cannot bring an expired hold back", async () => {
    const database = await setup();
    const h = await hold(database, 0);

    expect(await extend({ database, id: h.id, holder: h.holder, policy, now: h.expiresAt })).toMatchObject({
      ok: false,
      code: "reservation_expired",
    });
  });
});

describe("expiry without any sweeper", () => {
  test("a hold past its expiry is neither shown as reserved nor as pending", async () => {
    const database = await setup(5);
    const h = await hold(database, 0, 4);

    const [before] = await readStock({ database, productIds: ["lamp"], now: h.expiresAt - 1 });
    const [after] = await readStock({ database, productIds: ["lamp"], now: h.expiresAt });

    expect(before).toMatchObject({ reserved: 4, available: 1 });
    expect(after).toMatchObject({ reserved: 0, available: 5 });
    // nothing swept: the raw row still carries the dead hold
    expect((await rawCounts(database))[0]?.reserved).toBe(4);
    const view = await getReservation({ database, id: h.id, holder: h.holder, policy, now: h.expiresAt });
    expect(view?.status).toBe("expired");
  });

  test("reserve reclaims the stale holds on the rows it touches, in the same write", async () => {
    const database = await setup(5);
    const stale = await hold(database, 0, 5);

    const fresh = await hold(database, stale.expiresAt, 5);

    expect((await rawCounts(database))[0]).toMatchObject({ reserved: 5 });
    const old = await getReservation({ database, id: stale.id, holder: stale.holder, policy, now: 0 });
    expect(old?.status).toBe("expired");
    expect(fresh.id).not.toBe(stale.id);
  });

  test("two sweeps at once expire each hold exactly once", async () => {
    const database = await setup(10);
    await Promise.all(Array.from({ length: 10 }, () => hold(database, 0)));

    const counts = await Promise.all([expireDue({ database, now: TTL }), expireDue({ database, now: TTL })]);

    expect(counts[0] + counts[1]).toBe(10);
    expect((await rawCounts(database))[0]).toMatchObject({ reserved: 0, sold: 0 });
    const events = await database.reader.execute("SELECT count(*) AS n FROM events WHERE type = 'reservation_expired'");
    expect(Number(events.rows[0]?.n)).toBe(10);
  });
});

describe("holders", () => {
  test("anyone but the holder finds nothing, and changes nothing", async () => {
    const database = await setup();
    const h = await hold(database, 0);
    const stranger: Holder = { tokenHash: hashSecret("guess"), sessionHash: hashSecret("other-session") };

    expect(await getReservation({ database, id: h.id, holder: stranger, policy, now: 1 })).toBeNull();
    for (const command of [confirm, release, extend]) {
      expect(await command({ database, id: h.id, holder: stranger, policy, now: 1 })).toEqual({
        ok: false,
        code: "not_found",
      });
    }
    expect((await rawCounts(database))[0]).toMatchObject({ reserved: 1, sold: 0 });
  });

  test("the browser session that made a hold may act on it", async () => {
    const database = await setup();
    const sessionHash = hashSecret("session-1");
    const outcome = await reserve({
      database,
      items: [{ productId: "lamp", warehouseId: "blr-01", quantity: 1 }],
      holder: { sessionHash },
      ...uncapped,
      policy,
      now: 0,
    });
    if (!outcome.ok) throw new Error("hold refused");

    const confirmed = await confirm({
      database,
      id: outcome.reservation.id,
      holder: { tokenHash: null, sessionHash },
      policy,
      now: 1,
    });
    expect(confirmed).toMatchObject({ ok: true });
  });
});

describe("the database itself", () => {
  test("rejects a direct write that would break the invariant", async () => {
    const database = await setup(5);
    const attempts = [
      "UPDATE inventory SET reserved = 6",
      "UPDATE inventory SET sold = 3, reserved = 3",
      "UPDATE inventory SET reserved = -1",
      "UPDATE inventory SET sold = -1",
      "UPDATE inventory SET total = -1",
    ];
    for (const sql of attempts) {
      await expect(database.write({ statement: { sql, args: {} } })).rejects.toThrow(/CHECK constraint failed/);
    }
    expect((await rawCounts(database))[0]).toMatchObject({ total: 5, reserved: 0, sold: 0 });
  });
});
