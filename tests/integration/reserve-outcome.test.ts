import { afterEach, expect, test } from "vitest";
import type { Database } from "~/infra/db/db.server";
import { integratorCustomer } from "~/models/customers.server";
import { createDrop } from "~/models/drops.server";
import { reservationEvents } from "~/models/events.server";
import { hashSecret } from "~/models/holder.server";
import { holdPolicy } from "~/models/reservation";
import { clientKeys, getReservation, reserve } from "~/models/reservation.server";
import { addProduct, freshDatabase } from "../helpers/database";

// The reserve plan answers its callers, and writes their holds' created
// events, from what the holds were made of, without reading the new rows
// back. Both must be exactly what a read of the rows gives: the hold as
// getReservation shows it, the event as every other hold event is written.

const policy = holdPolicy(600);
const START = 1_000_000;
const open: Database[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

test("a group's new holds are shown, and their events written, as a read of the rows gives them", async () => {
  const database = await freshDatabase();
  open.push(database);
  await addProduct(database, { id: "lamp", rows: { "blr-01": 10, "del-01": 10 } });
  await addProduct(database, { id: "rug", rows: { "blr-01": 10 } });
  await addProduct(database, { id: "sneaker", rows: { "blr-01": 10 } });
  // a hold's lines are shown in the order of their names, which here is not
  // the order of their ids
  await database.write({ name: { sql: "UPDATE products SET name = 'A woven rug' WHERE id = 'rug'", args: {} } });
  const drop = await createDrop({
    database,
    drop: {
      name: "Sneaker drop",
      productIds: ["sneaker"],
      startsAt: START,
      endsAt: START + 3_600_000,
      holdTtlSeconds: 60,
      maxPerCustomer: 1,
      extensions: 2,
    },
    operator: "ops",
    now: 0,
  });
  expect(drop.ok).toBe(true);

  const customer = (id: string) => integratorCustomer({ apiKeyId: "key-1", id, displayName: `Shopper ${id}` });
  const hold = (items: { productId: string; warehouseId: string; quantity: number }[], who: string | null) =>
    reserve({
      database,
      items,
      holder: { sessionHash: null },
      requester: clientKeys({ sessionHash: null, address: "127.0.0.1" }),
      apiKeyId: who ? "key-1" : null,
      customer: who ? customer(who) : null,
      fairUse: { holdsPerClient: 0, unitsPerClient: 0, unitsPerAddress: 0, holdsPerCustomer: 5 },
      policy,
      now: START,
    });
  // queued in the same turn: the first goes to the writer alone, and the
  // other three share the next group
  const outcomes = await Promise.all([
    hold(
      [
        { productId: "rug", warehouseId: "blr-01", quantity: 1 },
        { productId: "lamp", warehouseId: "blr-01", quantity: 2 },
      ],
      null,
    ),
    hold([{ productId: "sneaker", warehouseId: "blr-01", quantity: 1 }], "a"),
    hold(
      [
        { productId: "lamp", warehouseId: "del-01", quantity: 3 },
        { productId: "sneaker", warehouseId: "blr-01", quantity: 1 },
      ],
      "b",
    ),
    hold([{ productId: "lamp", warehouseId: "del-01", quantity: 50 }], null),
  ]);
  expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, false]);

  const made = outcomes.flatMap((o) => (o.ok ? [o] : []));
  // a drop's hold keeps the drop's terms, an ordinary one the server's
  expect(made.map((o) => o.reservation.expiresAt - START)).toEqual([600_000, 60_000, 60_000]);
  expect(made[0]!.reservation.items.map((i) => i.productId)).toEqual(["rug", "lamp"]);
  for (const outcome of made) {
    const read = await getReservation({
      database,
      id: outcome.reservation.id,
      holder: { tokenHash: hashSecret(outcome.holdToken), sessionHash: null },
      policy,
      now: START,
    });
    expect(outcome.reservation).toEqual(read);
  }

  // the generic hold event, written beside the plan's own for each hold
  for (const { reservation } of made) {
    await database.write({
      again: reservationEvents("reservation_created", "r.id = :id", { id: reservation.id, now: START }),
    });
  }
  const events = await database.reader.execute(
    "SELECT reservation_id, payload, created_at, api_key_id FROM events WHERE type = 'reservation_created' ORDER BY id",
  );
  const written = events.rows.map((r) => ({ ...r }));
  expect(written).toHaveLength(6);
  const [planned, generic] = [written.slice(0, 3), written.slice(3)];
  expect(planned).toEqual(generic);
  expect(planned.map((r) => r.reservation_id)).toEqual(made.map((o) => o.reservation.id));
  expect(planned.map((r) => r.api_key_id)).toEqual([null, "key-1", "key-1"]);
  expect(JSON.parse(String(planned[0]!.payload))).toEqual({
    status: "pending",
    expiresAt: START + 600_000,
    items: [
      { productId: "lamp", warehouseId: "blr-01", quantity: 2 },
      { productId: "rug", warehouseId: "blr-01", quantity: 1 },
    ],
  });
  expect(JSON.parse(String(planned[2]!.payload))).toEqual({
    status: "pending",
    expiresAt: START + 60_000,
    items: [
      { productId: "lamp", warehouseId: "del-01", quantity: 3 },
      { productId: "sneaker", warehouseId: "blr-01", quantity: 1 },
    ],
  });
});
