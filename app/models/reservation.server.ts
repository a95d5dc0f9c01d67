import { createHash } from "node:crypto";
import { v7 as timeOrderedUuid } from "uuid";
import type { Database, NamedStatements } from "~/infra/db/db.server";
import { randomBytesFromPool } from "~/infra/random.server";
import { reservationEvents, stockChangedEvents, type SqlArgs } from "./events.server";
import { expireStatements, touchingRows } from "./expiry.server";
import { readStock, type StockLevel } from "./inventory.server";
import {
  ID_PATTERN,
  type ClientLimit,
  RESERVATION_ID_PATTERN,
  type FairUse,
  type HoldPolicy,
  type ReservationLine,
  type ReservationView,
} from "./reservation";
import { reservationViewSql, toView, viewRowsById } from "./reservation-view.server";
import { reserveKind, type Quota } from "./reserve-plan.server";

// Who may act on a hold: the API client that holds its token, or the browser
// session that made it. Only hashes are stored and compared.
export type Holder = { tokenHash: string | null; sessionHash: string | null };

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

function newHoldToken(): string {
  return randomBytesFromPool(32).toString("base64url");
}

export type { ClientLimit } from "./reservation";

type ShortLine = ReservationLine & { available: number; stock: StockLevel[] };

// Who is asking for a hold, for the fair-use caps: the browser session when
// there is one, else the address; and the address in every case. Both are
// keyed by a hash (clientKeys below), never stored as they were sent.
export type Requester = { clientKey: string; addressKey: string };

export function clientKeys({ sessionHash, address }: { sessionHash: string | null; address: string }): Requester {
  const addressKey = hashSecret(`address:${address}`);
  return { clientKey: sessionHash ? hashSecret(`session:${sessionHash}`) : addressKey, addressKey };
}

export type ReserveOutcome =
  | { ok: true; reservation: ReservationView; holdToken: string }
  | { ok: false; code: "not_found"; missing: ReservationLine[] }
  | { ok: false; code: "insufficient_stock"; short: ShortLine[] }
  | { ok: false; code: "client_limit_reached"; limit: ClientLimit };

export type ChangeOutcome =
  | { ok: true; reservation: ReservationView }
  | { ok: false; code: "not_found" }
  | {
      ok: false;
      code: "reservation_expired" | "invalid_state" | "extension_limit_reached";
      reservation: ReservationView;
    };

// Several lines for the same row are one line: the guard compares each row's
// free units with everything this hold asks of it.
function mergeLines(items: ReservationLine[]): ReservationLine[] {
  const merged = new Map<string, ReservationLine>();
  for (const item of items) {
    const key = JSON.stringify([item.productId, item.warehouseId]);
    const seen = merged.get(key);
    merged.set(key, seen ? { ...seen, quantity: seen.quantity + item.quantity } : { ...item });
  }
  return [...merged.values()];
}

const reservationRows = `SELECT product_id, warehouse_id FROM reservation_items WHERE reservation_id = :id`;
const isHolder = `(holder_hash = :tokenHash OR session_hash = :sessionHash)`;

// Hold every line or none. The decision is the database's, inside one
// guarded write shared with the other holds queued at the same moment (see
// reserve-plan.server.ts): expire the stale holds on the rows it touches,
// then insert the reservation only if every line's row has the units free.
export async function reserve({
  database,
  items,
  holder,
  requester,
  fairUse,
  policy,
  now,
}: {
  database: Database;
  items: ReservationLine[];
  holder: { sessionHash: string | null };
  requester: Requester;
  fairUse: FairUse;
  policy: HoldPolicy;
  now: number;
}): Promise<ReserveOutcome> {
  const lines = mergeLines(items);
  // an id that cannot exist names nothing: refused before any SQL
  const malformed = lines.filter((l) => !ID_PATTERN.test(l.productId) || !ID_PATTERN.test(l.warehouseId));
  if (malformed.length > 0) return { ok: false, code: "not_found", missing: malformed };
  const quotas = quotasFor(requester, fairUse);
  const holdToken = newHoldToken();
  const created = await database.submit(reserveKind, {
    // time-ordered, so a group's new rows share the last pages of every
    // index instead of each dirtying a page of its own: with random ids the
    // commit wrote 2.4 times as much (measured, 16 holds a group)
    id: timeOrderedUuid({ random: randomBytesFromPool(16) }),
    tokenHash: hashSecret(holdToken),
    sessionHash: holder.sessionHash,
    ...requester,
    now,
    expiresAt: now + policy.ttlMs,
    lines,
    quotas,
  });
  if (created) return { ok: true, reservation: toView(created, policy, now), holdToken };
  const overLimit = await clientLimitReached({ database, quotas, lines, now });
  if (overLimit) return { ok: false, code: "client_limit_reached", limit: overLimit };
  return explainRefusal({ database, lines, now });
}

function quotasFor({ clientKey, addressKey }: Requester, fairUse: FairUse): Quota[] {
  const quotas: Quota[] = [
    { scope: "client", measure: "holds", owner: clientKey, limit: fairUse.holdsPerClient },
    { scope: "client", measure: "units", owner: clientKey, limit: fairUse.unitsPerClient },
    { scope: "address", measure: "units", owner: addressKey, limit: fairUse.unitsPerAddress },
  ];
  return quotas.filter((q) => q.limit > 0);
}

