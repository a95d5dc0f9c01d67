import { v7 as timeOrderedUuid } from "uuid";
import type { Database } from "~/infra/db/db.server";
import { reservationEvents, stockChangedEvents, type SqlArgs } from "./events.server";
import { expireStatements, touchingRows } from "./expiry.server";
import { governingDropId, ruleRefusal } from "./hold-rules.server";
import { holderArgs, isHolder, type Holder } from "./holder.server";
import {
  ID_PATTERN,
  MAX_LINES_PER_HOLD,
  MAX_QUANTITY_PER_LINE,
  RESERVATION_ID_PATTERN,
  type FairUse,
  type HoldPolicy,
  type ReservationLine,
  type ReservationView,
} from "./reservation";
import { reservationViewSql, toView, viewRowsById } from "./reservation-view.server";
import { clientLimitReached, explainRefusal, mergeLines, type ReserveOutcome } from "./reservation.server";
import type { Quota } from "./reserve-plan.server";
import { leaveLineStatement, offerStatements } from "./waitlist-offers.server";

// A pending hold's holder may change its lines without extending it: add
// lines (all or nothing), or set one line's quantity. More units are
// guarded exactly like a new hold's (stock, a drop's window and limits, the
// customer's and the client's limits); fewer are freed at once, to the
// first in a drop's line if there is one; a line set to 0 leaves the hold,
// and the last line leaving releases it. Each change is one guarded write:
// its decision stamps the hold with a fresh change id, and every other
// statement of the write acts only if the hold carries that id.

type Refusal = Exclude<ReserveOutcome, { ok: true }>;

export type ItemsChangeOutcome =
  | { ok: true; reservation: ReservationView }
  | { ok: false; code: "not_found" }
  | { ok: false; code: "reservation_expired" | "invalid_state"; reservation: ReservationView }
  | { ok: false; code: "too_many_lines"; limit: number }
  | { ok: false; code: "line_too_large"; productId: string; warehouseId: string; limit: number }
  // a drop's product joins only a hold made in its drop (its terms are the drop's)
  | { ok: false; code: "drop_product"; productIds: string[] }
  // the units asked for, refused as a new hold's would be
  | { ok: false; code: "lines_refused"; refusal: Refusal };

type ChangeInput = {
  database: Database;
  id: string;
  holder: Holder;
  fairUse: FairUse;
  policy: HoldPolicy;
  now: number;
};

// What a change does to each row it touches: `delta` units more (negative:
// fewer). A SELECT of (product_id, warehouse_id, delta), read before the
// hold's lines change.
const added = `SELECT l.value->>'productId' AS product_id, l.value->>'warehouseId' AS warehouse_id,
                      CAST(l.value->>'quantity' AS INTEGER) AS delta
               FROM json_each(:lines) AS l`;
const lineSet = `SELECT :productId AS product_id, :warehouseId AS warehouse_id,
                        :quantity - coalesce((SELECT quantity FROM reservation_items
                                              WHERE reservation_id = :id AND product_id = :productId
                                                AND warehouse_id = :warehouseId), 0) AS delta`;

const currentQuantity = (d: string) =>
  `coalesce((SELECT quantity FROM reservation_items x
             WHERE x.reservation_id = :id AND x.product_id = ${d}.product_id AND x.warehouse_id = ${d}.warehouse_id), 0)`;

// The drops the hold `h` was made in: those governing its lines' products.
const dropsOfHold = `SELECT ${governingDropId("x.product_id")} FROM reservation_items x
                     WHERE x.reservation_id = h.id AND ${governingDropId("x.product_id")} IS NOT NULL`;

// Pending, live units of every hold with the same `column` as the hold `h`.
const unitsAlike = (column: "client_key" | "address_key") =>
  `(SELECT coalesce(sum(ri.quantity), 0) FROM reservations o CROSS JOIN reservation_items ri
    WHERE o.${column} = h.${column} AND o.status = 'pending' AND o.expires_at > :now AND ri.reservation_id = o.id)`;

// A customer's units of product `p` in pending and paid holds.
const customerUnits = `(SELECT coalesce(sum(ri.quantity), 0) FROM reservations o CROSS JOIN reservation_items ri
                        WHERE o.customer_key = h.customer_key AND ri.reservation_id = o.id AND ri.product_id = p.id
                          AND (o.status = 'confirmed' OR (o.status = 'pending' AND o.expires_at > :now)))`;

