import { afterEach, describe, expect, test } from "vitest";
import { createDatabase, type Database } from "~/infra/db/db.server";
import { editProduct } from "~/models/catalogue.server";
import { integratorCustomer, type Customer } from "~/models/customers.server";
import { dropPhase } from "~/models/drop";
import { customerRef, getDrop } from "~/models/drop-views.server";
import { createDrop, editDrop, type NewDrop } from "~/models/drops.server";
import { expireDue } from "~/models/expiry.server";
import { confirm, extend, release } from "~/models/hold-changes.server";
import { releaseByOperator } from "~/models/operator-holds.server";
import { holdPolicy, type FairUse } from "~/models/reservation";
import { clientKeys, getReservation, reserve } from "~/models/reservation.server";
import { restock } from "~/models/restock.server";
import { joinWaitlist, waitlistEntry } from "~/models/waitlist.server";
import { migrateDatabase } from "../../db/migrate";
import { addProduct, freshDatabase, pointersAndNewest, rawCounts, testDatabaseUrl } from "../helpers/database";
import { runScript } from "../helpers/processes";

// Drops and the per-customer limits, decided inside the guarded write that
// makes a hold: the window against the drop as it is at commit, the limits
// against everything the customer holds and bought, in one group commit
// with everyone else's holds. Time is the injected clock's.

