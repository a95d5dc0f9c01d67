import type { Database } from "~/infra/db/db.server";
import { stockChangedEvents } from "./events.server";
import { offerStatements } from "./waitlist-offers.server";

// The books, checked: for every stock row,
// - `reserved` is the sum of its pending holds' lines;
// - the ledger agrees with the row: the row's latest ledger entry (every
//   command appends the row's counts after it, in its own write) has the
//   row's total, reserved and sold;
// - nothing is negative, and nothing is held or sold beyond the total.
// Each run reads every row once and only the newest ledger entry of each,
// which the row points at (`ledger_event_id`, moved by every write that
// appends an entry, in that write: moveLedgerHeads), so it costs the same
// with millions of events as with a hundred.

type Violation = {
  productId: string;
  warehouseId: string;
  problem: "reserved_differs_from_pending_holds" | "ledger_differs_from_row" | "counts_out_of_range";
  row: { total: number; reserved: number; sold: number };
  expected: { total?: number; reserved?: number; sold?: number };
};

export type ConsistencyReport = { checkedAt: number; rows: number; lastEventId: number; violations: Violation[] };

type Checked = {
  product_id: string;
  warehouse_id: string;
  total: number;
  reserved: number;
  sold: number;
  pending: number;
  ledger: string | null;
};

// the counts a ledger entry says the row was left with
function ledgerCounts(type: string | null, payload: string | null) {
  if (!payload) return null;
  const parsed = JSON.parse(payload) as Record<string, unknown>;
  const counts = (type === "stock_adjusted" || type === "stock_repaired" ? parsed.after : parsed) as
    { total: number; reserved: number; sold: number } | undefined;
  return counts ? { total: Number(counts.total), reserved: Number(counts.reserved), sold: Number(counts.sold) } : null;
}

export async function checkConsistency({
  database,
  now,
}: {
  database: Database;
  now: number;
}): Promise<ConsistencyReport> {
  const [rows, last] = await Promise.all([
    // pending lines summed from the pending holds (a partial index holds
    // them), never from every line a row has ever had
    database.reader.execute(`
      WITH pending AS (
        SELECT ri.product_id, ri.warehouse_id, sum(ri.quantity) AS quantity
        FROM reservations r CROSS JOIN reservation_items ri
        WHERE r.status = 'pending' AND ri.reservation_id = r.id
        GROUP BY ri.product_id, ri.warehouse_id)
      SELECT i.product_id, i.warehouse_id, i.total, i.reserved, i.sold,
             coalesce(p.quantity, 0) AS pending,
             (SELECT e.type || char(31) || e.payload FROM events e WHERE e.id = i.ledger_event_id) AS ledger
      FROM inventory i
      LEFT JOIN pending p ON p.product_id = i.product_id AND p.warehouse_id = i.warehouse_id`),
    database.reader.execute("SELECT coalesce(max(id), 0) AS id FROM events"),
  ]);
  const violations: Violation[] = [];
  for (const r of rows.rows as unknown as Checked[]) {
    const row = { total: Number(r.total), reserved: Number(r.reserved), sold: Number(r.sold) };
    const where = { productId: r.product_id, warehouseId: r.warehouse_id, row };
    if (row.reserved < 0 || row.sold < 0 || row.reserved + row.sold > row.total) {
      violations.push({ ...where, problem: "counts_out_of_range", expected: {} });
    }
    if (row.reserved !== Number(r.pending)) {
      violations.push({
        ...where,
        problem: "reserved_differs_from_pending_holds",
        expected: { reserved: Number(r.pending) },
      });
    }
    const [type, payload] = r.ledger ? r.ledger.split("\u001f") : [null, null];
    const ledger = ledgerCounts(type ?? null, payload ?? null);
    if (!ledger || ledger.total !== row.total || ledger.reserved !== row.reserved || ledger.sold !== row.sold) {
      violations.push({ ...where, problem: "ledger_differs_from_row", expected: ledger ?? {} });
    }
  }
  return { checkedAt: now, rows: rows.rows.length, lastEventId: Number(last.rows[0]?.id), violations };
}

// What a row's held and sold units must be, from the holds themselves:
// held is its pending lines; sold is what it sold outside any hold (the
// ledger's opening entry says) plus its confirmed lines. No index finds a
// row's lines (every hold would write to it): the pending ones are found
// from the pending holds (a partial index holds them), the paid ones by
// reading every line once, which a repair by hand can afford.
const pendingLines = `(SELECT coalesce(sum(ri.quantity), 0) FROM reservations r CROSS JOIN reservation_items ri
    WHERE r.status = 'pending' AND ri.reservation_id = r.id
      AND ri.product_id = :productId AND ri.warehouse_id = :warehouseId)`;
