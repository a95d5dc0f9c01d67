import type { Database } from "~/infra/db/db.server";
import { stockChangedEvents } from "./events.server";
import { expireStatements, touchingRows } from "./expiry.server";
import { offerStatements } from "./waitlist-offers.server";

// An operator's change to a row's stock: units received, a count corrected,
// units damaged or returned. It is a guarded write like a hold: the new
// total is decided inside the write against the row as it is at commit, so
// an operator lowering stock while shoppers reserve can never leave a row
// holding or selling more than it has (409, never a CHECK failure), and
// every change appends its ledger entry in the same write.

export const restockReasons = ["received", "correction", "damaged", "returned"] as const;
export type RestockReason = (typeof restockReasons)[number];

type StockCounts = { total: number; reserved: number; sold: number };

export type RestockOutcome =
  | { ok: true; before: StockCounts | null; after: StockCounts }
  | { ok: false; code: "not_found" }
  | { ok: false; code: "stock_below_committed"; requestedTotal: number; reserved: number; sold: number };

const row = `product_id = :productId AND warehouse_id = :warehouseId`;
// the row's new total: an absolute count, or a change to the current one
const newTotal = (table: string) => `CASE WHEN :total IS NULL THEN ${table}.total + :delta ELSE :total END`;
const fits = (table: string) => `${newTotal(table)} >= ${table}.reserved + ${table}.sold`;

export async function restock({
  database,
  productId,
  warehouseId,
  change,
  reason,
  note,
  operator,
  now,
}: {
  database: Database;
  productId: string;
  warehouseId: string;
  change: { delta: number } | { total: number };
  reason: RestockReason;
  note: string | null;
  operator: string;
  now: number;
}): Promise<RestockOutcome> {
  const args = {
    productId,
    warehouseId,
    delta: "delta" in change ? change.delta : null,
    total: "total" in change ? change.total : null,
    reason,
    note,
    operator,
    now,
  };
  const results = await database.write({
    // dead holds on the row first, so `reserved` counts only live ones
    ...expireStatements(touchingRows(`SELECT :productId, :warehouseId`), args),
    known: {
      sql: `SELECT EXISTS (SELECT 1 FROM products WHERE id = :productId)
                   AND EXISTS (SELECT 1 FROM warehouses WHERE id = :warehouseId) AS known`,
      args,
    },
    before: { sql: `SELECT total, reserved, sold FROM inventory WHERE ${row}`, args },
    // a product the warehouse never stocked starts at 0, if the change fits
    create: {
      sql: `INSERT INTO inventory (product_id, warehouse_id, total, reserved, sold, updated_at)
            SELECT :productId, :warehouseId, 0, 0, 0, :now
            WHERE EXISTS (SELECT 1 FROM products WHERE id = :productId)
              AND EXISTS (SELECT 1 FROM warehouses WHERE id = :warehouseId)
              AND coalesce(:total, :delta) >= 0
            ON CONFLICT DO NOTHING`,
      args,
    },
    // the ledger entry, written only if the change is about to happen
    ledger: {
      sql: `INSERT INTO events (type, product_id, warehouse_id, payload, created_at)
            SELECT 'stock_adjusted', i.product_id, i.warehouse_id,
                   json_object('reason', :reason, 'note', :note, 'operator', :operator,
                               'before', json_object('total', i.total, 'reserved', i.reserved, 'sold', i.sold),
                               'after', json_object('total', ${newTotal("i")}, 'reserved', i.reserved, 'sold', i.sold)),
                   :now
            FROM inventory i WHERE ${row} AND ${fits("i")}`,
      args,
    },
    // the guard: its rowsAffected says whether the change happened
    decision: {
      sql: `UPDATE inventory SET total = ${newTotal("inventory")}, updated_at = :now
            WHERE ${row} AND ${fits("inventory")}`,
      args,
    },
    // changes() is the decision's own count: the statement just before
    ...stockChangedEvents("stockEvent", `SELECT :productId, :warehouseId`, "changes() = 1", args),
    // units received go to the first in a drop's waiting line
    ...offerStatements(args, "restock"),
    after: { sql: `SELECT total, reserved, sold FROM inventory WHERE ${row}`, args },
  });
  const counts = (rows: typeof results.after.rows): StockCounts | null =>
    rows[0] ? { total: Number(rows[0].total), reserved: Number(rows[0].reserved), sold: Number(rows[0].sold) } : null;
  if (Number(results.known.rows[0]?.known) !== 1) return { ok: false, code: "not_found" };
  const after = counts(results.after.rows) ?? { total: 0, reserved: 0, sold: 0 };
  if (results.decision.rowsAffected === 1) return { ok: true, before: counts(results.before.rows), after };
  const requestedTotal = "total" in change ? change.total : after.total + change.delta;
  return { ok: false, code: "stock_below_committed", requestedTotal, reserved: after.reserved, sold: after.sold };
}
