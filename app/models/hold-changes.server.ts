import type { Database, NamedStatements } from "~/infra/db/db.server";
import { returnToCartStatements } from "./cart-returns.server";
import { reservationEvents, stockChangedEvents, type SqlArgs } from "./events.server";
import { expireStatements, touchingRows } from "./expiry.server";
import { holderArgs, isHolder, type Holder } from "./holder.server";
import { RESERVATION_ID_PATTERN, type HoldPolicy, type ReservationView } from "./reservation";
import { reservationViewSql, toView, viewRowsById } from "./reservation-view.server";
import { leaveLineStatement, offerStatements } from "./waitlist-offers.server";

// What happens to a hold after it is made: paid for (confirm), given up
// (release) or given more time (extend). Each is one guarded write whose
// guard is that the hold is the caller's, still pending and not past its
// expiry; the sweep's guard is the exact opposite.

export type ChangeOutcome =
  | { ok: true; reservation: ReservationView }
  | { ok: false; code: "not_found" }
  | {
      ok: false;
      code: "reservation_expired" | "invalid_state" | "extension_limit_reached";
      reservation: ReservationView;
    };

export const reservationRows = `SELECT product_id, warehouse_id FROM reservation_items WHERE reservation_id = :id`;

type Transition = "confirm" | "release" | "extend";

function transitionArgs(id: string, holder: Holder, now: number, policy: HoldPolicy): SqlArgs {
  return {
    id,
    now,
    ...holderArgs(holder),
    ttlMs: policy.ttlMs,
    maxExtensions: policy.maxExtensions,
    maxHoldMs: policy.maxHoldMs,
  };
}

// The hold is the holder's, still pending and not yet past its expiry: the
// guard every transition of a live hold shares. A sweep's guard is its exact
// opposite (`expires_at <= now`), so the two can never both win.
const liveHold = `id = :id AND ${isHolder} AND status = 'pending' AND expires_at > :now`;
const isLiveHold = `EXISTS (SELECT 1 FROM reservations WHERE ${liveHold})`;

// Moves a live hold's units out of `reserved`, and into `sold` on confirm;
// `live` is the guard that says the hold may still change.
export function settleUnits(kind: "confirm" | "release", live = isLiveHold) {
  const sold = kind === "confirm" ? "inventory.sold + ri.quantity" : "inventory.sold";
  return `UPDATE inventory
          SET reserved = inventory.reserved - ri.quantity, sold = ${sold}, updated_at = :now
          FROM (SELECT product_id, warehouse_id, quantity FROM reservation_items
                WHERE reservation_id = :id) AS ri
          WHERE inventory.product_id = ri.product_id AND inventory.warehouse_id = ri.warehouse_id
            AND ${live}`;
}

const holdTtl = `coalesce(ttl_ms, :ttlMs)`;
const maxExtensions = `coalesce(max_extensions, :maxExtensions)`;
const maxHold = `coalesce(ttl_ms * (1 + max_extensions), :maxHoldMs)`;

// The statements of one transition; `decision` is the guarded one, `view`
// reads the hold back as the write left it.
function transitionStatements(kind: Transition, args: SqlArgs) {
  const cleanup = expireStatements(touchingRows(reservationRows), args);
  const view = { sql: reservationViewSql(`r.id = :id AND ${isHolder}`), args };
  if (kind === "extend") {
    return {
      ...cleanup,
      // the guard: its rowsAffected says whether the hold was extended (a
      // drop's hold keeps its drop's terms; any other has the server's)
      decision: {
        sql: `UPDATE reservations
              SET expires_at = min(expires_at + ${holdTtl}, created_at + ${maxHold}),
                  extension_count = extension_count + 1, updated_at = :now
              WHERE ${liveHold} AND extension_count < ${maxExtensions}
                AND expires_at < created_at + ${maxHold}`,
        args,
      },
      // changes() is the extension's own count: the statement just before
      extendedEvent: reservationEvents("reservation_extended", `r.id = :id AND changes() = 1`, args),
      view,
    } satisfies NamedStatements;
  }
  const release = kind === "release";
  return {
    ...cleanup,
    settle: { sql: settleUnits(kind), args },
    ...stockChangedEvents("stockEvents", reservationRows, isLiveHold, args),
    holdEvent: reservationEvents(release ? "reservation_released" : "reservation_confirmed", liveHold, args),
    // a customer who gives back the hold a waiting line offered them has
    // said no: they leave the line
    ...(release ? { leaveLine: leaveLineStatement(liveHold, args) } : {}),
    // what the shopper gave up goes back in their cart
    ...(release ? returnToCartStatements(liveHold, args, "release") : {}),
    // the guard: its rowsAffected says whether the hold changed
    decision: {
      sql: `UPDATE reservations SET status = '${release ? "released" : "confirmed"}', updated_at = :now
            WHERE ${liveHold}`,
      args,
    },
    // the units given back go to the first in a drop's line
    ...(release ? offerStatements(args, "release") : {}),
    view,
  } satisfies NamedStatements;
}

async function transition({
  database,
  kind,
  id,
  holder,
  policy,
  now,
}: {
  database: Database;
  kind: Transition;
  id: string;
  holder: Holder;
  policy: HoldPolicy;
  now: number;
}): Promise<ChangeOutcome> {
  if (!RESERVATION_ID_PATTERN.test(id)) return { ok: false, code: "not_found" };
  const args = transitionArgs(id, holder, now, policy);
  const results = await database.write(transitionStatements(kind, args));
  const changed = results.decision.rowsAffected === 1;
  const rows = viewRowsById(results.view).get(id);
  if (!rows) return { ok: false, code: "not_found" };
  const reservation = toView(rows, policy, now);
  if (changed) return { ok: true, reservation };
  // The guard refused. Holds only ever leave `pending`, never return to it,
  // so the state read now is the state the write saw.
  switch (reservation.status) {
    case "expired":
      return { ok: false, code: "reservation_expired", reservation };
    case "pending":
      return { ok: false, code: "extension_limit_reached", reservation };
    case "released":
      // releasing twice is asking for what is already true
      if (kind === "release") return { ok: true, reservation };
      return { ok: false, code: "invalid_state", reservation };
    case "confirmed":
      return { ok: false, code: "invalid_state", reservation };
  }
}

type TransitionInput = {
  database: Database;
  id: string;
  holder: Holder;
  policy: HoldPolicy;
  now: number;
};

// Payment succeeded: the units leave for good. Refused once the hold is past
// its expiry, to the millisecond, swept or not.
export const confirm = (input: TransitionInput) => transition({ ...input, kind: "confirm" });

// The shopper gave up: the units return at once.
export const release = (input: TransitionInput) => transition({ ...input, kind: "release" });

// More time to pay: one more TTL, a fixed number of times, never past the
// hard cap on a hold's whole life.
export const extend = (input: TransitionInput) => transition({ ...input, kind: "extend" });
