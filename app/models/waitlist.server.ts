import type { Database } from "~/infra/db/db.server";
import type { Customer } from "./customers.server";
import type { WaitlistEntry, WaitlistStatus } from "./drop";
import { offerStatements } from "./waitlist-offers.server";

// A drop's waiting line, per product: joining it, and where a customer
// stands in it. The offers themselves are made by whatever write frees a
// unit (waitlist-offers.server.ts).

export type JoinOutcome =
  { ok: true; entry: WaitlistEntry } | { ok: false; code: "not_found" } | { ok: false; code: "drop_not_live" };

// An entry `w` as the customer sees it: its position counts who is ahead
// of it in the same line (null once out of it).
export const entryColumns = `w.product_id, w.status, w.reservation_id,
  CASE WHEN w.place IS NULL THEN NULL ELSE
    1 + (SELECT count(*) FROM waitlist a
         WHERE a.drop_id = w.drop_id AND a.product_id = w.product_id AND a.place IS NOT NULL
           AND (a.place < w.place OR (a.place = w.place AND a.id < w.id))) END AS position`;

const entrySql = `
  SELECT ${entryColumns}
  FROM waitlist w
  WHERE w.drop_id = :dropId AND w.customer_key = :customerKey AND (:productId IS NULL OR w.product_id = :productId)
  ORDER BY w.updated_at DESC, w.id DESC
  LIMIT 1`;

export function toEntry(row: Record<string, unknown>): WaitlistEntry {
  return {
    productId: String(row.product_id),
    status: row.status as WaitlistStatus,
    position: row.position === null ? null : Number(row.position),
    reservationId: row.reservation_id === null ? null : String(row.reservation_id),
  };
}

// Joins the line for one of a live drop's products, at its back. Joining
// again while in line, or while an offer stands, changes nothing; a
// customer who left the line (let go of an offer) joins it at the back
// again. Units free at that moment are offered in the same write, so
// whoever is first gets them, which may be the one joining.
export async function joinWaitlist({
  database,
  dropId,
  productId,
  customer,
  customerId,
  sessionHash,
  maxActiveHolds,
  now,
}: {
  database: Database;
  dropId: string;
  productId: string;
  customer: Customer;
  // an integrator's own id for its customer, to find the entry by
  customerId: string | null;
  // a shopper's session, which an offered hold will belong to
  sessionHash: string | null;
  maxActiveHolds: number;
  now: number;
}): Promise<JoinOutcome> {
  const args = {
    dropId,
    productId,
    customerKey: customer.key,
    customerId,
    apiKeyId: customer.apiKeyId,
    sessionHash,
    maxActiveHolds,
    now,
  };
  const live = `EXISTS (SELECT 1 FROM drops d JOIN drop_products dp ON dp.drop_id = d.id
                        WHERE d.id = :dropId AND dp.product_id = :productId
                          AND d.starts_at <= :now AND (d.ends_at IS NULL OR d.ends_at > :now))`;
  const results = await database.write({
    known: {
      sql: `SELECT EXISTS (SELECT 1 FROM drop_products WHERE drop_id = :dropId AND product_id = :productId) AS known`,
      args,
    },
    decision: {
      sql: `INSERT INTO waitlist (drop_id, product_id, customer_key, customer_id, api_key_id, session_hash, status,
                                  place, max_active_holds, joined_at, updated_at)
            SELECT :dropId, :productId, :customerKey, :customerId, :apiKeyId, :sessionHash, 'waiting',
                   (SELECT coalesce(max(place), 0) + 1 FROM waitlist), :maxActiveHolds, :now, :now
            WHERE ${live}
            ON CONFLICT (drop_id, product_id, customer_key) DO UPDATE
              SET status = 'waiting', place = excluded.place, reservation_id = NULL, warehouse_id = NULL,
                  max_active_holds = excluded.max_active_holds, updated_at = excluded.updated_at
              WHERE waitlist.place IS NULL AND waitlist.status = 'lapsed'`,
      args,
    },
    joined: {
      sql: `INSERT INTO events (type, product_id, payload, created_at)
            SELECT 'waitlist_joined', :productId, json_object('dropId', :dropId), :now WHERE changes() = 1`,
      args,
    },
    ...offerStatements(args, "join"),
    entry: { sql: entrySql, args },
  });
  if (Number(results.known.rows[0]?.known) !== 1) return { ok: false, code: "not_found" };
  const row = results.entry.rows[0];
  return row ? { ok: true, entry: toEntry(row) } : { ok: false, code: "drop_not_live" };
}

// Where a customer stands in a drop's line (for one product, or the line
// they joined or changed last).
export async function waitlistEntry({
  database,
  dropId,
  customerKey,
  productId,
}: {
  database: Database;
  dropId: string;
  customerKey: string;
  productId: string | null;
}): Promise<WaitlistEntry | null> {
  const result = await database.reader.execute({ sql: entrySql, args: { dropId, customerKey, productId } });
  const row = result.rows[0];
  return row ? toEntry(row) : null;
}
