import { afterEach, describe, expect, test } from "vitest";
import { createDatabase, type Database } from "~/infra/db/db.server";
import { holdPolicy } from "~/models/reservation";
import { clientKeys, reserve } from "~/models/reservation.server";
import { prng } from "../../db/catalogue";
import { migrateDatabase } from "../../db/migrate";
import { addProduct, freshDatabase, rawCounts, testDatabaseUrl, uncapped } from "../helpers/database";
import { runScript } from "../helpers/processes";

const policy = holdPolicy(600);
const open: Database[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

function holdOne(database: Database, productId: string, now = 1_000) {
  return reserve({
    database,
    items: [{ productId, warehouseId: "blr-01", quantity: 1 }],
    holder: { sessionHash: null },
    ...uncapped,
    policy,
    now,
  }).then(
    (o) => (o.ok ? "ok" : o.code),
    (e: unknown) => `error: ${String(e)}`,
  );
}

const tally = (outcomes: string[]) =>
  outcomes.reduce<Record<string, number>>((t, o) => ({ ...t, [o]: (t[o] ?? 0) + 1 }), {});

describe("racing for the last units", () => {
  test("50 concurrent holds of 1 unit on a row with 10: exactly 10 succeed", async () => {
    const database = await freshDatabase();
    open.push(database);
    await addProduct(database, { id: "drop", rows: { "blr-01": 10 } });

    const outcomes = await Promise.all(Array.from({ length: 50 }, () => holdOne(database, "drop")));

    expect(tally(outcomes)).toEqual({ ok: 10, insufficient_stock: 40 });
    expect(await rawCounts(database)).toEqual([
      { productId: "drop", warehouseId: "blr-01", total: 10, reserved: 10, sold: 0 },
    ]);
  });

  test("the same race from two processes on one file: still exactly the stock", async () => {
    const url = testDatabaseUrl();
    const database = createDatabase({ url });
    open.push(database);
    await migrateDatabase(database);
    await addProduct(database, { id: "drop", rows: { "blr-01": 10 } });

    const startAt = String(Date.now() + 2_500);
    const workers = [0, 1].map(() => runScript("tests/helpers/hold-worker.ts", [url, "drop", "blr-01", "25", startAt]));
    const outcomes = (await Promise.all(workers.map((w) => w.output))).flatMap((out) => JSON.parse(out) as string[]);

    expect(tally(outcomes)).toEqual({ ok: 10, insufficient_stock: 40 });
    expect((await rawCounts(database))[0]).toMatchObject({ total: 10, reserved: 10 });
  });

  test("writers wait out another process holding the write lock, then succeed", async () => {
    const url = testDatabaseUrl();
    const database = createDatabase({ url });
    open.push(database);
    await migrateDatabase(database);
    await addProduct(database, { id: "drop", rows: { "blr-01": 10 } });

    const locker = runScript("tests/helpers/lock-holder.ts", [url, "400"]);
    await locker.firstLine;
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => holdOne(database, "drop")));
    await locker.output;

    expect(tally(outcomes)).toEqual({ ok: 10, insufficient_stock: 10 });
    // the connection that met SQLITE_BUSY must still commit afterwards
    expect(await holdOne(database, "drop")).toBe("insufficient_stock");
    expect((await rawCounts(database))[0]).toMatchObject({ reserved: 10 });
  });
});

describe("holds queued together", () => {
  test("are decided in order, each against the units the earlier ones left", async () => {
    const database = await freshDatabase();
    open.push(database);
    await addProduct(database, { id: "lamp", rows: { "blr-01": 2, "del-01": 1 } });
    const hold = (items: { warehouseId: string; quantity: number }[]) =>
      reserve({
        database,
        items: items.map((i) => ({ productId: "lamp", ...i })),
        holder: { sessionHash: null },
        ...uncapped,
        policy,
        now: 1_000,
      }).then((o) => (o.ok ? "ok" : o.code));

    const outcomes = await Promise.all([
      hold([{ warehouseId: "blr-01", quantity: 3 }]),
      hold([{ warehouseId: "blr-01", quantity: 1 }]),
      hold([
        { warehouseId: "blr-01", quantity: 1 },
        { warehouseId: "del-01", quantity: 2 },
      ]),
      hold([
        { warehouseId: "blr-01", quantity: 1 },
        { warehouseId: "del-01", quantity: 1 },
      ]),
      hold([{ warehouseId: "del-01", quantity: 1 }]),
      hold([{ warehouseId: "hyd-01", quantity: 1 }]),
    ]);

    expect(outcomes).toEqual([
      "insufficient_stock",
      "ok",
      "insufficient_stock",
      "ok",
      "insufficient_stock",
      "not_found",
    ]);
    expect((await rawCounts(database)).map((r) => r.reserved)).toEqual([2, 1]);
  });
});

