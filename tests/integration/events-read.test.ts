import { afterEach, expect, test } from "vitest";
import type { Database } from "~/infra/db/db.server";
import { eventFromRow, readEventsAfter } from "~/models/events.server";
import { holdPolicy } from "~/models/reservation";
import { reserve } from "~/models/reservation.server";
import { addProduct, freshDatabase, uncapped } from "../helpers/database";

const open: Database[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

// The live hub reads events as one JSON text SQLite builds; the audit trail
// and a key's feed read rows and map them with eventFromRow. The two must
// give the same event, field for field, nulls included.
test("the hub's JSON read of events gives exactly what a row read gives", async () => {
  const database = await freshDatabase();
  open.push(database);
  await addProduct(database, { id: "lamp", rows: { "blr-01": 5 } });
  const held = await reserve({
    database,
    items: [{ productId: "lamp", warehouseId: "blr-01", quantity: 2 }],
    holder: { sessionHash: null },
    ...uncapped,
    policy: holdPolicy(600),
    now: 1000,
  });
  expect(held.ok).toBe(true);
  // what the app's own writes leave null, set: an integrator's key, and a
  // payload with text that JSON must escape
  await database.write({
    keyed: {
      sql: `INSERT INTO events (type, reservation_id, payload, created_at, api_key_id)
            VALUES ('reservation_confirmed', 'r-1', :payload, 2000, 'key-1')`,
      args: { payload: JSON.stringify({ status: "confirmed", note: 'a "quoted"\nline, é', items: [] }) },
    },
  });

  const rows = (await database.reader.execute("SELECT * FROM events ORDER BY id")).rows.map(eventFromRow);
  expect(rows.map((e) => e.type)).toEqual(["stock_changed", "reservation_created", "reservation_confirmed"]);
  expect(await readEventsAfter({ database, afterId: 0 })).toEqual(rows);
  expect(await readEventsAfter({ database, afterId: rows[0]!.id, limit: 1 })).toEqual([rows[1]]);
  expect(await readEventsAfter({ database, afterId: rows[2]!.id })).toEqual([]);
});
