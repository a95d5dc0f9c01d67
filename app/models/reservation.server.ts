import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { ResultSet } from "@libsql/client";
import type { Database } from "~/utils/db.server";
import { reservationEvents, stockChangedEvents, type SqlArgs } from "./events.server";
import { expireStatements, touchingRows } from "./expiry.server";
import { readStock, type StockLevel } from "./inventory.server";
import type {
  HoldPolicy,
  ReservationItemView,
  ReservationLine,
  ReservationStatus,
  ReservationView,
} from "./reservation";

// Who may act on a hold: the API client that holds its token, or the browser
// session that made it. Only hashes are stored and compared.
export type Holder = { tokenHash: string | null; sessionHash: string | null };

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function newHoldToken(): string {
  return randomBytes(32).toString("base64url");
}

export type ShortLine = ReservationLine & { available: number; stock: StockLevel[] };

export type ReserveOutcome =
  | { ok: true; reservation: ReservationView; holdToken: string }
  | { ok: false; code: "not_found"; missing: ReservationLine[] }
  | { ok: false; code: "insufficient_stock"; short: ShortLine[] };

export type ChangeOutcome =
  | { ok: true; reservation: ReservationView }
  | { ok: false; code: "not_found" }
  | { ok: false; code: "reservation_expired" | "invalid_state" | "extension_limit_reached"; reservation: ReservationView };

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

const requestedLines = `SELECT value->>'p' AS product_id, value->>'w' AS warehouse_id, value->>'q' AS quantity
                        FROM json_each(:lines)`;
const requestedRows = `SELECT value->>'p', value->>'w' FROM json_each(:lines)`;
const reservationRows = `SELECT product_id, warehouse_id FROM reservation_items WHERE reservation_id = :id`;
const isHolder = `(holder_hash = :tokenHash OR session_hash = :sessionHash)`;

