import type { NamedStatements } from "~/infra/db/db.server";
import { reservationEvents, stockChangedEvents, type SqlArgs } from "./events.server";

// A drop's waiting line gets the units that come back, before anyone who
// merely asks at the right moment: every write that can free a unit (an
// expiry, a release, a restock, a drop's change) runs these statements last,
// so a unit freed is offered in the very write that frees it and never sits
// free for a racing shopper to take first.

// In line: waiting, or put at the back after letting an offer run out.
const inLine = `w.place IS NOT NULL AND w.status IN ('waiting', 'lapsed')`;

// A counter's value in the simulated state `s.counters`; 0 when absent.
const counterValue = (name: string) => `coalesce(json_extract(s.counters, '$."' || ${name} || '"'), 0)`;
const rowCounter = (product: string, warehouse: string) => `'row:' || ${product} || ':' || ${warehouse}`;
const holdsCounter = (customer: string) => `'holds:' || ${customer}`;
const unitsCounter = (customer: string, product: string) => `'units:' || ${customer} || ':' || ${product}`;

// The row an offer's unit comes from: the one with the most units still
// free in the simulated state; none when the customer is at a limit.
const chosenRow = `CASE WHEN ${counterValue(holdsCounter("l.customer_key"))} > 0
                         AND ${counterValue(unitsCounter("l.customer_key", "l.product_id"))} > 0
                   THEN (SELECT warehouse_id FROM (
                           -- the row of the largest (SQLite's max() brings its row along)
                           SELECT i.warehouse_id, max(${counterValue(rowCounter("i.product_id", "i.warehouse_id"))})
                           FROM inventory i
                           WHERE i.product_id = l.product_id
                             AND ${counterValue(rowCounter("i.product_id", "i.warehouse_id"))} > 0))
                   END`;

// A customer's pending, live holds, and their units of one product in
// pending and paid holds: what the limits count.
const activeHolds = (customer: string) =>
  `(SELECT count(*) FROM reservations r
    WHERE r.customer_key = ${customer} AND r.status = 'pending' AND r.expires_at > :now)`;
const unitsOwned = (customer: string, product: string) =>
  `(SELECT coalesce(sum(ri.quantity), 0) FROM reservations r CROSS JOIN reservation_items ri
    WHERE r.customer_key = ${customer} AND ri.reservation_id = r.id AND ri.product_id = ${product}
      AND (r.status = 'confirmed' OR (r.status = 'pending' AND r.expires_at > :now)))`;

// The decision, made by the database like a group of holds (see
// reserve-plan.server.ts): the line is taken in order, each customer one
// unit if a row still has one and the customer is within both limits, each
// against the counters the earlier offers left. The line only holds entries
// of products that have a unit free, in drops that are live now.
const decideOffers = `
  WITH RECURSIVE
    line(seq, entry_id, product_id, customer_key) AS MATERIALIZED (
      SELECT row_number() OVER (ORDER BY w.place, w.id) - 1, w.id, w.product_id, w.customer_key
      FROM waitlist w
      JOIN drops d ON d.id = w.drop_id AND d.starts_at <= :now AND (d.ends_at IS NULL OR d.ends_at > :now)
      JOIN products p ON p.id = w.product_id AND NOT p.archived
      WHERE ${inLine}
        AND EXISTS (SELECT 1 FROM drop_products dp WHERE dp.drop_id = w.drop_id AND dp.product_id = w.product_id)
        AND EXISTS (SELECT 1 FROM inventory i
                    WHERE i.product_id = w.product_id AND i.total - i.sold - i.reserved > 0)),
    counter(name, free) AS (
      SELECT ${rowCounter("i.product_id", "i.warehouse_id")}, i.total - i.sold - i.reserved
      FROM inventory i WHERE i.product_id IN (SELECT product_id FROM line)
      UNION ALL
      SELECT ${holdsCounter("w.customer_key")},
             coalesce(min(nullif(w.max_active_holds, 0)), 1000000) - ${activeHolds("w.customer_key")}
      FROM waitlist w WHERE w.id IN (SELECT entry_id FROM line) GROUP BY w.customer_key
      UNION ALL
      SELECT ${unitsCounter("w.customer_key", "w.product_id")},
             d.max_per_customer - ${unitsOwned("w.customer_key", "w.product_id")}
      FROM waitlist w JOIN drops d ON d.id = w.drop_id WHERE w.id IN (SELECT entry_id FROM line)),
    sim(seq, counters, warehouse_id) AS (
      SELECT -1, (SELECT json_group_object(name, free) FROM counter), NULL
      UNION ALL
      SELECT l.seq,
             CASE WHEN ${chosenRow} IS NULL THEN s.counters
             ELSE json_patch(s.counters, json_object(
               ${rowCounter("l.product_id", chosenRow)}, ${counterValue(rowCounter("l.product_id", chosenRow))} - 1,
               ${holdsCounter("l.customer_key")}, ${counterValue(holdsCounter("l.customer_key"))} - 1,
               ${unitsCounter("l.customer_key", "l.product_id")},
               ${counterValue(unitsCounter("l.customer_key", "l.product_id"))} - 1)) END,
             ${chosenRow}
      FROM sim AS s JOIN line AS l ON l.seq = s.seq + 1)
  UPDATE waitlist
  SET status = 'offered', place = NULL, warehouse_id = o.warehouse_id, updated_at = :now,
      -- a UUIDv7 of this moment, as reservation ids are everywhere else
      reservation_id = printf('%08x-%04x-7%s-%s%s-%s',
        CAST(:now AS INTEGER) / 65536, CAST(:now AS INTEGER) % 65536,
        substr(lower(hex(randomblob(2))), 1, 3), substr('89ab', 1 + abs(random() % 4), 1),
        substr(lower(hex(randomblob(2))), 1, 3), lower(hex(randomblob(6))))
  FROM (SELECT l.entry_id, s.warehouse_id FROM sim AS s JOIN line AS l ON l.seq = s.seq
        WHERE s.warehouse_id IS NOT NULL) AS o
  WHERE waitlist.id = o.entry_id`;