// The guard on the hold `h`, for the change `deltas`: only growth is
// checked, so taking units away is never refused while the hold is live.
function mayChange(deltas: string) {
  const growth = `(SELECT product_id, warehouse_id, delta FROM (${deltas}) WHERE delta > 0)`;
  const growthUnits = `(SELECT coalesce(sum(delta), 0) FROM ${growth})`;
  return `h.id = :id AND ${isHolder} AND h.status = 'pending' AND h.expires_at > :now
    -- every row has the units free, and its product is still sold
    AND NOT EXISTS (SELECT 1 FROM ${growth} AS d
                    LEFT JOIN inventory i ON i.product_id = d.product_id AND i.warehouse_id = d.warehouse_id
                    LEFT JOIN products p ON p.id = d.product_id
                    WHERE i.product_id IS NULL OR p.archived OR i.total - i.sold - i.reserved < d.delta)
    -- no line past its most, no more lines than a hold may have
    AND NOT EXISTS (SELECT 1 FROM ${growth} AS d WHERE ${currentQuantity("d")} + d.delta > ${MAX_QUANTITY_PER_LINE})
    AND (SELECT count(*) FROM (SELECT product_id, warehouse_id FROM reservation_items WHERE reservation_id = :id
                               UNION SELECT product_id, warehouse_id FROM ${growth})) <= ${MAX_LINES_PER_HOLD}
    -- a drop's product: only into a hold made in its drop, inside its window
    AND NOT EXISTS (SELECT 1 FROM ${growth} AS d JOIN drops g ON g.id = ${governingDropId("d.product_id")}
                    WHERE g.id NOT IN (${dropsOfHold})
                       OR :now < g.starts_at OR (g.ends_at IS NOT NULL AND :now >= g.ends_at))
    -- the customer's units of a product with a limit
    AND NOT EXISTS (SELECT 1 FROM (SELECT product_id, sum(delta) AS delta FROM ${growth} GROUP BY product_id) AS d
                    JOIN products p ON p.id = d.product_id
                    LEFT JOIN drops g ON g.id = ${governingDropId("p.id")}
                    WHERE coalesce(g.max_per_customer, nullif(p.max_per_customer, 0)) IS NOT NULL
                      AND (h.customer_key IS NULL
                           OR ${customerUnits} + d.delta > coalesce(g.max_per_customer, nullif(p.max_per_customer, 0))))
    -- the fair-use caps on units, for a hold made without an integrator key
    AND (h.api_key_id IS NOT NULL
         OR ((:unitsPerClient = 0 OR ${unitsAlike("client_key")} + ${growthUnits} <= :unitsPerClient)
             AND (:unitsPerAddress = 0 OR ${unitsAlike("address_key")} + ${growthUnits} <= :unitsPerAddress)))`;
}

const changed = `EXISTS (SELECT 1 FROM reservations WHERE id = :id AND last_change = :changeId)`;