// Which cap refused the hold, if one did. The write decided; this read only
// says why, for the message (a client's own holds are what changes it, so
// it agrees with the write unless one of them ended in between).
async function clientLimitReached({
  database,
  quotas,
  lines,
  now,
}: {
  database: Database;
  quotas: Quota[];
  lines: ReservationLine[];
  now: number;
}): Promise<ClientLimit | null> {
  const units = lines.reduce((sum, l) => sum + l.quantity, 0);
  for (const quota of quotas) {
    const column = quota.scope === "client" ? "client_key" : "address_key";
    const result = await database.reader.execute({
      sql: `SELECT count(DISTINCT r.id) AS holds, coalesce(sum(ri.quantity), 0) AS units
            FROM reservations r CROSS JOIN reservation_items ri
            WHERE r.${column} = :owner AND r.status = 'pending' AND r.expires_at > :now AND ri.reservation_id = r.id`,
      args: { owner: quota.owner, now },
    });
    const row = result.rows[0];
    const pending = Number(quota.measure === "holds" ? row?.holds : row?.units);
    const requested = quota.measure === "holds" ? 1 : units;
    if (pending + requested > quota.limit) {
      return { scope: quota.scope, measure: quota.measure, limit: quota.limit, pending, requested };
    }
  }
  return null;
}

// Refusal is decided in the write; this read only says why, for the message.
async function explainRefusal({
  database,
  lines,
  now,
}: {
  database: Database;
  lines: ReservationLine[];
  now: number;
}): Promise<ReserveOutcome> {
  const stock = await readStock({ database, productIds: lines.map((l) => l.productId), now });
  const level = (l: ReservationLine) =>
    stock.find((s) => s.productId === l.productId && s.warehouseId === l.warehouseId);
  const missing = lines.filter((l) => !level(l));
  if (missing.length > 0) return { ok: false, code: "not_found", missing };
  const checked = lines.map((l) => ({
    ...l,
    available: level(l)?.available ?? 0,
    stock: stock.filter((s) => s.productId === l.productId),
  }));
  const short = checked.filter((l) => l.available < l.quantity);
  // Every line fitting by now means units were freed after the write
  // decided; the answer is still the write's, so report every line.
  return { ok: false, code: "insufficient_stock", short: short.length > 0 ? short : checked };
}

type Transition = "confirm" | "release" | "extend";

function transitionArgs(id: string, holder: Holder, now: number, policy: HoldPolicy): SqlArgs {
  return {
    id,
    now,
    tokenHash: holder.tokenHash,
    sessionHash: holder.sessionHash,
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

// Moves a live hold's units out of `reserved`, and into `sold` on confirm.
function settleUnits(kind: "confirm" | "release") {
  const sold = kind === "confirm" ? "inventory.sold + ri.quantity" : "inventory.sold";
  return `UPDATE inventory
          SET reserved = inventory.reserved - ri.quantity, sold = ${sold}, updated_at = :now
          FROM (SELECT product_id, warehouse_id, quantity FROM reservation_items
                WHERE reservation_id = :id) AS ri
          WHERE inventory.product_id = ri.product_id AND inventory.warehouse_id = ri.warehouse_id
            AND ${isLiveHold}`;
}

// The statements of one transition; `decision` is the guarded one, `view`
// reads the hold back as the write left it.
function transitionStatements(kind: Transition, args: SqlArgs) {
  const cleanup = expireStatements(touchingRows(reservationRows), args);
  const view = { sql: reservationViewSql(`r.id = :id AND ${isHolder}`), args };
  if (kind === "extend") {
    return {
      ...cleanup,
      // the guard: its rowsAffected says whether the hold was extended
      decision: {
        sql: `UPDATE reservations
              SET expires_at = min(expires_at + :ttlMs, created_at + :maxHoldMs),
                  extension_count = extension_count + 1, updated_at = :now
              WHERE ${liveHold} AND extension_count < :maxExtensions
                AND expires_at < created_at + :maxHoldMs`,
        args,
      },
      // changes() is the extension's own count: the statement just before
      extendedEvent: reservationEvents("reservation_extended", `r.id = :id AND changes() = 1`, args),
      view,
    } satisfies NamedStatements;
  }
  const status = kind === "confirm" ? "confirmed" : "released";
  return {
    ...cleanup,
    settle: { sql: settleUnits(kind), args },
    stockEvents: stockChangedEvents(reservationRows, isLiveHold, args),
    holdEvent: reservationEvents(kind === "confirm" ? "reservation_confirmed" : "reservation_released", liveHold, args),
    // the guard: its rowsAffected says whether the hold changed
    decision: { sql: `UPDATE reservations SET status = '${status}', updated_at = :now WHERE ${liveHold}`, args },
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

// The holder's view of a hold, with expiry applied at `now` whether or not
// anything has swept. Anyone but the holder gets nothing at all.
export async function getReservation({
  database,
  id,
  holder,
  policy,
  now,
}: {
  database: Database;
  id: string;
  holder: Holder;
  policy: HoldPolicy;
  now: number;
}): Promise<ReservationView | null> {
  if (!RESERVATION_ID_PATTERN.test(id)) return null;
  const result = await database.reader.execute({
    sql: reservationViewSql(`r.id = :id AND ${isHolder}`),
    args: { id, tokenHash: holder.tokenHash, sessionHash: holder.sessionHash },
  });
  const rows = viewRowsById(result).get(id);
  return rows ? toView(rows, policy, now) : null;
}
