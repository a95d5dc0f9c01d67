import type { Database, NamedStatements } from "~/infra/db/db.server";
import { returnToCartStatements } from "./cart-returns.server";
import { reservationEvents, stockChangedEvents, type SqlArgs } from "./events.server";
import { offerStatements, requeueStatement } from "./waitlist-offers.server";

// The pending holds past their expiry that a command is allowed to clean up:
// `scope` narrows them (a WHERE condition over `r`, the reservation).
const due = (scope: string) => `r.status = 'pending' AND r.expires_at <= :now AND (${scope})`;

// Holds that have a line on one of `rows` (a SELECT of product/warehouse
// pairs): what reserve and the other commands clear before deciding.
export const touchingRows = (rows: string) =>
  `EXISTS (SELECT 1 FROM reservation_items x
           WHERE x.reservation_id = r.id AND (x.product_id, x.warehouse_id) IN (${rows}))`;

// Expiring is the mirror of confirming: the guard is `expires_at <= now`, so
// an expiry and a confirm of the same hold can never both happen. The
// statements see the same set of due holds (nothing else writes between
// them) and `expireHolds` takes them out of it. A shopper's lines go back
// in their cart (cart-returns.server.ts), a drop's offer that ran out sends
// its customer to the back of the line, and the units freed go to the line
// first (waitlist-offers.server.ts).
//
// `CROSS JOIN` fixes the join order: start from the few due holds (partial
// index on pending expiries), never from every line ever held on a row.
export function expireStatements(scope: string, args: SqlArgs) {
  const dueHolds = due(scope);
  return {
    releaseUnits: {
      sql: `UPDATE inventory
            SET reserved = inventory.reserved - d.quantity, updated_at = :now
            FROM (SELECT ri.product_id, ri.warehouse_id, sum(ri.quantity) AS quantity
                  FROM reservations r CROSS JOIN reservation_items ri
                  WHERE ri.reservation_id = r.id AND ${dueHolds}
                  GROUP BY ri.product_id, ri.warehouse_id) AS d
            WHERE inventory.product_id = d.product_id AND inventory.warehouse_id = d.warehouse_id`,
      args,
    },
    ...stockChangedEvents(
      "expiredStockEvents",
      `SELECT ri.product_id, ri.warehouse_id
       FROM reservations r CROSS JOIN reservation_items ri
       WHERE ri.reservation_id = r.id AND ${dueHolds}`,
      "1",
      args,
    ),
    expiredEvents: reservationEvents("reservation_expired", dueHolds, args),
    requeueLapsed: requeueStatement(dueHolds, args),
    ...returnToCartStatements(dueHolds, args, "expiry"),
    // the last of the expiry: its rowsAffected counts the holds expired
    expireHolds: {
      sql: `UPDATE reservations AS r SET status = 'expired', updated_at = :now WHERE ${dueHolds}`,
      args,
    },
    ...offerStatements(args, "expiry"),
  } satisfies NamedStatements;
}

// The sweep: cleanup only, never needed for correctness (every read and
// every command already treats a hold past its expiry as dead). It exists so
// the units show up in the raw counts and so live pages get their
// `reservation_expired` events. Two sweeps at once are safe: the guard makes
// the second find nothing.
export async function expireDue({
  database,
  now,
  batchSize = 500,
}: {
  database: Database;
  now: number;
  batchSize?: number;
}): Promise<number> {
  const scope = `r.id IN (SELECT id FROM reservations
                          WHERE status = 'pending' AND expires_at <= :now
                          ORDER BY expires_at, id LIMIT :batchSize)`;
  let expired = 0;
  for (;;) {
    const results = await database.write(expireStatements(scope, { now, batchSize }));
    const count = results.expireHolds.rowsAffected;
    expired += count;
    if (count < batchSize) return expired;
  }
}

// A holder looking at their own hold just past its expiry need not wait for
// the sweep to see its lines back in their cart: the same cleanup runs for
// that one hold now. Its guard is the sweep's, so the two never both
// expire it, and a hold already swept costs only the read.
export async function expireHold({ database, id, now }: { database: Database; id: string; now: number }) {
  const current = await database.reader.execute({
    sql: "SELECT 1 FROM reservations WHERE id = :id AND status = 'pending' AND expires_at <= :now",
    args: { id, now },
  });
  if (current.rows.length === 0) return;
  await database.write(expireStatements(`r.id = :id`, { id, now }));
}