describe("a group of many distinct rows", () => {
  // The plan checks first whether the group has room for every hold at
  // once and, if not, walks the holds in order: either way each hold must
  // be decided as if it had been written alone, after the ones before it.
  const warehouses = ["blr-01", "del-01", "mum-01"];
  const products = Array.from({ length: 12 }, (_, i) => `p${i}`);

  async function stocked(stock: number) {
    const database = await freshDatabase();
    open.push(database);
    for (const id of products) {
      await addProduct(database, { id, rows: Object.fromEntries(warehouses.map((w) => [w, stock])) });
    }
    return database;
  }

  type Case = { stock: number; seed: number; unknownRow: boolean; holdsPerClient: number; unitsPerClient: number };

  function holds({ seed, unknownRow }: Case) {
    // seeded, so a failure can be replayed
    const random = prng(seed);
    const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
    return Array.from({ length: 60 }, () => ({
      items: Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
        productId: pick(products),
        warehouseId: pick(unknownRow ? [...warehouses, "hyd-01"] : warehouses),
        quantity: 1 + Math.floor(random() * 3),
      })),
      // five addresses, each with its own caps
      requester: clientKeys({ sessionHash: null, address: `10.0.0.${Math.floor(random() * 5)}` }),
    }));
  }

  const hold = (database: Database, { items, requester }: ReturnType<typeof holds>[number], caps: Case) =>
    reserve({
      database,
      items,
      holder: { sessionHash: null },
      requester,
      fairUse: {
        holdsPerClient: caps.holdsPerClient,
        unitsPerClient: caps.unitsPerClient,
        unitsPerAddress: caps.unitsPerClient,
        holdsPerCustomer: 0,
      },
      policy,
      now: 1_000,
    }).then((o) => (o.ok ? o.reservation.items.map((i) => `${i.productId}/${i.warehouseId}×${i.quantity}`) : null));

  test.each<[string, Case]>([
    [
      "some refused for stock, caps or a row nobody stocks",
      { stock: 3, seed: 11, unknownRow: true, holdsPerClient: 3, unitsPerClient: 7 },
    ],
    [
      "room for every one, caps and all",
      { stock: 1_000, seed: 12, unknownRow: false, holdsPerClient: 60, unitsPerClient: 200 },
    ],
  ])("decides exactly as one at a time: %s", async (_, c) => {
    const queued = holds(c);
    const together = await stocked(c.stock);
    const groups: number[] = [];
    together.observeCommits((commit) => groups.push(commit.commands));
    const outcomes = await Promise.all(queued.map((h) => hold(together, h, c)));
    // (nearly) all of them in one group
    expect(groups.reduce((a, b) => a + b, 0)).toBe(60);
    expect(Math.max(...groups)).toBeGreaterThanOrEqual(59);

    const alone = await stocked(c.stock);
    const expected = [];
    for (const h of queued) expected.push(await hold(alone, h, c));

    expect(outcomes).toEqual(expected);
    const refused = outcomes.filter((o) => o === null).length;
    if (c.unknownRow) expect(refused).toBeGreaterThan(20);
    else expect(refused).toBe(0);
    expect(await rawCounts(together)).toEqual(await rawCounts(alone));
  });
});

describe("all or nothing", () => {
  test("a multi-line hold where one line is short writes nothing at all", async () => {
    const database = await freshDatabase();
    open.push(database);
    await addProduct(database, { id: "lamp", rows: { "blr-01": 5, "del-01": 1 } });
    await addProduct(database, { id: "vase", rows: { "mum-01": 2 } });
    const before = await rawCounts(database);

    const outcome = await reserve({
      database,
      items: [
        { productId: "lamp", warehouseId: "blr-01", quantity: 5 },
        { productId: "vase", warehouseId: "mum-01", quantity: 2 },
        { productId: "lamp", warehouseId: "del-01", quantity: 2 },
      ],
      holder: { sessionHash: null },
      ...uncapped,
      policy,
      now: 1_000,
    });

    expect(outcome).toMatchObject({
      ok: false,
      code: "insufficient_stock",
      short: [{ productId: "lamp", warehouseId: "del-01", quantity: 2, available: 1 }],
    });
    expect(await rawCounts(database)).toEqual(before);
    const rows = await database.reader.batch([
      "SELECT count(*) AS n FROM reservations",
      "SELECT count(*) AS n FROM reservation_items",
      "SELECT count(*) AS n FROM events",
    ]);
    expect(rows.map((r) => Number(r.rows[0]?.n))).toEqual([0, 0, 0]);
  });

  test("a hold that takes every free unit of every line succeeds whole", async () => {
    const database = await freshDatabase();
    open.push(database);
    await addProduct(database, { id: "lamp", rows: { "blr-01": 1, "del-01": 1, "mum-01": 1 } });

    const outcome = await reserve({
      database,
      items: ["blr-01", "del-01", "mum-01"].map((warehouseId) => ({ productId: "lamp", warehouseId, quantity: 1 })),
      holder: { sessionHash: null },
      ...uncapped,
      policy,
      now: 1_000,
    });

    expect(outcome.ok).toBe(true);
    expect((await rawCounts(database)).map((r) => r.reserved)).toEqual([1, 1, 1]);
  });

  test("lines for the same row are added up before the guard", async () => {
    const database = await freshDatabase();
    open.push(database);
    await addProduct(database, { id: "lamp", rows: { "blr-01": 3 } });
    const line = { productId: "lamp", warehouseId: "blr-01", quantity: 2 };

    const outcome = await reserve({
      database,
      items: [line, line],
      holder: { sessionHash: null },
      ...uncapped,
      policy,
      now: 1,
    });

    expect(outcome).toMatchObject({ ok: false, code: "insufficient_stock" });
    expect((await rawCounts(database))[0]?.reserved).toBe(0);
  });

  test("an unknown product or warehouse is not_found, and nothing is written", async () => {
    const database = await freshDatabase();
    open.push(database);
    await addProduct(database, { id: "lamp", rows: { "blr-01": 3 } });

    const outcome = await reserve({
      database,
      items: [
        { productId: "lamp", warehouseId: "blr-01", quantity: 1 },
        { productId: "lamp", warehouseId: "hyd-01", quantity: 1 },
      ],
      holder: { sessionHash: null },
      ...uncapped,
      policy,
      now: 1,
    });

    expect(outcome).toMatchObject({ ok: false, code: "not_found", missing: [{ warehouseId: "hyd-01" }] });
    expect((await rawCounts(database))[0]?.reserved).toBe(0);
  });
});