const paidLines = `(SELECT coalesce(sum(ri.quantity), 0) FROM reservation_items ri CROSS JOIN reservations r
    WHERE ri.product_id = :productId AND ri.warehouse_id = :warehouseId
      AND r.id = ri.reservation_id AND r.status = 'confirmed')`;
const openingSold = `coalesce((SELECT json_extract(payload, '$.soldBeforeLedger') FROM events
                               WHERE type = 'stock_adjusted' AND product_id = :productId
                                 AND warehouse_id = :warehouseId AND json_extract(payload, '$.reason') = 'opening'
                               ORDER BY id LIMIT 1), 0)`;
// Worked out once per repair, into a table of the writer's own connection
// (TEMP: nothing of it reaches the file), and read from there by every
// statement after: reading every paid line is the slow part (about 50 ms
// for 500,000 lines here), and writes wait while it runs.
const counts = {
  table: `CREATE TEMP TABLE IF NOT EXISTS repair_counts (reserved INTEGER NOT NULL, sold INTEGER NOT NULL)`,
  clear: `DELETE FROM temp.repair_counts`,
  fill: `INSERT INTO temp.repair_counts (reserved, sold) SELECT ${pendingLines}, ${openingSold} + ${paidLines}`,
};
const fixedReserved = `(SELECT reserved FROM temp.repair_counts)`;
const fixedSold = `(SELECT sold FROM temp.repair_counts)`;
const row = `product_id = :productId AND warehouse_id = :warehouseId`;
const fits = (table: string) => `${fixedReserved} + ${fixedSold} <= ${table}.total`;

export type RepairOutcome =
  | { ok: true; before: { reserved: number; sold: number }; after: { reserved: number; sold: number } }
  | { ok: false; code: "not_found" }
  | { ok: false; code: "stock_below_committed"; total: number; reserved: number; sold: number };

// Rebuilds one row's `reserved` and `sold` from the holds, by hand only (an
// operator asks for it after the check named the row): one guarded write
// with its audit entry, refused if the rebuilt counts would not fit the
// row's total (restock first).
export async function repairRow({
  database,
  productId,
  warehouseId,
  operator,
  now,
}: {
  database: Database;
  productId: string;
  warehouseId: string;
  operator: string;
  now: number;
}): Promise<RepairOutcome> {
  const args = { productId, warehouseId, operator, now };
  const results = await database.write({
    before: { sql: `SELECT total, reserved, sold FROM inventory WHERE ${row}`, args },
    countsTable: { sql: counts.table, args: {} },
    clearCounts: { sql: counts.clear, args: {} },
    counts: { sql: counts.fill, args },
    fixed: { sql: `SELECT ${fixedReserved} AS reserved, ${fixedSold} AS sold`, args },
    audit: {
      sql: `INSERT INTO events (type, product_id, warehouse_id, payload, created_at)
            SELECT 'stock_repaired', i.product_id, i.warehouse_id,
                   json_object('operator', :operator,
                               'before', json_object('total', i.total, 'reserved', i.reserved, 'sold', i.sold),
                               'after', json_object('total', i.total, 'reserved', ${fixedReserved}, 'sold', ${fixedSold})),
                   :now
            FROM inventory i WHERE ${row} AND ${fits("i")}`,
      args,
    },
    decision: {
      sql: `UPDATE inventory SET reserved = ${fixedReserved}, sold = ${fixedSold}, updated_at = :now
            WHERE ${row} AND ${fits("inventory")}`,
      args,
    },
    // changes() is the decision's own count: open stock pages hear of it
    ...stockChangedEvents("stockEvent", `SELECT :productId, :warehouseId`, "changes() = 1", args),
    // units a repair frees go to a drop's waiting line first
    ...offerStatements(args, "repair"),
  });
  const before = results.before.rows[0];
  if (!before) return { ok: false, code: "not_found" };
  const fixed = { reserved: Number(results.fixed.rows[0]?.reserved), sold: Number(results.fixed.rows[0]?.sold) };
  if (results.decision.rowsAffected !== 1)
    return { ok: false, code: "stock_below_committed", total: Number(before.total), ...fixed };
  return { ok: true, before: { reserved: Number(before.reserved), sold: Number(before.sold) }, after: fixed };
}