const policy = holdPolicy(600);
const START = 1_000_000;
const END = 2_000_000;
const open: Database[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

async function setup(rows: Record<string, number>, drop: Partial<NewDrop> = {}) {
  const url = testDatabaseUrl();
  const database = createDatabase({ url });
  open.push(database);
  await migrateDatabase(database);
  await addProduct(database, { id: "sneaker", rows });
  const made = await createDrop({
    database,
    drop: {
      name: "Sneaker drop",
      productIds: ["sneaker"],
      startsAt: START,
      endsAt: END,
      holdTtlSeconds: 60,
      maxPerCustomer: 1,
      extensions: 0,
      ...drop,
    },
    operator: "ops",
    now: 0,
  });
  if (!made.ok) throw new Error(`no drop: ${made.code}`);
  return { database, url, drop: made.drop };
}

const customer = (id: string): Customer => integratorCustomer({ apiKeyId: "key-1", id, displayName: `Shopper ${id}` });
const limits = (fairUse: Partial<FairUse> = {}): FairUse => ({
  holdsPerClient: 0,
  unitsPerClient: 0,
  unitsPerAddress: 0,
  holdsPerCustomer: 5,
  ...fairUse,
});

function hold(
  database: Database,
  {
    who,
    now,
    quantity = 1,
    productId = "sneaker",
    fairUse,
  }: { who: Customer | null; now: number; quantity?: number; productId?: string; fairUse?: FairUse },
) {
  return reserve({
    database,
    items: [{ productId, warehouseId: "blr-01", quantity }],
    holder: { sessionHash: null },
    requester: clientKeys({ sessionHash: null, address: "127.0.0.1" }),
    customer: who,
    fairUse: fairUse ?? limits(),
    policy,
    now,
  });
}

// The integrator key the test customers belong to, acting on their holds.
const viaKey = { tokenHash: null, sessionHash: null, apiKeyId: "key-1" };

const join = (database: Database, dropId: string, id: string, now: number, maxActiveHolds = 5) =>
  joinWaitlist({
    database,
    dropId,
    productId: "sneaker",
    customer: customer(id),
    customerId: id,
    sessionHash: null,
    maxActiveHolds,
    now,
  });
const entryOf = (database: Database, dropId: string, id: string) =>
  waitlistEntry({ database, dropId, customerKey: customer(id).key, productId: null });

const tally = (codes: string[]) => codes.reduce<Record<string, number>>((t, c) => ({ ...t, [c]: (t[c] ?? 0) + 1 }), {});

describe("a drop's window", () => {
  test("nothing before the start or after the end, exactly at both boundaries", async () => {
    const { database } = await setup({ "blr-01": 10 });

    const before = await hold(database, { who: customer("a"), now: START - 1 });
    const atStart = await hold(database, { who: customer("b"), now: START });
    const lastMoment = await hold(database, { who: customer("c"), now: END - 1 });
    const atEnd = await hold(database, { who: customer("d"), now: END });

    expect(before).toMatchObject({ ok: false, code: "drop_not_started", startsAt: START });
    expect(atStart.ok).toBe(true);
    expect(lastMoment.ok).toBe(true);
    expect(atEnd).toMatchObject({ ok: false, code: "drop_ended", endsAt: END });
    expect(dropPhase({ startsAt: START, endsAt: END }, START - 1)).toBe("upcoming");
    expect(dropPhase({ startsAt: START, endsAt: END }, END)).toBe("ended");
  });

  test("a hold on a drop's product lasts the drop's hold length, with its extensions", async () => {
    const { database } = await setup({ "blr-01": 10 }, { holdTtlSeconds: 90, extensions: 1 });

    const made = await hold(database, { who: customer("a"), now: START });

    expect(made).toMatchObject({
      ok: true,
      reservation: { expiresAt: START + 90_000, extensionsLeft: 1, extendsByMs: 90_000 },
    });
    if (!made.ok) return;
    const holder = viaKey;
    const once = await extend({ database, id: made.reservation.id, holder, policy, now: START + 1 });
    const twice = await extend({ database, id: made.reservation.id, holder, policy, now: START + 2 });
    expect(once).toMatchObject({ ok: true, reservation: { expiresAt: START + 180_000, extensionsLeft: 0 } });
    expect(twice).toMatchObject({ ok: false, code: "extension_limit_reached" });
  });

  test("needs a customer: an anonymous hold is customer_required", async () => {
    const { database } = await setup({ "blr-01": 10 });

    expect(await hold(database, { who: null, now: START })).toMatchObject({
      ok: false,
      code: "customer_required",
      productIds: ["sneaker"],
    });
    expect((await rawCounts(database))[0]).toMatchObject({ reserved: 0 });
  });

  test("an operator moving the end while shoppers race: no hold is made after the write that ends it", async () => {
    const { database, drop } = await setup({ "blr-01": 1000 }, { maxPerCustomer: 5 });
    const now = START + 10;

    const racing = Array.from({ length: 200 }, (_, i) => hold(database, { who: customer(`r${i}`), now }));
    // the edit lands somewhere in the middle of the holds' groups
    await new Promise((resolve) => setImmediate(resolve));
    const ended = await editDrop({ database, id: drop.id, changes: { endsAt: now }, operator: "ops", now });
    const outcomes = await Promise.all(racing);

    expect(ended.ok).toBe(true);
    const events = await database.reader.execute(
      `SELECT id, type FROM events WHERE type IN ('reservation_created', 'drop_updated') ORDER BY id`,
    );
    const endedAt = events.rows.findIndex((e) => e.type === "drop_updated");
    const after = events.rows.slice(endedAt + 1).filter((e) => e.type === "reservation_created");
    expect(after).toEqual([]);
    const made = outcomes.filter((o) => o.ok).length;
    expect(made).toBe(endedAt);
    expect(tally(outcomes.map((o) => (o.ok ? "ok" : o.code)))).toEqual({
      ...(made > 0 ? { ok: made } : {}),
      ...(made < 200 ? { drop_ended: 200 - made } : {}),
    });
  });
});

describe("per-customer limits, inside the group commit", () => {
  test("50 customers × 4 simultaneous tries on a 30-unit drop with limit 1: exactly 30 holds, nobody has two", async () => {
    const { database } = await setup({ "blr-01": 30 });

    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, i) => hold(database, { who: customer(`c${i % 50}`), now: START })),
    );

    const made = outcomes.flatMap((o, i) => (o.ok ? [`c${i % 50}`] : []));
    expect(made).toHaveLength(30);
    expect(new Set(made).size).toBe(30);
    expect((await rawCounts(database))[0]).toMatchObject({ total: 30, reserved: 30 });
  });

  test("the same race from two server processes on one file", async () => {
    const { database, url } = await setup({ "blr-01": 30 });
    // both processes start at one wall-clock moment, so they really overlap
    const startAt = Date.now() + 1500;
    const workers = ["a", "b"].map(() =>
      runScript("tests/helpers/drop-worker.ts", [url, "sneaker", "50", "2", String(START), String(startAt)]),
    );
    const outputs = (await Promise.all(workers.map((w) => w.output))).map(
      (o) => JSON.parse(o) as { customer: string; outcome: string }[],
    );

    const made = outputs.flat().filter((o) => o.outcome === "ok");
    expect(made).toHaveLength(30);
    expect(new Set(made.map((o) => o.customer)).size).toBe(30);
    const rows = await database.reader.execute(
      `SELECT customer_key, count(*) AS holds FROM reservations GROUP BY customer_key HAVING count(*) > 1`,
    );
    expect(rows.rows).toEqual([]);
    expect((await rawCounts(database))[0]).toMatchObject({ total: 30, reserved: 30 });
  });

  test("one customer's 20 tries in one batch: one hold", async () => {
    const { database } = await setup({ "blr-01": 30 });
    const groups: number[] = [];
    database.observeCommits((commit) => groups.push(commit.commands));
    // the setup's writes finished (the queue waits a turn after a group for
    // more), then a write in flight, so the 20 queue behind it and go in together
    await database.drain();
    const inFlight = database.write({ nothing: "SELECT 1" });

    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => hold(database, { who: customer("greedy"), now: START })),
    );
    await inFlight;

    expect(groups).toContain(20);
    expect(tally(outcomes.map((o) => (o.ok ? "ok" : o.code)))).toEqual({ ok: 1, customer_limit_reached: 19 });
    expect(outcomes.find((o) => !o.ok)).toMatchObject({
      code: "customer_limit_reached",
      limit: { measure: "units", productId: "sneaker", limit: 1, pending: 1, confirmed: 0, requested: 1 },
    });
  });

  test("what a customer bought counts towards the limit", async () => {
    const { database } = await setup({ "blr-01": 30 }, { maxPerCustomer: 2 });
    const first = await hold(database, { who: customer("a"), now: START, quantity: 2 });
    if (!first.ok) throw new Error(first.code);
    const holder = viaKey;
    expect((await confirm({ database, id: first.reservation.id, holder, policy, now: START + 1 })).ok).toBe(true);

    expect(await hold(database, { who: customer("a"), now: START + 2 })).toMatchObject({
      ok: false,
      code: "customer_limit_reached",
      limit: { measure: "units", limit: 2, pending: 0, confirmed: 2, requested: 1 },
    });
    expect((await hold(database, { who: customer("b"), now: START + 2, quantity: 2 })).ok).toBe(true);
  });

  test("a product's own per-customer limit, outside any drop", async () => {
    const database = await freshDatabase();
    open.push(database);
    await addProduct(database, { id: "lamp", rows: { "blr-01": 10 } });
    await database.write({ limit: "UPDATE products SET max_per_customer = 2 WHERE id = 'lamp'" });

    const anonymous = await hold(database, { who: null, now: 1, productId: "lamp" });
    const two = await hold(database, { who: customer("a"), now: 1, productId: "lamp", quantity: 2 });
    const third = await hold(database, { who: customer("a"), now: 2, productId: "lamp" });

    expect(anonymous).toMatchObject({ ok: false, code: "customer_required" });
    expect(two.ok).toBe(true);
    expect(third).toMatchObject({ ok: false, code: "customer_limit_reached", limit: { measure: "units", limit: 2 } });
  });

  test("at most MAX_ACTIVE_HOLDS_PER_CUSTOMER pending holds at once, on any products", async () => {
    const database = await freshDatabase();
    open.push(database);
    await addProduct(database, { id: "lamp", rows: { "blr-01": 10 } });
    const fairUse = limits({ holdsPerCustomer: 3 });

    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () => hold(database, { who: customer("a"), now: 1, productId: "lamp", fairUse })),
    );
    const someoneElse = await hold(database, { who: customer("b"), now: 1, productId: "lamp", fairUse });

    expect(tally(outcomes.map((o) => (o.ok ? "ok" : o.code)))).toEqual({ ok: 3, customer_limit_reached: 3 });
    expect(outcomes.find((o) => !o.ok)).toMatchObject({ limit: { measure: "holds", limit: 3, pending: 3 } });
    expect(someoneElse.ok).toBe(true);
  });
});

