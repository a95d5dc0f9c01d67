import { afterEach, describe, expect, test } from "vitest";
import type { Database } from "~/infra/db/db.server";
import { readCart } from "~/models/carts.server";
import { checkConsistency } from "~/models/consistency.server";
import { shopCustomer } from "~/models/customers.server";
import { createDrop } from "~/models/drops.server";
import { moveLedgerHeads, readEventsAfter } from "~/models/events.server";
import { confirm } from "~/models/hold-changes.server";
import { addItems, setItem } from "~/models/hold-items.server";
import { hashSecret, type Holder } from "~/models/holder.server";
import { holdPolicy, type ReservationLine } from "~/models/reservation";
import { reserve } from "~/models/reservation.server";
import { addProduct, freshDatabase, rawCounts, uncapped } from "../helpers/database";

const policy = holdPolicy(600);
const TTL = policy.ttlMs;
const open: Database[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

// Every row's opening stock in the ledger, as the seed and a restock
// write it, so the consistency check can hold each change to account.
async function openLedger(database: Database) {
  await database.write({
    opening: {
      sql: `INSERT INTO events (type, product_id, warehouse_id, payload, created_at)
            SELECT 'stock_adjusted', product_id, warehouse_id,
                   json_object('after', json_object('total', total, 'reserved', reserved, 'sold', sold)), 0
            FROM inventory`,
      args: {},
    },
    ledgerHeads: moveLedgerHeads,
  });
}

async function setup() {
  const database = await freshDatabase();
  open.push(database);
  await addProduct(database, { id: "lamp", rows: { "blr-01": 5, "del-01": 2 } });
  await addProduct(database, { id: "rug", rows: { "blr-01": 3 } });
  await openLedger(database);
  return database;
}

const session = hashSecret("browser-1");
const shopper: Holder = { tokenHash: null, sessionHash: session };

async function hold(database: Database, items: ReservationLine[], now = 0, sessionHash = session) {
  const outcome = await reserve({
    database,
    items,
    holder: { sessionHash },
    ...uncapped,
    customer: shopCustomer(sessionHash, null),
    policy,
    now,
  });
  if (!outcome.ok) throw new Error(`hold refused: ${outcome.code}`);
  return outcome.reservation;
}

const change = { holder: shopper, fairUse: uncapped.fairUse, policy };
const row = async (database: Database, productId: string, warehouseId: string) =>
  (await rawCounts(database)).find((c) => c.productId === productId && c.warehouseId === warehouseId);
const linesOf = (outcome: Awaited<ReturnType<typeof addItems>>) =>
  outcome.ok ? outcome.reservation.items.map((i) => [i.productId, i.warehouseId, i.quantity]) : outcome.code;

describe("adding lines to a hold", () => {
  test("adds new lines and more of a line it has, without extending it", async () => {
    const database = await setup();
    const held = await hold(database, [{ productId: "lamp", warehouseId: "blr-01", quantity: 1 }]);
    const outcome = await addItems({
      database,
      id: held.id,
      lines: [
        { productId: "lamp", warehouseId: "blr-01", quantity: 2 },
        { productId: "rug", warehouseId: "blr-01", quantity: 1 },
      ],
      ...change,
      now: 1000,
    });
    expect(linesOf(outcome)).toEqual([
      ["lamp", "blr-01", 3],
      ["rug", "blr-01", 1],
    ]);
    expect(outcome.ok && outcome.reservation.expiresAt).toBe(held.expiresAt);
    expect((await row(database, "lamp", "blr-01"))?.reserved).toBe(3);
    expect((await row(database, "rug", "blr-01"))?.reserved).toBe(1);
    const events = await readEventsAfter({ database, afterId: 0 });
    const changed = events.filter((e) => e.type === "reservation_changed");
    expect(changed).toHaveLength(1);
    expect(changed[0]?.payload.items).toHaveLength(2);
    expect((await checkConsistency({ database, now: 2000 })).violations).toEqual([]);
  });

  test("all or nothing: one short line changes nothing and is named", async () => {
    const database = await setup();
    const held = await hold(database, [{ productId: "lamp", warehouseId: "blr-01", quantity: 1 }]);
    const before = await rawCounts(database);
    const outcome = await addItems({
      database,
      id: held.id,
      lines: [
        { productId: "rug", warehouseId: "blr-01", quantity: 1 },
        { productId: "lamp", warehouseId: "del-01", quantity: 3 },
      ],
      ...change,
      now: 1000,
    });
    expect(outcome).toMatchObject({ ok: false, code: "lines_refused", refusal: { code: "insufficient_stock" } });
    if (outcome.ok || outcome.code !== "lines_refused" || outcome.refusal.code !== "insufficient_stock") return;
    expect(outcome.refusal.short.map((l) => [l.productId, l.warehouseId, l.quantity, l.available])).toEqual([
      ["lamp", "del-01", 3, 2],
    ]);
    expect(await rawCounts(database)).toEqual(before);
    const events = await readEventsAfter({ database, afterId: 0 });
    expect(events.filter((e) => e.type === "reservation_changed")).toEqual([]);
  });

  test("a row that does not exist, or an id that cannot, is not_found", async () => {
    const database = await setup();
    const held = await hold(database, [{ productId: "lamp", warehouseId: "blr-01", quantity: 1 }]);
    const at = (productId: string, warehouseId: string) =>
      addItems({ database, id: held.id, lines: [{ productId, warehouseId, quantity: 1 }], ...change, now: 1 });
    expect(await at("rug", "del-01")).toMatchObject({ code: "lines_refused", refusal: { code: "not_found" } });
    expect(await at("rug'--", "blr-01")).toMatchObject({ code: "lines_refused", refusal: { code: "not_found" } });
  });

  test("refused past its expiry (410), once paid, and to anyone but its holder", async () => {
    const database = await setup();
    const held = await hold(database, [{ productId: "lamp", warehouseId: "blr-01", quantity: 1 }]);
    const more = (holder: Holder, now: number) =>
      addItems({
        database,
        id: held.id,
        lines: [{ productId: "rug", warehouseId: "blr-01", quantity: 1 }],
        ...change,
        holder,
        now,
      });
    expect(await more({ tokenHash: null, sessionHash: hashSecret("someone else") }, 1)).toEqual({
      ok: false,
      code: "not_found",
    });
    expect(await more(shopper, TTL)).toMatchObject({ ok: false, code: "reservation_expired" });
    expect((await row(database, "rug", "blr-01"))?.reserved).toBe(0);

    const paid = await hold(database, [{ productId: "lamp", warehouseId: "blr-01", quantity: 1 }], TTL);
    await confirm({ database, id: paid.id, holder: shopper, policy, now: TTL + 1 });
    expect(
      await addItems({
        database,
        id: paid.id,
        lines: [{ productId: "rug", warehouseId: "blr-01", quantity: 1 }],
        ...change,
        now: TTL + 2,
      }),
    ).toMatchObject({ ok: false, code: "invalid_state" });
  });

  test("keeps to the hold's shape: 100 of a line, 20 lines", async () => {
    const database = await setup();
    await addProduct(database, { id: "bulk", rows: { "blr-01": 500 } });
    const held = await hold(database, [{ productId: "bulk", warehouseId: "blr-01", quantity: 99 }]);
    expect(
      await addItems({
        database,
        id: held.id,
        lines: [{ productId: "bulk", warehouseId: "blr-01", quantity: 2 }],
        ...change,
        now: 1,
      }),
    ).toMatchObject({ ok: false, code: "line_too_large", limit: 100 });
    for (let i = 0; i < 20; i++) await addProduct(database, { id: `p${i}`, rows: { "blr-01": 1 } });
    const lines = Array.from({ length: 20 }, (_, i) => ({ productId: `p${i}`, warehouseId: "blr-01", quantity: 1 }));
    expect(await addItems({ database, id: held.id, lines, ...change, now: 2 })).toMatchObject({
      ok: false,
      code: "too_many_lines",
      limit: 20,
    });
    expect(await addItems({ database, id: held.id, lines: lines.slice(1), ...change, now: 3 })).toMatchObject({
      ok: true,
    });
  });

  test("a customer's limit counts the hold's own units", async () => {
    const database = await setup();
    await database.write({ limit: { sql: "UPDATE products SET max_per_customer = 2 WHERE id = 'lamp'", args: {} } });
    const held = await hold(database, [{ productId: "lamp", warehouseId: "blr-01", quantity: 2 }]);
    const outcome = await addItems({
      database,
      id: held.id,
      lines: [{ productId: "lamp", warehouseId: "del-01", quantity: 1 }],
      ...change,
      now: 1,
    });
    expect(outcome).toMatchObject({
      ok: false,
      code: "lines_refused",
      refusal: { code: "customer_limit_reached", limit: { measure: "units", limit: 2, pending: 2, requested: 1 } },
    });
  });

  test("the fair-use cap on a client's units counts the growth", async () => {
    const database = await setup();
    const held = await hold(database, [{ productId: "lamp", warehouseId: "blr-01", quantity: 2 }]);
    const capped = { ...uncapped.fairUse, unitsPerClient: 3 };
    const more = (quantity: number) =>
      addItems({
        database,
        id: held.id,
        lines: [{ productId: "rug", warehouseId: "blr-01", quantity }],
        ...change,
        fairUse: capped,
        now: 1,
      });
    expect(await more(2)).toMatchObject({ code: "lines_refused", refusal: { code: "client_limit_reached" } });
    expect(await more(1)).toMatchObject({ ok: true });
  });

  test("a drop's product joins only a hold made in its drop", async () => {
    const database = await setup();
    await addProduct(database, { id: "tee", rows: { "blr-01": 5 } });
    await createDrop({
      database,
      drop: {
        name: "Tees",
        productIds: ["tee"],
        startsAt: 0,
        endsAt: null,
        holdTtlSeconds: 60,
        maxPerCustomer: 2,
        extensions: 1,
      },
      operator: "ops",
      now: 0,
    });
    const ordinary = await hold(database, [{ productId: "lamp", warehouseId: "blr-01", quantity: 1 }]);
    expect(
      await addItems({
        database,
        id: ordinary.id,
        lines: [{ productId: "tee", warehouseId: "blr-01", quantity: 1 }],
        ...change,
        now: 1,
      }),
    ).toMatchObject({ ok: false, code: "drop_product", productIds: ["tee"] });
    const inDrop = await hold(database, [{ productId: "tee", warehouseId: "blr-01", quantity: 1 }], 2);
    // another drop's product, live too, is held on its own drop's terms
    await addProduct(database, { id: "cap", rows: { "blr-01": 5 } });
    await createDrop({
      database,
      drop: {
        name: "Caps",
        productIds: ["cap"],
        startsAt: 0,
        endsAt: null,
        holdTtlSeconds: 30,
        maxPerCustomer: 1,
        extensions: 0,
      },
      operator: "ops",
      now: 0,
    });
    expect(
      await addItems({
        database,
        id: inDrop.id,
        lines: [{ productId: "cap", warehouseId: "blr-01", quantity: 1 }],
        ...change,
        now: 2,
      }),
    ).toMatchObject({ ok: false, code: "drop_product", productIds: ["cap"] });
    const tee = { productId: "tee", warehouseId: "blr-01" };
    expect(await setItem({ database, id: inDrop.id, line: { ...tee, quantity: 2 }, ...change, now: 3 })).toMatchObject({
      ok: true,
    });
    expect(await setItem({ database, id: inDrop.id, line: { ...tee, quantity: 3 }, ...change, now: 4 })).toMatchObject({
      code: "lines_refused",
      refusal: { code: "customer_limit_reached" },
    });
  });
});

describe("setting a line's quantity", () => {
  const lamp = { productId: "lamp", warehouseId: "blr-01" };
  const rug = { productId: "rug", warehouseId: "blr-01" };

  test("fewer frees the units at once, for another shopper to hold", async () => {
    const database = await setup();
    const held = await hold(database, [{ ...lamp, quantity: 5 }]);
    const other = hashSecret("browser-2");
    await expect(hold(database, [{ ...lamp, quantity: 2 }], 1, other)).rejects.toThrow("insufficient_stock");
    const outcome = await setItem({ database, id: held.id, line: { ...lamp, quantity: 3 }, ...change, now: 2 });
    expect(linesOf(outcome)).toEqual([["lamp", "blr-01", 3]]);
    expect((await row(database, "lamp", "blr-01"))?.reserved).toBe(3);
    await hold(database, [{ ...lamp, quantity: 2 }], 3, other);
    expect((await row(database, "lamp", "blr-01"))?.reserved).toBe(5);
    expect((await checkConsistency({ database, now: 4 })).violations).toEqual([]);
  });

  test("a line set to what it is, or a missing line to 0, changes nothing and says nothing", async () => {
    const database = await setup();
    const held = await hold(database, [{ ...lamp, quantity: 2 }]);
    expect(
      linesOf(await setItem({ database, id: held.id, line: { ...lamp, quantity: 2 }, ...change, now: 1 })),
    ).toEqual([["lamp", "blr-01", 2]]);
    expect(linesOf(await setItem({ database, id: held.id, line: { ...rug, quantity: 0 }, ...change, now: 2 }))).toEqual(
      [["lamp", "blr-01", 2]],
    );
    const types = (await readEventsAfter({ database, afterId: 0 })).map((e) => e.type);
    expect(types).not.toContain("reservation_changed");
    const after = await setItem({ database, id: held.id, line: { ...lamp, quantity: 2 }, ...change, now: 3 });
    expect(after.ok && after.reservation.updatedAt).toBe(0);
  });

  test("more is guarded like a new hold", async () => {
    const database = await setup();
    const held = await hold(database, [{ ...lamp, quantity: 1 }]);
    expect(await setItem({ database, id: held.id, line: { ...lamp, quantity: 6 }, ...change, now: 1 })).toMatchObject({
      code: "lines_refused",
      refusal: { code: "insufficient_stock", short: [{ quantity: 5, available: 4 }] },
    });
    expect(
      linesOf(await setItem({ database, id: held.id, line: { ...lamp, quantity: 5 }, ...change, now: 2 })),
    ).toEqual([["lamp", "blr-01", 5]]);
  });

  test("0 takes the line out; the last line out releases the hold, and nothing goes back in the cart", async () => {
    const database = await setup();
    const held = await hold(database, [
      { ...lamp, quantity: 2 },
      { ...rug, quantity: 1 },
    ]);
    expect(linesOf(await setItem({ database, id: held.id, line: { ...rug, quantity: 0 }, ...change, now: 1 }))).toEqual(
      [["lamp", "blr-01", 2]],
    );
    const last = await setItem({ database, id: held.id, line: { ...lamp, quantity: 0 }, ...change, now: 2 });
    expect(last).toMatchObject({ ok: true, reservation: { status: "released" } });
    expect((await rawCounts(database)).every((c) => c.reserved === 0)).toBe(true);
    expect((await readCart({ database, sessionHash: session, now: 3 })).lines).toEqual([]);
    const types = (await readEventsAfter({ database, afterId: 0 })).map((e) => e.type);
    expect(types.filter((t) => t.startsWith("reservation_"))).toEqual([
      "reservation_created",
      "reservation_changed",
      "reservation_released",
    ]);
    expect((await checkConsistency({ database, now: 4 })).violations).toEqual([]);
  });
});

test("50 simultaneous +1 changes to one hold, racing other shoppers for the last units: stock exact", async () => {
  const database = await freshDatabase();
  open.push(database);
  await addProduct(database, { id: "lamp", rows: { "blr-01": 30 } });
  await openLedger(database);
  const held = await hold(database, [{ productId: "lamp", warehouseId: "blr-01", quantity: 1 }]);
  const plusOne = Array.from({ length: 50 }, (_, i) =>
    addItems({
      database,
      id: held.id,
      lines: [{ productId: "lamp", warehouseId: "blr-01", quantity: 1 }],
      ...change,
      now: 10 + i,
    }),
  );
  const others = Array.from({ length: 50 }, (_, i) =>
    reserve({
      database,
      items: [{ productId: "lamp", warehouseId: "blr-01", quantity: 1 }],
      holder: { sessionHash: hashSecret(`other-${i}`) },
      ...uncapped,
      policy,
      now: 10 + i,
    }),
  );
  const [changes, holds] = await Promise.all([Promise.all(plusOne), Promise.all(others)]);
  const grown = changes.filter((c) => c.ok).length;
  const made = holds.filter((h) => h.ok).length;
  expect(1 + grown + made).toBe(30);
  expect(changes.filter((c) => !c.ok).every((c) => c.code === "lines_refused")).toBe(true);
  const counts = await row(database, "lamp", "blr-01");
  expect(counts).toMatchObject({ total: 30, reserved: 30, sold: 0 });
  const last = await setItem({
    database,
    id: held.id,
    line: { productId: "lamp", warehouseId: "blr-01", quantity: 1 + grown },
    ...change,
    now: 100,
  });
  expect(linesOf(last)).toEqual([["lamp", "blr-01", 1 + grown]]);
  expect((await checkConsistency({ database, now: 101 })).violations).toEqual([]);
});
