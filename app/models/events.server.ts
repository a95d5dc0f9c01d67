import type { InStatement, InValue, Row } from "@libsql/client";
import type { Database, NamedStatements } from "~/infra/db/db.server";

export const eventTypes = [
  "reservation_created",
  "reservation_confirmed",
  "reservation_released",
  "reservation_expired",
  "reservation_extended",
  // a hold made for the first in a drop's waiting line, in the write that
  // freed its unit
  "reservation_offered",
  // a pending hold's lines changed by its holder (more, fewer, new lines)
  "reservation_changed",
  "stock_changed",
  "stock_adjusted",
  "stock_repaired",
  "operator_released",
  // an operator's change to the catalogue: { operator, before, after }
  // (before is null for a new one); no stock changes with it
  "product_created",
  "product_updated",
  "warehouse_created",
  "warehouse_updated",
  // an operator's integrator key made or revoked: { operator, apiKeyId, name }
  "api_key_created",
  "api_key_revoked",
  // an operator's drop made or changed: { operator, before, after }
  "drop_created",
  "drop_updated",
  // a customer joined a drop's waiting line: { dropId }
  "waitlist_joined",
] as const;
type EventType = (typeof eventTypes)[number];

export type HoldfastEvent = {
  id: number;
  type: EventType;
  reservationId: string | null;
  productId: string | null;
  warehouseId: string | null;
  payload: Record<string, unknown>;
  createdAt: number;
  // the integrator key whose customer's hold this event is about, if any
  apiKeyId: string | null;
};

export type SqlArgs = Record<string, InValue>;

// Every stock row points at its newest ledger entry (`ledger_event_id`),
// which is what the consistency check reads. Run right after a statement
// that appends ledger entries (stock_changed, stock_adjusted,
// stock_repaired), it moves the pointer of each row that statement wrote
// to: one INSERT's rows take consecutive ids ending at last_insert_rowid(),
// changes() of them. An insert of none leaves an empty range. It used to
// be a trigger on events, run once for every entry, and a spread group
// appends an entry for every row it touches: for 256 spread holds the
// entries took 0.66 ms with the trigger and take 0.27 ms, plus 0.22 ms for
// this statement (the plan alone), and `npm run bench:core` makes about
// 6 % more spread holds a second (six alternated pairs).
export const moveLedgerHeads = `UPDATE inventory SET ledger_event_id = e.id
  FROM (SELECT product_id, warehouse_id, max(id) AS id FROM events
        WHERE id BETWEEN last_insert_rowid() - changes() + 1 AND last_insert_rowid()
          AND type IN ('stock_changed', 'stock_adjusted', 'stock_repaired') AND product_id IS NOT NULL
        GROUP BY product_id, warehouse_id) AS e
  WHERE inventory.product_id = e.product_id AND inventory.warehouse_id = e.warehouse_id`;

// Statements that append to the outbox inside a command's own write. `rows`
// is a SELECT of (product_id, warehouse_id) pairs and `guard` an SQL
// condition that holds only if the command's decision went through, so an
// event exists exactly when its change does.

// The counts are the row's right after the write: the audit trail, and what
// a replay of the events must arrive at. The entries go in as `name`, and
// the rows' ledger pointers move to them right after (`name`.ledgerHeads).
export function stockChangedEvents(name: string, rows: string, guard: string, args: SqlArgs): NamedStatements {
  return {
    [name]: {
      sql: `INSERT INTO events (type, product_id, warehouse_id, payload, created_at)
            SELECT 'stock_changed', i.product_id, i.warehouse_id,
                   json_object('total', i.total, 'reserved', i.reserved, 'sold', i.sold), :now
            FROM inventory i
            WHERE (i.product_id, i.warehouse_id) IN (${rows}) AND ${guard}`,
      args,
    },
    [`${name}.ledgerHeads`]: moveLedgerHeads,
  };
}

const statusAfter = {
  reservation_created: "pending",
  reservation_confirmed: "confirmed",
  reservation_released: "released",
  reservation_expired: "expired",
  reservation_extended: "pending",
  reservation_offered: "pending",
  reservation_changed: "pending",
} as const;

export type ReservationEventType = keyof typeof statusAfter;

// What happened to a hold, in one word, by its event (the metrics' outcome,
// the key's feed's type).
export const holdOutcomes = {
  reservation_created: "created",
  reservation_confirmed: "confirmed",
  reservation_released: "released",
  reservation_expired: "expired",
  reservation_extended: "extended",
  reservation_offered: "offered",
  reservation_changed: "changed",
} as const satisfies Record<ReservationEventType, string>;

