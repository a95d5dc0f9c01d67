import { afterEach, describe, expect, test } from "vitest";
import type { Database } from "~/infra/db/db.server";
import { CART_IDLE_MS } from "~/models/cart";
import { holdCart, type CartHoldMode } from "~/models/cart-hold.server";
import { addToCart, moveCartLine, readCart, setCartLine } from "~/models/carts.server";
import { shopCustomer } from "~/models/customers.server";
import { createDrop } from "~/models/drops.server";
import { expireDue, expireHold } from "~/models/expiry.server";
import { release } from "~/models/hold-changes.server";
import { hashSecret } from "~/models/holder.server";
import { sweep } from "~/models/maintenance.server";
import { releaseByOperator } from "~/models/operator-holds.server";
import { holdPolicy } from "~/models/reservation";
import { getReservation, reserve } from "~/models/reservation.server";
import { addProduct, freshDatabase, rawCounts, uncapped } from "../helpers/database";

const policy = holdPolicy(600);
const TTL = policy.ttlMs;
const open: Database[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

const session = hashSecret("browser-1");
const holder = { tokenHash: null, sessionHash: session };

async function setup() {
  const database = await freshDatabase();
  open.push(database);
  await addProduct(database, { id: "lamp", rows: { "blr-01": 5, "del-01": 1, "mum-01": 4 } });
  await addProduct(database, { id: "rug", rows: { "blr-01": 3 } });
  return database;
}

const lines = async (database: Database, now = 0) =>
  (await readCart({ database, sessionHash: session, now })).lines.map((l) => [l.productId, l.warehouseId, l.quantity]);

const add = (
  database: Database,
  productId: string,
  warehouseId: string,
  quantity: number,
  now: number,
  sessionHash = session,
) => addToCart({ database, sessionHash, line: { productId, warehouseId, quantity }, now });

function holdMyCart(
  database: Database,
  revision: number,
  { mode = "all", now = 0 }: { mode?: CartHoldMode; now?: number } = {},
) {
  return holdCart({
    database,
    sessionHash: session,
    revision,
    mode,
    requester: uncapped.requester,
    customer: shopCustomer(session, null),
    fairUse: uncapped.fairUse,
    policy,
    now,
  });
}

describe("the cart", () => {
  test("adds, merges, sets and removes lines, each change moving the revision on", async () => {
    const database = await setup();
    expect(await add(database, "lamp", "blr-01", 2, 1)).toEqual({ ok: true });
    expect(await add(database, "lamp", "blr-01", 1, 2)).toEqual({ ok: true });
    await add(database, "rug", "blr-01", 1, 3);
    expect(await lines(database)).toEqual([
      ["lamp", "blr-01", 3],
      ["rug", "blr-01", 1],
    ]);
    expect((await readCart({ database, sessionHash: session, now: 0 })).revision).toBe(3);
    await setCartLine({
      database,
      sessionHash: session,
      productId: "lamp",
      warehouseId: "blr-01",
      quantity: 5,
      now: 4,
    });
    await setCartLine({ database, sessionHash: session, productId: "rug", warehouseId: "blr-01", quantity: 0, now: 5 });
    const cart = await readCart({ database, sessionHash: session, now: 0 });
    expect(cart).toMatchObject({ revision: 5, units: 5, totalCents: 5000 });
    expect(cart.lines[0]).toMatchObject({ productId: "lamp", available: 5, archived: false });
  });

  test("refuses what it cannot hold, and stores nothing for a refusal", async () => {
    const database = await setup();
    expect(await add(database, "lamp", "hyd-01", 1, 1)).toEqual({ ok: false, code: "not_found" });
    expect(await add(database, "nope", "blr-01", 1, 1)).toEqual({ ok: false, code: "not_found" });
    expect(await add(database, "lamp'--", "blr-01", 1, 1)).toEqual({ ok: false, code: "not_found" });
    await database.write({ archive: { sql: "UPDATE products SET archived = 1 WHERE id = 'rug'", args: {} } });
    expect(await add(database, "rug", "blr-01", 1, 1)).toEqual({ ok: false, code: "product_archived" });
    const carts = await database.reader.execute("SELECT count(*) AS n FROM carts");
    expect(Number(carts.rows[0]?.n)).toBe(0);
    expect(await add(database, "lamp", "blr-01", 100, 1)).toEqual({ ok: true });
    expect(await add(database, "lamp", "blr-01", 1, 2)).toEqual({ ok: false, code: "line_full" });
    expect(
      await setCartLine({
        database,
        sessionHash: session,
        productId: "rug",
        warehouseId: "blr-01",
        quantity: 1,
        now: 2,
      }),
    ).toEqual({ ok: false, code: "not_found" });
  });

  test("moves a line to another warehouse, merging with a line already there", async () => {
    const database = await setup();
    await add(database, "lamp", "del-01", 2, 1);
    await add(database, "lamp", "mum-01", 1, 2);
    expect(
      await moveCartLine({
        database,
        sessionHash: session,
        productId: "lamp",
        fromWarehouseId: "del-01",
        toWarehouseId: "mum-01",
        now: 3,
      }),
    ).toEqual({ ok: true });
    expect(await lines(database)).toEqual([["lamp", "mum-01", 3]]);
    expect(
      await moveCartLine({
        database,
        sessionHash: session,
        productId: "lamp",
        fromWarehouseId: "mum-01",
        toWarehouseId: "hyd-01",
        now: 4,
      }),
    ).toEqual({ ok: false, code: "not_found" });
    expect(await lines(database)).toEqual([["lamp", "mum-01", 3]]);
  });

  test("a cart idle for 30 days is swept; a newer one stays", async () => {
    const database = await setup();
    await add(database, "lamp", "blr-01", 1, 0);
    const other = hashSecret("browser-2");
    await add(database, "lamp", "blr-01", 1, 1000, other);
    expect((await sweep({ database, now: CART_IDLE_MS })).cartsPruned).toBe(0);
    expect((await sweep({ database, now: CART_IDLE_MS + 1 })).cartsPruned).toBe(1);
    expect(await lines(database)).toEqual([]);
    expect((await readCart({ database, sessionHash: other, now: 0 })).units).toBe(1);
  });
});

describe("Hold my cart", () => {
  test("holds every line as one hold and empties the cart in the same write", async () => {
    const database = await setup();
    await add(database, "lamp", "blr-01", 2, 1);
    await add(database, "rug", "blr-01", 1, 2);
    const outcome = await holdMyCart(database, 2);
    if (!outcome.ok) throw new Error(outcome.code);
    const hold = await getReservation({ database, id: outcome.reservationId, holder, policy, now: 10 });
    expect(hold?.items.map((i) => [i.productId, i.quantity])).toEqual([
      ["lamp", 2],
      ["rug", 1],
    ]);
    expect(await lines(database)).toEqual([]);
    expect((await readCart({ database, sessionHash: session, now: 0 })).revision).toBe(3);
  });

  test("submitted twice (even at once) makes one hold, and the second answer names it", async () => {
    const database = await setup();
    await add(database, "lamp", "blr-01", 2, 1);
    const [first, second] = await Promise.all([holdMyCart(database, 1), holdMyCart(database, 1)]);
    expect(first).toMatchObject({ ok: true });
    expect(second).toEqual(first);
    expect(await holdMyCart(database, 1)).toEqual(first);
    const counts = await rawCounts(database);
    expect(counts.find((c) => c.productId === "lamp" && c.warehouseId === "blr-01")?.reserved).toBe(2);
  });

  test("two holds of one cart queued together make one hold, and the cart changes once", async () => {
    const database = await setup();
    await add(database, "lamp", "blr-01", 2, 1);
    const ofTheCart = () =>
      reserve({
        database,
        items: [{ productId: "lamp", warehouseId: "blr-01", quantity: 2 }],
        holder: { sessionHash: session },
        ...uncapped,
        cart: { sessionHash: session, revision: 1, rest: [] },
        policy,
        now: 5,
      });
    // the writer takes the first command at once and queues the rest
    // meanwhile: so the two holds of the cart are decided in one group
    const [other, ...outcomes] = await Promise.all([
      reserve({
        database,
        items: [{ productId: "rug", warehouseId: "blr-01", quantity: 1 }],
        holder: { sessionHash: null },
        ...uncapped,
        policy,
        now: 5,
      }),
      ofTheCart(),
      ofTheCart(),
    ]);
    expect(other?.ok).toBe(true);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(
      (await rawCounts(database)).find((c) => c.productId === "lamp" && c.warehouseId === "blr-01")?.reserved,
    ).toBe(2);
    expect((await readCart({ database, sessionHash: session, now: 0 })).revision).toBe(2);
  });

  test("a line whose product joined a drop, or more lines than a hold may have, is not held", async () => {
    const database = await setup();
    await add(database, "lamp", "blr-01", 1, 1);
    await add(database, "rug", "blr-01", 1, 2);
    await createDrop({
      database,
      drop: {
        name: "Rugs",
        productIds: ["rug"],
        startsAt: 0,
        endsAt: null,
        holdTtlSeconds: 60,
        maxPerCustomer: 1,
        extensions: 0,
      },
      operator: "ops",
      now: 3,
    });
    expect((await readCart({ database, sessionHash: session, now: 4 })).lines.map((l) => l.inDrop)).toEqual([
      false,
      true,
    ]);
    expect(await holdMyCart(database, 2, { now: 4 })).toEqual({ ok: false, code: "in_drop", productIds: ["rug"] });
    await setCartLine({ database, sessionHash: session, productId: "rug", warehouseId: "blr-01", quantity: 0, now: 5 });
    // lines that come back from ended holds may pass the cart's own limit
    for (let i = 0; i < 20; i++) await addProduct(database, { id: `p${i}`, rows: { "blr-01": 1 } });
    const many = await reserve({
      database,
      items: Array.from({ length: 20 }, (_, i) => ({ productId: `p${i}`, warehouseId: "blr-01", quantity: 1 })),
      holder: { sessionHash: session },
      ...uncapped,
      policy,
      now: 6,
    });
    expect(many.ok).toBe(true);
    await expireDue({ database, now: 6 + TTL });
    const cart = await readCart({ database, sessionHash: session, now: 7 + TTL });
    expect(cart.lines).toHaveLength(21);
    expect(await holdMyCart(database, cart.revision, { now: 7 + TTL })).toEqual({
      ok: false,
      code: "too_many_lines",
      limit: 20,
    });
  });

  test("a cart changed since the form was made is not held", async () => {
    const database = await setup();
    await add(database, "lamp", "blr-01", 2, 1);
    await setCartLine({
      database,
      sessionHash: session,
      productId: "lamp",
      warehouseId: "blr-01",
      quantity: 3,
      now: 2,
    });
    expect(await holdMyCart(database, 1)).toEqual({ ok: false, code: "cart_changed" });
    expect(await holdMyCart(database, 2)).toMatchObject({ ok: true });
    expect(await holdMyCart(database, 3)).toEqual({ ok: false, code: "cart_empty" });
  });

  test("a short line refuses the whole cart, changes nothing, and says what is left where", async () => {
    const database = await setup();
    await add(database, "lamp", "del-01", 2, 1);
    await add(database, "rug", "blr-01", 1, 2);
    const before = await rawCounts(database);
    const outcome = await holdMyCart(database, 2);
    expect(outcome).toMatchObject({ ok: false, code: "insufficient_stock" });
    if (outcome.ok || outcome.code !== "insufficient_stock") return;
    expect(outcome.short.map((l) => [l.productId, l.warehouseId, l.quantity, l.available])).toEqual([
      ["lamp", "del-01", 2, 1],
    ]);
    expect(outcome.short[0]?.stock.find((s) => s.warehouseId === "mum-01")?.available).toBe(4);
    expect(await rawCounts(database)).toEqual(before);
    expect(await lines(database)).toEqual([
      ["lamp", "del-01", 2],
      ["rug", "blr-01", 1],
    ]);
  });

  test("Hold what's available holds each line at what is left, and leaves the rest in the cart", async () => {
    const database = await setup();
    await add(database, "lamp", "del-01", 2, 1);
    await add(database, "rug", "blr-01", 1, 2);
    const outcome = await holdMyCart(database, 2, { mode: "available" });
    if (!outcome.ok) throw new Error(outcome.code);
    const hold = await getReservation({ database, id: outcome.reservationId, holder, policy, now: 10 });
    expect(hold?.items.map((i) => [i.productId, i.warehouseId, i.quantity])).toEqual([
      ["lamp", "del-01", 1],
      ["rug", "blr-01", 1],
    ]);
    expect(await lines(database)).toEqual([["lamp", "del-01", 1]]);
  });
});

describe("a hold that ends puts its lines back in the cart", () => {
  async function heldCart(database: Database) {
    await add(database, "lamp", "blr-01", 2, 0);
    const outcome = await holdMyCart(database, 1);
    if (!outcome.ok) throw new Error(outcome.code);
    // meanwhile the shopper put more of it, and something else, in the cart
    await add(database, "lamp", "blr-01", 1, 1);
    await add(database, "rug", "blr-01", 1, 2);
    return outcome.reservationId;
  }
  const merged = [
    ["lamp", "blr-01", 3],
    ["rug", "blr-01", 1],
  ];

  test("on expiry, by the sweep", async () => {
    const database = await setup();
    await heldCart(database);
    expect(await expireDue({ database, now: TTL })).toBe(1);
    expect(await lines(database)).toEqual(merged);
  });

  test("on expiry, as soon as the holder looks at it (before any sweep)", async () => {
    const database = await setup();
    const id = await heldCart(database);
    await expireHold({ database, id, now: TTL - 1 });
    expect(await lines(database)).toEqual([
      ["lamp", "blr-01", 1],
      ["rug", "blr-01", 1],
    ]);
    await expireHold({ database, id, now: TTL });
    await expireHold({ database, id, now: TTL + 1 });
    expect(await lines(database)).toEqual(merged);
  });

  test("on expiry, by another shopper's hold on the row", async () => {
    const database = await setup();
    await heldCart(database);
    const other = await reserve({
      database,
      items: [{ productId: "lamp", warehouseId: "blr-01", quantity: 5 }],
      holder: { sessionHash: null },
      ...uncapped,
      policy,
      now: TTL,
    });
    expect(other.ok).toBe(true);
    expect(await lines(database)).toEqual(merged);
  });

  test("on the holder's release, and on the shop's", async () => {
    const database = await setup();
    const id = await heldCart(database);
    expect((await release({ database, id, holder, policy, now: 5 })).ok).toBe(true);
    expect(await lines(database)).toEqual(merged);
    const revision = (await readCart({ database, sessionHash: session, now: 0 })).revision;
    const again = await holdMyCart(database, revision);
    if (!again.ok) throw new Error(again.code);
    expect(
      (await releaseByOperator({ database, id: again.reservationId, reason: "test", operator: "ops", policy, now: 6 }))
        .ok,
    ).toBe(true);
    expect(await lines(database)).toEqual(merged);
  });

  test("a line over a cart line's most comes back as the most, and the expiry goes through", async () => {
    const database = await setup();
    await addProduct(database, { id: "bulk", rows: { "blr-01": 300 } });
    // two lines of one row, one line of the hold: 101 units
    const held = await reserve({
      database,
      items: [
        { productId: "bulk", warehouseId: "blr-01", quantity: 100 },
        { productId: "bulk", warehouseId: "blr-01", quantity: 1 },
      ],
      holder: { sessionHash: session },
      ...uncapped,
      policy,
      now: 0,
    });
    expect(held.ok).toBe(true);
    expect(await expireDue({ database, now: TTL })).toBe(1);
    expect(await lines(database)).toEqual([["bulk", "blr-01", 100]]);
  });

  test("nor a hold an integrator's key made from a browser", async () => {
    const database = await setup();
    await reserve({
      database,
      items: [{ productId: "rug", warehouseId: "blr-01", quantity: 1 }],
      holder: { sessionHash: session },
      ...uncapped,
      apiKeyId: "key-1",
      policy,
      now: 0,
    });
    await expireDue({ database, now: TTL });
    expect(await lines(database)).toEqual([]);
  });

  test("but not when paid, nor a hold made without a browser", async () => {
    const database = await setup();
    await reserve({
      database,
      items: [{ productId: "rug", warehouseId: "blr-01", quantity: 1 }],
      holder: { sessionHash: null },
      ...uncapped,
      policy,
      now: 0,
    });
    await expireDue({ database, now: TTL });
    expect(await lines(database)).toEqual([]);
  });
});