describe("the drop as shoppers see it", () => {
  test("top purchasers: the three with the most units bought, earliest first on a tie", async () => {
    const { database, drop } = await setup({ "blr-01": 30 }, { maxPerCustomer: 3 });
    const buy = async (id: string, quantity: number, now: number) => {
      const made = await hold(database, { who: customer(id), now, quantity });
      if (!made.ok) throw new Error(made.code);
      const holder = viaKey;
      await confirm({ database, id: made.reservation.id, holder, policy, now: now + 1 });
    };
    await buy("a", 1, START + 10);
    await buy("b", 2, START + 20);
    await buy("c", 1, START + 30);
    await buy("d", 1, START + 5);
    // a hold that is not paid for counts for nothing
    await hold(database, { who: customer("e"), now: START + 40, quantity: 3 });

    const view = await getDrop({ database, id: drop.id, now: START + 50 });

    expect(view?.topPurchasers).toEqual([
      { displayName: "Shopper b", units: 2, ref: customerRef(customer("b").key) },
      { displayName: "Shopper d", units: 1, ref: customerRef(customer("d").key) },
      { displayName: "Shopper a", units: 1, ref: customerRef(customer("a").key) },
    ]);
    expect(view?.products[0]).toMatchObject({ id: "sneaker", available: 30 - 5 - 3 });
  });
});