// A hold's event carries the status its change leads to, its expiry and
// its lines (`lines`: a FROM … WHERE giving this hold's lines as `l`), so
// the audit trail reads on its own.
const holdPayload = (type: ReservationEventType, expiresAt: string, lines: string) =>
  `json_object(
     'status', '${statusAfter[type]}',
     'expiresAt', ${expiresAt},
     'items', (SELECT json_group_array(json_object(
                 'productId', l.product_id, 'warehouseId', l.warehouse_id, 'quantity', l.quantity)
                 ORDER BY l.product_id, l.warehouse_id)
               FROM ${lines}))`;

// One event per reservation matched by `reservations` (a WHERE clause over
// `r`). It runs before the status changes (the guard still matches then),
// so the status it records is the one the change leads to. A hold an
// integrator's customer made carries its key, for the key's feed.
export function reservationEvents(type: ReservationEventType, reservations: string, args: SqlArgs): InStatement {
  return {
    sql: `INSERT INTO events (type, reservation_id, payload, created_at, api_key_id)
          SELECT '${type}', r.id,
                 ${holdPayload(type, "r.expires_at", "reservation_items l WHERE l.reservation_id = r.id")},
                 :now, r.api_key_id
          FROM reservations r
          WHERE ${reservations}`,
    args,
  };
}

// The same event for holds a write is making, read from what it makes them
// of: `holds` is a FROM … WHERE giving each new hold as `c` (with its `id`
// and `api_key_id`, in the order they were made), `expiresAt` its expiry,
// `lines` its lines as above. The reserve plan writes its created events
// this way, from its own small tables, instead of looking each new hold
// up again.
export function newHoldEvents(
  { holds, expiresAt, lines }: { holds: string; expiresAt: string; lines: string },
  args: SqlArgs,
): InStatement {
  return {
    sql: `INSERT INTO events (type, reservation_id, payload, created_at, api_key_id)
          SELECT 'reservation_created', c.id, ${holdPayload("reservation_created", expiresAt, lines)}, :now, c.api_key_id
          FROM ${holds}`,
    args,
  };
}

type EventRecord = {
  id: number;
  type: string;
  reservation_id: string | null;
  product_id: string | null;
  warehouse_id: string | null;
  payload: string;
  created_at: number;
  // optional: a read that leaves the column out (the audit trail's) gets null
  api_key_id?: string | null;
};

export async function readEventsAfter({
  database,
  afterId,
  limit = 500,
}: {
  database: Database;
  afterId: number;
  limit?: number;
}): Promise<HoldfastEvent[]> {
  // One JSON text for the whole batch, each event already in its own shape
  // and its payload inside it: the live hub reads every event (two or more
  // a hold), and a client row for each, then its payload parsed alone, took
  // about 6 % of the main thread on spread rows at 128 connections (CPU
  // profile); this way the read takes about 4 %. Each event must be the one
  // eventFromRow makes of its row (the audit trail's and a key's feed's
  // read): a field added there is added here too.
  const result = await database.reader.execute({
    sql: `SELECT json_group_array(json_object(
                   'id', id, 'type', type, 'reservationId', reservation_id, 'productId', product_id,
                   'warehouseId', warehouse_id, 'payload', json(payload), 'createdAt', created_at,
                   'apiKeyId', api_key_id) ORDER BY id) AS events
          FROM (SELECT * FROM events WHERE id > :afterId ORDER BY id LIMIT :limit)`,
    args: { afterId, limit },
  });
  return JSON.parse(String(result.rows[0]?.events ?? "[]")) as HoldfastEvent[];
}

// an `events` row, selected with every column, as the event it records
export function eventFromRow(row: Row): HoldfastEvent {
  const r = row as unknown as EventRecord;
  return {
    id: Number(r.id),
    type: r.type as EventType,
    reservationId: r.reservation_id,
    productId: r.product_id,
    warehouseId: r.warehouse_id,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    createdAt: Number(r.created_at),
    apiKeyId: r.api_key_id ?? null,
  };
}

export async function lastEventId(database: Database): Promise<number> {
  const result = await database.reader.execute("SELECT coalesce(max(id), 0) AS id FROM events");
  return Number(result.rows[0]?.id ?? 0);
}
