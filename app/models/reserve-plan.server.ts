import type { InStatement } from "@libsql/client";
import type { WriteKind } from "~/infra/db/db.server";
import { reservationEvents, stockChangedEvents } from "./events.server";
import { expireStatements, touchingRows } from "./expiry.server";
import { ID_PATTERN, type ReservationLine } from "./reservation";
import { reservationViewSql, viewRowsById, type ViewRow } from "./reservation-view.server";

// A fair-use cap the hold must fit: `owner` (a client or address key) may
// have at most `limit` pending holds, or pending units, at once.
export type Quota = { scope: "client" | "address"; measure: "holds" | "units"; owner: string; limit: number };

export type ReserveCommand = {
  id: string;
  tokenHash: string;
  sessionHash: string | null;
  clientKey: string;
  addressKey: string;
  now: number;
  expiresAt: number;
  // one line per (product, warehouse): merged by the caller
  lines: ReservationLine[];
  quotas: Quota[];
};

// Client and address keys are hex digests (reservation.server.ts), ids
// match ID_PATTERN: so every counter name below is plain text that needs no
// quoting inside a JSON path. Checked here, where the names are made, so a
// caller that forgot to validate fails alone, before any SQL runs.
const hexKey = /^[0-9a-f]{16,128}$/;

const quotaCounter = (quota: Quota) => `${quota.scope}-${quota.measure}:${quota.owner}`;

function checkNames(command: ReserveCommand) {
  const ok =
    command.lines.every((l) => ID_PATTERN.test(l.productId) && ID_PATTERN.test(l.warehouseId)) &&
    hexKey.test(command.clientKey) &&
    hexKey.test(command.addressKey) &&
    command.quotas.every((q) => hexKey.test(q.owner));
  if (!ok) throw new Error("reserve: an id or key that is not safe to name a counter");
}

// What one command's JSON looks like in :commands, for the SQL below. Two
// lines of one hold by an anonymous client, with a cap of 10 holds:
//   { "id": "0193…", "tokenHash": "9f…", "sessionHash": null,
//     "clientKey": "c4…", "addressKey": "c4…", "now": 1000, "expiresAt": 601000,
//     "lines": [ { "productId": "lamp", "warehouseId": "blr-01", "quantity": 2 },
//                { "productId": "rug", "warehouseId": "del-01", "quantity": 1 } ],
//     "quotas": [ { "counter": "client-holds:c4…", "scope": "client", "measure": "holds",
//                   "owner": "c4…", "limit": 10, "amount": 1 } ] }
// Each line needs `quantity` of its row's counter ("row:lamp:blr-01"), each
// quota `amount` of its own. Say the starting counters are
//   { "row:lamp:blr-01": 5, "row:rug:del-01": 4, "client-holds:c4…": 7 }
// (5 and 4 units free, 3 of the client's 10 holds pending). Every need fits,
// so the command takes its amounts and the next command in the group sees
//   { "row:lamp:blr-01": 3, "row:rug:del-01": 3, "client-holds:c4…": 6 }
// and the write leaves, for this command:
//   reservations       one row: id 0193…, pending, expires_at 601000,
//                      client_key and address_key c4…
//   reservation_items  (0193…, lamp, blr-01, 2) and (0193…, rug, del-01, 1)
//   inventory          reserved + 2 on (lamp, blr-01), + 1 on (rug, del-01)
//   events             stock_changed for both rows, reservation_created
// Had the rug's row had 0 free, the command would not fit (0 < 1): nothing
// is written for it and the counters pass unchanged to the next command.

// The lines of every command in the group, and the rows they touch.
const commandLines = `SELECT c.value->>'id' AS reservation_id, l.value->>'productId' AS product_id,
                             l.value->>'warehouseId' AS warehouse_id, l.value->>'quantity' AS quantity
                      FROM json_each(:commands) AS c, json_each(c.value->'lines') AS l`;
const groupRows = `SELECT l.value->>'productId', l.value->>'warehouseId'
                   FROM json_each(:commands) AS c, json_each(c.value->'lines') AS l`;
const ofThisGroup = `r.id IN (SELECT value->>'id' FROM json_each(:commands))`;
// ids are new uuids, so a row with one exists only if this group made it
const wasCreated = `EXISTS (SELECT 1 FROM reservations r WHERE r.id = cl.reservation_id)`;

// Pending, live holds of a quota's owner, and their units.
const ownerHolds = (column: "client_key" | "address_key") =>
  `(SELECT count(*) FROM reservations r
    WHERE r.${column} = q.value->>'owner' AND r.status = 'pending' AND r.expires_at > :now)`;
const ownerUnits = (column: "client_key" | "address_key") =>
  `(SELECT coalesce(sum(ri.quantity), 0) FROM reservations r CROSS JOIN reservation_items ri
    WHERE r.${column} = q.value->>'owner' AND r.status = 'pending' AND r.expires_at > :now
      AND ri.reservation_id = r.id)`;

// What a command needs: each line, units of its row; each quota, its
// amount. Rows and quotas alike become (counter, amount) pairs.
const needsOf = (command: string) =>
  `SELECT 'row:' || (l.value->>'productId') || ':' || (l.value->>'warehouseId') AS counter,
          l.value->>'quantity' AS amount
   FROM json_each(${command}.lines) AS l
   UNION ALL
   SELECT q.value->>'counter', q.value->>'amount' FROM json_each(${command}.quotas) AS q`;

// A counter's value in the simulated state `s.counters` (a JSON object); one
// that does not exist (a row nobody stocks) is -1, so nothing fits it.
const counterValue = `coalesce(json_extract(s.counters, '$."' || n.counter || '"'), -1)`;
const fits = `NOT EXISTS (SELECT 1 FROM (${needsOf("c")}) AS n WHERE ${counterValue} < n.amount)`;
const taken = `(SELECT json_group_object(n.counter, ${counterValue} - n.amount) FROM (${needsOf("c")}) AS n)`;