// The statements of one change. `lines` change the hold's lines (they run
// after the units moved, while `deltas` still reads the lines as they were);
// `emptied`, a condition over `r`, is true when the change took the hold's
// last line away: the hold is then released, keeping that line as the
// record of what it held.
function changeStatements({
  deltas,
  lines,
  emptied,
  args,
}: {
  deltas: string;
  lines: Record<string, string>;
  emptied: string;
  args: SqlArgs;
}) {
  const touched = `SELECT product_id, warehouse_id FROM reservation_items WHERE reservation_id = :id
                   UNION ALL SELECT product_id, warehouse_id FROM (${deltas})`;
  const moved = `SELECT product_id, warehouse_id, delta FROM (${deltas}) WHERE delta <> 0`;
  return {
    ...expireStatements(touchingRows(touched), args),
    // the guard: its rowsAffected says whether the hold changed
    decision: {
      // a change that moves nothing (a line set to what it is) is answered
      // as done but stamps nothing, so nothing else happens
      sql: `UPDATE reservations AS h
            SET last_change = CASE WHEN EXISTS (${moved}) THEN :changeId ELSE last_change END,
                updated_at = CASE WHEN EXISTS (${moved}) THEN :now ELSE updated_at END
            WHERE ${mayChange(deltas)}`,
      args,
    },
    // what a refusal is explained by, as the write saw it
    facts: {
      sql: `SELECT h.customer_key, h.api_key_id, h.client_key, h.address_key,
                   (SELECT json_group_array(d.product_id) FROM (${deltas}) AS d
                    WHERE d.delta > 0 AND ${governingDropId("d.product_id")} IS NOT NULL
                      AND ${governingDropId("d.product_id")} NOT IN (${dropsOfHold})) AS drop_products
            FROM reservations h WHERE h.id = :id AND ${isHolder}`,
      args,
    },
    units: {
      sql: `UPDATE inventory SET reserved = inventory.reserved + d.delta, updated_at = :now
            FROM (${moved}) AS d
            WHERE inventory.product_id = d.product_id AND inventory.warehouse_id = d.warehouse_id AND ${changed}`,
      args,
    },
    ...stockChangedEvents("stockEvents", `SELECT product_id, warehouse_id FROM (${moved})`, changed, args),
    ...Object.fromEntries(Object.entries(lines).map(([name, sql]) => [name, { sql, args }])),
    // given back like a release, except that its line does not go back in
    // the cart: the holder took it out
    releasedEvent: reservationEvents("reservation_released", emptied, args),
    leaveLine: leaveLineStatement(emptied, args),
    release: { sql: `UPDATE reservations AS r SET status = 'released', updated_at = :now WHERE ${emptied}`, args },
    changedEvent: reservationEvents(
      "reservation_changed",
      `r.id = :id AND r.last_change = :changeId AND r.status = 'pending'`,
      args,
    ),
    // the units given back go to the first in a drop's line
    ...offerStatements(args, "change"),
    view: { sql: reservationViewSql(`r.id = :id AND ${isHolder}`), args },
  };
}

function changeArgs({ id, holder, fairUse, now }: ChangeInput): SqlArgs {
  return {
    id,
    now,
    changeId: timeOrderedUuid(),
    ...holderArgs(holder),
    unitsPerClient: fairUse.unitsPerClient,
    unitsPerAddress: fairUse.unitsPerAddress,
  };
}

// Adds lines to the hold, all or nothing; a line the hold has gets the
// units added to it.
export async function addItems({ lines, ...input }: ChangeInput & { lines: ReservationLine[] }) {
  const growth = mergeLines(lines);
  const args = { ...changeArgs(input), lines: JSON.stringify(growth) };
  return change(
    input,
    growth,
    () => growth,
    () =>
      changeStatements({
        deltas: added,
        lines: {
          addLines: `INSERT INTO reservation_items (reservation_id, product_id, warehouse_id, quantity)
                   SELECT :id, product_id, warehouse_id, delta FROM (${added}) WHERE ${changed}
                   ON CONFLICT (reservation_id, product_id, warehouse_id)
                   DO UPDATE SET quantity = quantity + excluded.quantity`,
        },
        emptied: "0",
        args,
      }),
  );
}

// Sets one line's quantity: more is guarded like a new hold, fewer frees
// the units, 0 takes the line out (and the last line out releases the
// hold). Setting a line the hold does not have to 0 changes nothing.
export async function setItem({ line, ...input }: ChangeInput & { line: ReservationLine }) {
  const args = { ...changeArgs(input), ...line };
  const theLine = `reservation_id = :id AND product_id = :productId AND warehouse_id = :warehouseId`;
  const others = `EXISTS (SELECT 1 FROM reservation_items o WHERE o.reservation_id = :id
                          AND NOT (o.product_id = :productId AND o.warehouse_id = :warehouseId))`;
  const growthOf: Growth = (current) => {
    const more = line.quantity - current(line);
    return more > 0 ? [{ ...line, quantity: more }] : [];
  };
  return change(input, [line], growthOf, () =>
    changeStatements({
      deltas: lineSet,
      lines: {
        setLine: `INSERT INTO reservation_items (reservation_id, product_id, warehouse_id, quantity)
                  SELECT :id, :productId, :warehouseId, :quantity WHERE :quantity > 0 AND ${changed}
                  ON CONFLICT (reservation_id, product_id, warehouse_id) DO UPDATE SET quantity = excluded.quantity`,
        removeLine: `DELETE FROM reservation_items WHERE ${theLine} AND :quantity = 0 AND ${others} AND ${changed}`,
      },
      emptied: `r.id = :id AND r.last_change = :changeId AND :quantity = 0
                AND EXISTS (SELECT 1 FROM reservation_items WHERE ${theLine}) AND NOT ${others}`,
      args,
    }),
  );
}