// Hold every line or none, as one guarded write:
// 1. expire the stale holds on the rows it touches, so their units count;
// 2. insert the reservation only if every line's row has the units free —
//    this is the decision, made by the database inside BEGIN IMMEDIATE;
// 3. everything else happens only if that row now exists (its id is new).
export async function reserve({
  database,
  items,
  holder,
  policy,
  now,
}: {
  database: Database;
  items: ReservationLine[];
  holder: { sessionHash: string | null };
  policy: HoldPolicy;
  now: number;
}): Promise<ReserveOutcome> {
  const lines = mergeLines(items);
  const id = randomUUID();
  const holdToken = newHoldToken();
  const args: SqlArgs = {
    id,
    now,
    expiresAt: now + policy.ttlMs,
    tokenHash: hashSecret(holdToken),
    sessionHash: holder.sessionHash,
    lines: JSON.stringify(lines.map((l) => ({ p: l.productId, w: l.warehouseId, q: l.quantity }))),
    lineCount: lines.length,
  };
  const created = `EXISTS (SELECT 1 FROM reservations WHERE id = :id)`;
  const cleanup = expireStatements(touchingRows(requestedRows), args);
  const results = await database.write([
    ...cleanup,
    {
      sql: `INSERT INTO reservations
              (id, status, holder_hash, session_hash, created_at, updated_at, expires_at, extension_count)
            SELECT :id, 'pending', :tokenHash, :sessionHash, :now, :now, :expiresAt, 0
            WHERE (SELECT count(*) FROM inventory i JOIN (${requestedLines}) l
                     ON i.product_id = l.product_id AND i.warehouse_id = l.warehouse_id
                   WHERE i.total - i.sold - i.reserved >= l.quantity) = :lineCount`,
      args,
    },
    {
      sql: `UPDATE inventory
            SET reserved = inventory.reserved + l.quantity, updated_at = :now
            FROM (${requestedLines}) AS l
            WHERE inventory.product_id = l.product_id AND inventory.warehouse_id = l.warehouse_id
              AND ${created}`,
      args,
    },
    {
      sql: `INSERT INTO reservation_items (reservation_id, product_id, warehouse_id, quantity)
            SELECT :id, l.product_id, l.warehouse_id, l.quantity FROM (${requestedLines}) AS l
            WHERE ${created}`,
      args,
    },
    stockChangedEvents(requestedRows, created, args),
    reservationEvents("reservation_created", `r.id = :id`, args),
  ]);
  const inserted = results[cleanup.length]?.rowsAffected === 1;
  if (inserted) {
    const reservation = await getReservation({
      database,
      id,
      holder: { tokenHash: args.tokenHash as string, sessionHash: null },
      policy,
      now,
    });
    if (!reservation) throw new Error(`reservation ${id} vanished after it was created`);
    return { ok: true, reservation, holdToken };
  }
  return explainRefusal({ database, lines, now });
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

// Returns the statements and the index of the one whose rowsAffected says
// whether the guard held.
function transitionStatements(kind: Transition, args: SqlArgs) {
  const cleanup = expireStatements(touchingRows(reservationRows), args);
  if (kind === "extend") {
    const statements = [
      ...cleanup,
      {
        sql: `UPDATE reservations
              SET expires_at = min(expires_at + :ttlMs, created_at + :maxHoldMs),
                  extension_count = extension_count + 1, updated_at = :now
              WHERE ${liveHold} AND extension_count < :maxExtensions
                AND expires_at < created_at + :maxHoldMs`,
        args,
      },
      // changes() is the extension's own count: the statement just before
      reservationEvents("reservation_extended", `r.id = :id AND changes() = 1`, args),
    ];
    return { statements, decision: cleanup.length };
  }
  const status = kind === "confirm" ? "confirmed" : "released";
  const statements = [
    ...cleanup,
    { sql: settleUnits(kind), args },
    stockChangedEvents(reservationRows, isLiveHold, args),
    reservationEvents(
      kind === "confirm" ? "reservation_confirmed" : "reservation_released",
      liveHold,
      args,
    ),
    { sql: `UPDATE reservations SET status = '${status}', updated_at = :now WHERE ${liveHold}`, args },
  ];
  return { statements, decision: statements.length - 1 };
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
  const args = transitionArgs(id, holder, now, policy);
  const { statements, decision } = transitionStatements(kind, args);
  const results: ResultSet[] = await database.write(statements);
  const changed = results[decision]?.rowsAffected === 1;
  const reservation = await getReservation({ database, id, holder, policy, now });
  if (!reservation) return { ok: false, code: "not_found" };
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

type ReservationRecord = {
  id: string;
  status: ReservationStatus;
  created_at: number;
  updated_at: number;
  expires_at: number;
  extension_count: number;
};

type ItemRecord = {
  product_id: string;
  warehouse_id: string;
  quantity: number;
  product_name: string;
  warehouse_name: string;
  price_cents: number;
  currency: string;
  image_url: string;
};

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
  const [head, lines] = await database.reader.batch(
    [
      {
        sql: `SELECT id, status, created_at, updated_at, expires_at, extension_count
              FROM reservations WHERE id = :id AND ${isHolder}`,
        args: { id, tokenHash: holder.tokenHash, sessionHash: holder.sessionHash },
      },
      {
        sql: `SELECT ri.product_id, ri.warehouse_id, ri.quantity, p.name AS product_name,
                     w.name AS warehouse_name, p.price_cents, p.currency, p.image_url
              FROM reservation_items ri
              JOIN products p ON p.id = ri.product_id
              JOIN warehouses w ON w.id = ri.warehouse_id
              WHERE ri.reservation_id = :id
              ORDER BY p.name, w.name`,
        args: { id },
      },
    ],
    "read",
  );
  const row = head?.rows[0] as unknown as ReservationRecord | undefined;
  if (!row) return null;
  return toView(row, (lines?.rows ?? []) as unknown as ItemRecord[], policy, now);
}

function toView(row: ReservationRecord, lines: ItemRecord[], policy: HoldPolicy, now: number): ReservationView {
  const expiresAt = Number(row.expires_at);
  const createdAt = Number(row.created_at);
  const extensionCount = Number(row.extension_count);
  const status = row.status === "pending" && expiresAt <= now ? "expired" : row.status;
  const canExtend = status === "pending" && expiresAt < createdAt + policy.maxHoldMs;
  const items: ReservationItemView[] = lines.map((l) => ({
    productId: l.product_id,
    warehouseId: l.warehouse_id,
    quantity: Number(l.quantity),
    productName: l.product_name,
    warehouseName: l.warehouse_name,
    priceCents: Number(l.price_cents),
    currency: l.currency,
    imageUrl: l.image_url,
  }));
  return {
    id: row.id,
    status,
    createdAt,
    updatedAt: Number(row.updated_at),
    expiresAt,
    extensionsLeft: canExtend ? Math.max(0, policy.maxExtensions - extensionCount) : 0,
    items,
  };
}