// The decision for the whole group, made by the database inside the write:
// the commands are taken in the order they were queued, each one all or
// nothing against the counters the earlier ones left (free units of each
// row, and what each client may still take), exactly as if each had its own
// transaction. Only the commands that fit get a reservation row.
const decide = `
  WITH RECURSIVE
    command(seq, id, token_hash, session_hash, client_key, address_key, now, expires_at, lines, quotas) AS MATERIALIZED (
      SELECT key, value->>'id', value->>'tokenHash', value->>'sessionHash', value->>'clientKey',
             value->>'addressKey', value->>'now', value->>'expiresAt', value->'lines', value->'quotas'
      FROM json_each(:commands)),
    -- one value per name: a quota named by several commands of the group
    -- counts once (the strictest, should their limits ever differ); an
    -- archived product's rows get none, so no new hold fits them
    counter(name, free) AS (
      SELECT name, min(free) FROM (
        SELECT 'row:' || i.product_id || ':' || i.warehouse_id AS name, i.total - i.sold - i.reserved AS free
        FROM inventory i JOIN products p ON p.id = i.product_id AND NOT p.archived
        WHERE (i.product_id, i.warehouse_id) IN (${groupRows})
        UNION ALL
        SELECT q.value->>'counter',
               (q.value->>'limit') - CASE (q.value->>'scope') || '-' || (q.value->>'measure')
                 WHEN 'client-holds' THEN ${ownerHolds("client_key")}
                 WHEN 'client-units' THEN ${ownerUnits("client_key")}
                 WHEN 'address-holds' THEN ${ownerHolds("address_key")}
                 ELSE ${ownerUnits("address_key")} END
        FROM json_each(:commands) AS c, json_each(c.value->'quotas') AS q)
      GROUP BY name),
    sim(seq, counters, fits) AS (
      SELECT -1, (SELECT json_group_object(name, free) FROM counter), 0
      UNION ALL
      SELECT c.seq, CASE WHEN ${fits} THEN json_patch(s.counters, ${taken}) ELSE s.counters END, ${fits}
      FROM sim AS s JOIN command AS c ON c.seq = s.seq + 1)
  INSERT INTO reservations
    (id, status, holder_hash, session_hash, client_key, address_key, created_at, updated_at, expires_at, extension_count)
  SELECT c.id, 'pending', c.token_hash, c.session_hash, c.client_key, c.address_key, c.now, c.now, c.expires_at, 0
  FROM sim AS s JOIN command AS c ON c.seq = s.seq
  WHERE s.fits`;

// Every hold queued together shares one guarded write of a fixed number of
// statements, however many holds there are: the cost of planning SQL is paid
// once per group, not once per hold.
// 1. expire the stale holds on every row the group touches (so their units
//    count), as of the earliest clock in the group, so no caller ever sees a
//    hold expired before its own clock says so;
// 2. decide which holds fit (above);
// 3. everything else happens only for the holds that got a row.
// The text is the same for every group, only the arguments differ, so it is
// put together once: handing it to the writer thread then copies flat
// strings, not freshly concatenated ones.
const sqlOf = (statement: InStatement) => (typeof statement === "string" ? statement : statement.sql);
const reserveSql = {
  ...Object.fromEntries(Object.entries(expireStatements(touchingRows(groupRows), {})).map(([n, s]) => [n, sqlOf(s)])),
  decide,
  reserveUnits: `UPDATE inventory
          SET reserved = inventory.reserved + t.quantity, updated_at = :now
          FROM (SELECT product_id, warehouse_id, sum(quantity) AS quantity
                FROM (${commandLines}) AS cl WHERE ${wasCreated}
                GROUP BY product_id, warehouse_id) AS t
          WHERE inventory.product_id = t.product_id AND inventory.warehouse_id = t.warehouse_id`,
  insertLines: `INSERT INTO reservation_items (reservation_id, product_id, warehouse_id, quantity)
          SELECT reservation_id, product_id, warehouse_id, quantity FROM (${commandLines}) AS cl
          WHERE ${wasCreated}`,
  stockEvents: sqlOf(
    stockChangedEvents(`SELECT product_id, warehouse_id FROM (${commandLines}) AS cl WHERE ${wasCreated}`, "1", {}),
  ),
  createdEvents: sqlOf(reservationEvents("reservation_created", ofThisGroup, {})),
  created: reservationViewSql(ofThisGroup),
};
const reserveSqlEntries = Object.entries(reserveSql);

function toJson(command: ReserveCommand) {
  checkNames(command);
  const units = command.lines.reduce((sum, l) => sum + l.quantity, 0);
  return {
    id: command.id,
    tokenHash: command.tokenHash,
    sessionHash: command.sessionHash,
    clientKey: command.clientKey,
    addressKey: command.addressKey,
    now: command.now,
    expiresAt: command.expiresAt,
    lines: command.lines,
    quotas: command.quotas.map((q) => ({
      counter: quotaCounter(q),
      ...q,
      amount: q.measure === "holds" ? 1 : units,
    })),
  };
}

export const reserveKind: WriteKind<ReserveCommand, ViewRow[] | null> = {
  name: "reserve",
  plan(commands) {
    const args = {
      now: Math.min(...commands.map((c) => c.now)),
      commands: JSON.stringify(commands.map(toJson)),
    };
    return {
      statements: Object.fromEntries(reserveSqlEntries.map(([name, sql]) => [name, { sql, args }])),
      outcomes(results) {
        const created = viewRowsById(results.created);
        return commands.map((c) => created.get(c.id) ?? null);
      },
    };
  },
};
