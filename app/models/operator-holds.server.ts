import type { Database } from "~/infra/db/db.server";
import { returnToCartStatements } from "./cart-returns.server";
import { reservationEvents, stockChangedEvents } from "./events.server";
import { expireStatements, touchingRows } from "./expiry.server";
import { reservationRows, settleUnits } from "./hold-changes.server";
import { RESERVATION_ID_PATTERN, type HoldPolicy, type ReservationStatus, type ReservationView } from "./reservation";
import { reservationViewSql, toView, viewRowsById } from "./reservation-view.server";
import { leaveLineStatement, offerStatements } from "./waitlist-offers.server";

// What an operator can do with shoppers' holds: see them, and release one
// that is stuck. An operator acts on any hold, so the guard is the hold's
// state alone; the release is a guarded write like the shopper's own, with
// an audit entry naming the operator and the reason.

export type OperatorReleaseOutcome =
  | { ok: true; reservation: ReservationView }
  | { ok: false; code: "not_found" }
  | { ok: false; code: "invalid_state" | "reservation_expired"; reservation: ReservationView };

const live = `id = :id AND status = 'pending' AND expires_at > :now`;
const isLive = `EXISTS (SELECT 1 FROM reservations WHERE ${live})`;

export async function releaseByOperator({
  database,
  id,
  reason,
  operator,
  policy,
  now,
}: {
  database: Database;
  id: string;
  reason: string;
  operator: string;
  policy: HoldPolicy;
  now: number;
}): Promise<OperatorReleaseOutcome> {
  if (!RESERVATION_ID_PATTERN.test(id)) return { ok: false, code: "not_found" };
  const args = { id, reason, operator, now };
  const results = await database.write({
    ...expireStatements(touchingRows(reservationRows), args),
    settle: { sql: settleUnits("release", isLive), args },
    ...stockChangedEvents("stockEvents", reservationRows, isLive, args),
    holdEvent: reservationEvents("reservation_released", live, args),
    audit: {
      sql: `INSERT INTO events (type, reservation_id, payload, created_at)
            SELECT 'operator_released', id, json_object('operator', :operator, 'reason', :reason), :now
            FROM reservations WHERE ${live}`,
      args,
    },
    // the shop cancelled a waiting line's offer: its customer leaves the
    // line (put back in it, they would be offered the unit again at once)
    leaveLine: leaveLineStatement(live, args),
    // the shopper's lines go back in their cart, to hold again or let go
    ...returnToCartStatements(live, args, "release"),
    decision: { sql: `UPDATE reservations SET status = 'released', updated_at = :now WHERE ${live}`, args },
    ...offerStatements(args, "release"),
    view: { sql: reservationViewSql(`r.id = :id`), args },
  });
  const rows = viewRowsById(results.view).get(id);
  if (!rows) return { ok: false, code: "not_found" };
  const reservation = toView(rows, policy, now);
  if (results.decision.rowsAffected === 1) return { ok: true, reservation };
  return { ok: false, code: reservation.status === "expired" ? "reservation_expired" : "invalid_state", reservation };
}

export type HoldFilter = {
  status?: ReservationStatus;
  productId?: string;
  warehouseId?: string;
  expiringWithinSeconds?: number;
};

// Holds, newest first, a page at a time (the cursor is the last id seen:
// ids are time-ordered). Statuses are as a shopper sees them: a pending
// hold past its expiry is expired, swept or not.
export async function listHolds({
  database,
  filter,
  cursor,
  limit,
  policy,
  now,
}: {
  database: Database;
  filter: HoldFilter;
  cursor: string | null;
  limit: number;
  policy: HoldPolicy;
  now: number;
}): Promise<{ holds: ReservationView[]; nextCursor: string | null }> {
  const args = {
    now,
    cursor,
    status: filter.status ?? null,
    productId: filter.productId ?? null,
    warehouseId: filter.warehouseId ?? null,
    until: filter.expiringWithinSeconds === undefined ? null : now + filter.expiringWithinSeconds * 1000,
    fetch: limit + 1,
  };
  const ids = await database.reader.execute({
    sql: `SELECT r.id FROM reservations r
          WHERE (:cursor IS NULL OR r.id < :cursor)
            AND (:status IS NULL
                 OR (:status = 'pending' AND r.status = 'pending' AND r.expires_at > :now)
                 OR (:status = 'expired' AND (r.status = 'expired' OR (r.status = 'pending' AND r.expires_at <= :now)))
                 OR (:status IN ('confirmed', 'released') AND r.status = :status))
            AND (:until IS NULL OR (r.status = 'pending' AND r.expires_at > :now AND r.expires_at <= :until))
            AND (:productId IS NULL AND :warehouseId IS NULL
                 OR EXISTS (SELECT 1 FROM reservation_items ri WHERE ri.reservation_id = r.id
                            AND (:productId IS NULL OR ri.product_id = :productId)
                            AND (:warehouseId IS NULL OR ri.warehouse_id = :warehouseId)))
          ORDER BY r.id DESC LIMIT :fetch`,
    args,
  });
  const page = ids.rows.slice(0, limit).map((r) => String(r.id));
  const views = await database.reader.execute({
    sql: reservationViewSql(`r.id IN (SELECT value FROM json_each(:ids))`),
    args: { ids: JSON.stringify(page) },
  });
  const byId = viewRowsById(views);
  const holds = page.flatMap((id) => {
    const rows = byId.get(id);
    return rows ? [toView(rows, policy, now)] : [];
  });
  return { holds, nextCursor: ids.rows.length > limit ? (page.at(-1) ?? null) : null };
}