describe("the waiting line", () => {
  const sweepAt = (database: Database, now: number) => expireDue({ database, now });

  test("expired and released units go to the first in line, in order, never over stock", async () => {
    const { database, drop } = await setup({ "blr-01": 2 });
    const a = await hold(database, { who: customer("a"), now: START });
    const b = await hold(database, { who: customer("b"), now: START + 30_000 });
    if (!a.ok || !b.ok) throw new Error("the first two get the stock");
    for (const [i, id] of ["c", "d", "e"].entries()) await join(database, drop.id, id, START + 30_001 + i);
    expect(await entryOf(database, drop.id, "e")).toMatchObject({ status: "waiting", position: 3 });

    // a's hold runs out (60 s): the unit goes to c, in the sweep's own write
    await sweepAt(database, START + 60_000);
    const c = await entryOf(database, drop.id, "c");
    expect(c).toMatchObject({ status: "offered", position: null });
    expect(await entryOf(database, drop.id, "d")).toMatchObject({ status: "waiting", position: 1 });
    const offered = await getReservation({
      database,
      id: c!.reservationId!,
      holder: viaKey,
      policy,
      now: START + 60_000,
    });
    expect(offered).toMatchObject({ status: "pending", expiresAt: START + 60_000 + 60_000 });

    // b lets go: the unit goes to d
    const holder = viaKey;
    await release({ database, id: b.reservation.id, holder, policy, now: START + 61_000 });
    expect(await entryOf(database, drop.id, "d")).toMatchObject({ status: "offered" });
    expect(await entryOf(database, drop.id, "e")).toMatchObject({ status: "waiting", position: 1 });
    expect((await rawCounts(database))[0]).toMatchObject({ total: 2, reserved: 2 });

    // c lets its offer run out: e is next, c goes to the back of the line
    await sweepAt(database, START + 120_000);
    expect(await entryOf(database, drop.id, "e")).toMatchObject({ status: "offered" });
    expect(await entryOf(database, drop.id, "c")).toMatchObject({ status: "lapsed", position: 1 });
    expect((await rawCounts(database))[0]).toMatchObject({ total: 2, reserved: 2 });
    const offers = await database.reader.execute(`SELECT count(*) AS n FROM events WHERE type = 'reservation_offered'`);
    expect(Number(offers.rows[0]?.n)).toBe(3);
    // each offer's own stock entry, written after the expiry's or the
    // release's, is the row's newest, and the row points at it
    for (const p of await pointersAndNewest(database)) expect(p.pointer, p.row).toBe(p.newest);
  });

  test("never to someone over their limit, and a restock goes to the line first", async () => {
    const { database, drop } = await setup({ "blr-01": 1 });
    const a = await hold(database, { who: customer("a"), now: START });
    if (!a.ok) throw new Error(a.code);
    await confirm({
      database,
      id: a.reservation.id,
      holder: viaKey,
      policy,
      now: START + 1,
    });
    // a already bought its one; it waits for more all the same
    await join(database, drop.id, "a", START + 2);
    await join(database, drop.id, "b", START + 3);

    const restocked = await restock({
      database,
      productId: "sneaker",
      warehouseId: "blr-01",
      change: { delta: 1 },
      reason: "received",
      note: null,
      operator: "ops",
      now: START + 4,
    });

    expect(restocked).toMatchObject({ ok: true, after: { total: 2, reserved: 1, sold: 1 } });
    expect(await entryOf(database, drop.id, "a")).toMatchObject({ status: "waiting", position: 1 });
    expect(await entryOf(database, drop.id, "b")).toMatchObject({ status: "offered" });
    // nothing is left for anyone asking now
    expect(await hold(database, { who: customer("c"), now: START + 5 })).toMatchObject({ code: "insufficient_stock" });
  });

  test("a customer at the most holds they may have at once is passed over until one ends", async () => {
    const { database, drop } = await setup({ "blr-01": 1 });
    await database.write({
      more: "INSERT INTO inventory (product_id, warehouse_id, total, updated_at) VALUES ('sneaker', 'del-01', 0, 0)",
    });
    const a = await hold(database, { who: customer("a"), now: START });
    if (!a.ok) throw new Error(a.code);
    await join(database, drop.id, "busy", START + 1, 1);
    await join(database, drop.id, "free", START + 2, 1);
    await addProduct(database, { id: "lamp", rows: { "blr-01": 5 } });
    expect(
      (
        await hold(database, {
          who: customer("busy"),
          now: START + 3,
          productId: "lamp",
          fairUse: limits({ holdsPerCustomer: 1 }),
        })
      ).ok,
    ).toBe(true);

    await expireDue({ database, now: START + 60_000 });

    expect(await entryOf(database, drop.id, "busy")).toMatchObject({ status: "waiting", position: 1 });
    expect(await entryOf(database, drop.id, "free")).toMatchObject({ status: "offered" });
  });

  test("joining a line of a drop that is not live is refused, and nothing is stored", async () => {
    const { database, drop } = await setup({ "blr-01": 1 });

    expect(await join(database, drop.id, "early", START - 1)).toEqual({ ok: false, code: "drop_not_live" });
    expect(await join(database, "no-such-drop", "x", START)).toEqual({ ok: false, code: "not_found" });
    const rows = await database.reader.execute("SELECT count(*) AS n FROM waitlist");
    expect(Number(rows.rows[0]?.n)).toBe(0);
  });
});