// The entries offered by this write: their hold has no event yet (the
// event is the last statement, which takes them out of this set).
const justOffered = `w.status = 'offered' AND w.updated_at = :now
                     AND NOT EXISTS (SELECT 1 FROM events e WHERE e.reservation_id = w.reservation_id)`;

// The offers, and the holds that make them real. An offered hold lasts the
// drop's hold length with the drop's extensions; it belongs to the
// customer's browser session or its integrator key, and its token is a
// random secret nobody is given. A write may offer more than once (after
// its cleanup of dead holds, and after its own change), so the statements'
// names say after what: "expiry.offerHolds", "release.offerHolds".
export function offerStatements(args: SqlArgs, after: string): NamedStatements {
  const statements = {
    offerDecision: { sql: decideOffers, args },
    offerUnits: {
      sql: `UPDATE inventory SET reserved = inventory.reserved + o.units, updated_at = :now
            FROM (SELECT w.product_id, w.warehouse_id, count(*) AS units FROM waitlist w
                  WHERE ${justOffered} GROUP BY w.product_id, w.warehouse_id) AS o
            WHERE inventory.product_id = o.product_id AND inventory.warehouse_id = o.warehouse_id`,
      args,
    },
    offerHolds: {
      sql: `INSERT INTO reservations
              (id, status, holder_hash, session_hash, client_key, address_key, customer_key, api_key_id,
               created_at, updated_at, expires_at, extension_count, ttl_ms, max_extensions)
            SELECT w.reservation_id, 'pending', lower(hex(randomblob(32))), w.session_hash, w.customer_key, NULL,
                   w.customer_key, w.api_key_id, :now, :now, :now + d.hold_ttl_seconds * 1000, 0,
                   d.hold_ttl_seconds * 1000, d.extensions
            FROM waitlist w JOIN drops d ON d.id = w.drop_id
            WHERE ${justOffered}`,
      args,
    },
    offerLines: {
      sql: `INSERT INTO reservation_items (reservation_id, product_id, warehouse_id, quantity)
            SELECT w.reservation_id, w.product_id, w.warehouse_id, 1 FROM waitlist w WHERE ${justOffered}`,
      args,
    },
    ...stockChangedEvents(
      "offerStockEvents",
      `SELECT w.product_id, w.warehouse_id FROM waitlist w WHERE ${justOffered}`,
      "1",
      args,
    ),
    offerEvents: reservationEvents(
      "reservation_offered",
      `r.id IN (SELECT w.reservation_id FROM waitlist w WHERE ${justOffered})`,
      args,
    ),
  } satisfies NamedStatements;
  return Object.fromEntries(Object.entries(statements).map(([name, statement]) => [`${after}.${name}`, statement]));
}

// An offered hold that ran out puts its customer at the back of the line;
// `holds` is a WHERE condition over `r`, true for the holds ending now,
// checked before they change.
export function requeueStatement(holds: string, args: SqlArgs) {
  return {
    sql: `UPDATE waitlist SET status = 'lapsed', updated_at = :now,
                 place = (SELECT coalesce(max(place), 0) + 1 FROM waitlist)
          WHERE reservation_id IN (SELECT r.id FROM reservations r WHERE ${holds})`,
    args,
  };
}

// A customer who gave their offer back (or whose offer the shop cancelled)
// has left the line; they may join again, at the back.
export function leaveLineStatement(holds: string, args: SqlArgs) {
  return {
    sql: `UPDATE waitlist SET status = 'lapsed', place = NULL, updated_at = :now
          WHERE reservation_id IN (SELECT r.id FROM reservations r WHERE ${holds})`,
    args,
  };
}