type Facts = {
  customer_key: string | null;
  api_key_id: string | null;
  client_key: string | null;
  address_key: string | null;
  drop_products: string;
};

// What a change asks for beyond what the hold has, given the hold's lines.
type Growth = (current: (line: Omit<ReservationLine, "quantity">) => number) => ReservationLine[];

// Runs one change and names its outcome; `asked` are the lines it names.
async function change(
  { database, id, fairUse, policy, now }: ChangeInput,
  asked: Omit<ReservationLine, "quantity">[],
  growthOf: Growth,
  statements: () => ReturnType<typeof changeStatements>,
): Promise<ItemsChangeOutcome> {
  if (!RESERVATION_ID_PATTERN.test(id)) return { ok: false, code: "not_found" };
  const malformed = asked.filter((l) => !ID_PATTERN.test(l.productId) || !ID_PATTERN.test(l.warehouseId));
  if (malformed.length > 0) {
    const missing = malformed.map((l) => ({ ...l, quantity: 0 }));
    return { ok: false, code: "lines_refused", refusal: { ok: false, code: "not_found", missing } };
  }
  const results = await database.write(statements());
  const rows = viewRowsById(results.view).get(id);
  if (!rows) return { ok: false, code: "not_found" };
  const reservation = toView(rows, policy, now);
  if (results.decision.rowsAffected === 1) return { ok: true, reservation };
  // Refused. A hold only ever leaves `pending`, so its state read now is
  // the one the write saw.
  if (reservation.status === "expired") return { ok: false, code: "reservation_expired", reservation };
  if (reservation.status !== "pending") return { ok: false, code: "invalid_state", reservation };
  const facts = results.facts.rows[0] as unknown as Facts;
  const current = (l: Omit<ReservationLine, "quantity">) =>
    reservation.items.find((i) => i.productId === l.productId && i.warehouseId === l.warehouseId)?.quantity ?? 0;
  return explain({ database, reservation, current, growth: growthOf(current), facts, fairUse, now });
}

// The write refused a live hold: say why, in the order a holder should
// hear it (the hold's own shape, a drop's terms, then what a new hold of
// the extra units would have been refused for).
async function explain({
  database,
  reservation,
  current,
  growth,
  facts,
  fairUse,
  now,
}: {
  database: Database;
  reservation: ReservationView;
  current: (line: Omit<ReservationLine, "quantity">) => number;
  growth: ReservationLine[];
  facts: Facts;
  fairUse: FairUse;
  now: number;
}): Promise<ItemsChangeOutcome> {
  const newLines = growth.filter((l) => current(l) === 0).length;
  if (reservation.items.length + newLines > MAX_LINES_PER_HOLD) {
    return { ok: false, code: "too_many_lines", limit: MAX_LINES_PER_HOLD };
  }
  const tooLarge = growth.find((l) => current(l) + l.quantity > MAX_QUANTITY_PER_LINE);
  if (tooLarge) {
    const { productId, warehouseId } = tooLarge;
    return { ok: false, code: "line_too_large", productId, warehouseId, limit: MAX_QUANTITY_PER_LINE };
  }
  const dropProducts = JSON.parse(facts.drop_products) as string[];
  if (dropProducts.length > 0) {
    return { ok: false, code: "drop_product", productIds: dropProducts };
  }
  const customer = facts.customer_key
    ? { key: facts.customer_key, apiKeyId: facts.api_key_id, displayName: null }
    : null;
  const rule = await ruleRefusal({ database, lines: growth, customer, holdsPerCustomer: 0, now });
  if (rule) return { ok: false, code: "lines_refused", refusal: { ok: false, ...rule } };
  if (facts.api_key_id === null && facts.client_key !== null && facts.address_key !== null) {
    const quotas: Quota[] = [
      { scope: "client", measure: "units", owner: facts.client_key, limit: fairUse.unitsPerClient },
      { scope: "address", measure: "units", owner: facts.address_key, limit: fairUse.unitsPerAddress },
    ];
    const limit = await clientLimitReached({ database, quotas: quotas.filter((q) => q.limit > 0), lines: growth, now });
    if (limit) return { ok: false, code: "lines_refused", refusal: { ok: false, code: "client_limit_reached", limit } };
  }
  const refusal = await explainRefusal({ database, lines: growth, now });
  return { ok: false, code: "lines_refused", refusal: refusal as Refusal };
}