describe("a product in one drop at a time", () => {
  test("reopening an ended drop is refused while its product is in another that has not ended", async () => {
    const { database, drop } = await setup({ "blr-01": 5 }, { startsAt: START, endsAt: END });
    const later = await createDrop({
      database,
      drop: {
        name: "Again",
        productIds: ["sneaker"],
        startsAt: END + 10,
        endsAt: null,
        holdTtlSeconds: 60,
        maxPerCustomer: 1,
        extensions: 0,
      },
      operator: "ops",
      now: END + 1,
    });
    expect(later.ok).toBe(true);

    const reopened = await editDrop({
      database,
      id: drop.id,
      changes: { endsAt: null },
      operator: "ops",
      now: END + 2,
    });
    const renamed = await editDrop({
      database,
      id: drop.id,
      changes: { name: "First drop" },
      operator: "ops",
      now: END + 3,
    });

    expect(reopened).toEqual({ ok: false, code: "product_in_drop", productIds: ["sneaker"] });
    expect(renamed.ok).toBe(true);
  });
});

describe("found in review", () => {
  test("an edit refused in the same millisecond as one that went through changes nothing", async () => {
    const { database, drop } = await setup({ "blr-01": 5 }, { startsAt: START, endsAt: END });
    await addProduct(database, { id: "boot", rows: { "blr-01": 5 } });
    const other = await createDrop({
      database,
      drop: {
        name: "Boots",
        productIds: ["boot"],
        startsAt: START,
        endsAt: null,
        holdTtlSeconds: 60,
        maxPerCustomer: 1,
        extensions: 0,
      },
      operator: "ops",
      now: 7,
    });
    expect(other.ok).toBe(true);

    const renamed = await editDrop({ database, id: drop.id, changes: { name: "Renamed" }, operator: "ops", now: 7 });
    const refused = await editDrop({
      database,
      id: drop.id,
      changes: { productIds: ["sneaker", "boot"] },
      operator: "ops",
      now: 7,
    });

    expect(renamed.ok).toBe(true);
    expect(refused).toMatchObject({ ok: false, code: "product_in_drop" });
    const rows = await database.reader.execute({
      sql: "SELECT product_id FROM drop_products WHERE drop_id = ?",
      args: [drop.id],
    });
    expect(rows.rows.map((r) => r.product_id)).toEqual(["sneaker"]);
    const audit = await database.reader.execute("SELECT payload FROM events WHERE type = 'drop_updated'");
    expect(audit.rows.map((r) => JSON.parse(String(r.payload)).after.productIds)).toEqual([["sneaker"]]);
  });

  test("a drop's hold lasts the drop's length even when it is longer than the server's", async () => {
    const { database } = await setup({ "blr-01": 5 }, { holdTtlSeconds: 1800 });

    const made = await hold(database, { who: customer("a"), now: START });

    expect(made).toMatchObject({ ok: true, reservation: { expiresAt: START + 1_800_000, extendsByMs: 1_800_000 } });
  });

  test("the shop cancelling an offer takes its customer out of the line, instead of offering it again", async () => {
    const { database, drop } = await setup({ "blr-01": 1 });
    const first = await hold(database, { who: customer("a"), now: START });
    if (!first.ok) throw new Error(first.code);
    await join(database, drop.id, "b", START + 1);
    await release({
      database,
      id: first.reservation.id,
      holder: viaKey,
      policy,
      now: START + 2,
    });
    const offered = await entryOf(database, drop.id, "b");

    await releaseByOperator({
      database,
      id: offered!.reservationId!,
      reason: "fraud check",
      operator: "ops",
      policy,
      now: START + 3,
    });

    expect(await entryOf(database, drop.id, "b")).toMatchObject({
      status: "lapsed",
      position: null,
    });
    expect((await rawCounts(database))[0]).toMatchObject({ reserved: 0 });
  });

  test("a product put back on sale offers its units to the line in the same write", async () => {
    const { database, drop } = await setup({ "blr-01": 1 });
    const first = await hold(database, { who: customer("a"), now: START });
    if (!first.ok) throw new Error(first.code);
    await join(database, drop.id, "b", START + 1);
    await editProduct({ database, id: "sneaker", changes: { archived: true }, operator: "ops", now: START + 2 });
    await release({
      database,
      id: first.reservation.id,
      holder: viaKey,
      policy,
      now: START + 3,
    });
    expect(await entryOf(database, drop.id, "b")).toMatchObject({ status: "waiting" });

    await editProduct({ database, id: "sneaker", changes: { archived: false }, operator: "ops", now: START + 4 });

    expect(await entryOf(database, drop.id, "b")).toMatchObject({ status: "offered" });
  });
});
