import type { WriteKind } from "~/utils/db.server";
import { reservationEvents, stockChangedEvents } from "./events.server";
import { expireStatements, touchingRows } from "./expiry.server";
import type { ReservationLine } from "./reservation";
import { reservationViewSql, viewRowsById, type ViewRow } from "./reservation-view.server";

export type ReserveCommand = {
  id: string;
  tokenHash: string;
  sessionHash: string | null;
  now: number;
  expiresAt: number;
  // one line per (product, warehouse): merged by the caller
  lines: ReservationLine[];
};

// The lines of every command in the group, and the rows they touch.
const commandLines = `SELECT c.value->>'id' AS reservation_id, l.value->>'p' AS product_id,
                             l.value->>'w' AS warehouse_id, l.value->>'q' AS quantity
                      FROM json_each(:commands) AS c, json_each(c.value->'l') AS l`;
const groupRows = `SELECT l.value->>'p', l.value->>'w'
                   FROM json_each(:commands) AS c, json_each(c.value->'l') AS l`;
const ofThisGroup = `r.id IN (SELECT value->>'id' FROM json_each(:commands))`;
// ids are new uuids, so a row with one exists only if this group made it
const wasCreated = `EXISTS (SELECT 1 FROM reservations r WHERE r.id = cl.reservation_id)`;

// A line's free units in the simulated state `free`: a JSON object keyed by
// "product:warehouse"; a row that does not exist has -1, so nothing fits.
const freeFor = (line: string) =>
  `coalesce(json_extract(s.free, '$."' || (${line}.value->>'p') || ':' || (${line}.value->>'w') || '"'), -1)`;
const fits = `(SELECT count(*) FROM json_each(c.lines) AS l WHERE ${freeFor("l")} >= l.value->>'q')
              = json_array_length(c.lines)`;
const taken = `(SELECT json_group_object((l.value->>'p') || ':' || (l.value->>'w'), ${freeFor("l")} - (l.value->>'q'))
                FROM json_each(c.lines) AS l)`;

// The decision for the whole group, made by the database inside the write:
// the commands are taken in the order they were queued, each one all or
// nothing against the units the earlier ones left, exactly as if each had
// its own transaction. Only the commands that fit get a reservation row.
const decide = `
  WITH RECURSIVE
    cmd(seq, id, token_hash, session_hash, now, expires_at, lines) AS MATERIALIZED (
      SELECT key, value->>'id', value->>'t', value->>'s', value->>'n', value->>'e', value->'l'
      FROM json_each(:commands)),
    sim(seq, free, fits) AS (
      SELECT -1,
             (SELECT json_group_object(i.product_id || ':' || i.warehouse_id, i.total - i.sold - i.reserved)
              FROM inventory i WHERE (i.product_id, i.warehouse_id) IN (${groupRows})),
             0
      UNION ALL
      SELECT c.seq, CASE WHEN ${fits} THEN json_patch(s.free, ${taken}) ELSE s.free END, ${fits}
      FROM sim AS s JOIN cmd AS c ON c.seq = s.seq + 1)
  INSERT INTO reservations
    (id, status, holder_hash, session_hash, created_at, updated_at, expires_at, extension_count)
  SELECT c.id, 'pending', c.token_hash, c.session_hash, c.now, c.now, c.expires_at, 0
  FROM sim AS s JOIN cmd AS c ON c.seq = s.seq
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
const reserveSql = [
  ...expireStatements(touchingRows(groupRows), {}),
  { sql: decide },
  {
    sql: `UPDATE inventory
          SET reserved = inventory.reserved + t.quantity, updated_at = :now
          FROM (SELECT product_id, warehouse_id, sum(quantity) AS quantity
                FROM (${commandLines}) AS cl WHERE ${wasCreated}
                GROUP BY product_id, warehouse_id) AS t
          WHERE inventory.product_id = t.product_id AND inventory.warehouse_id = t.warehouse_id`,
  },
  {
    sql: `INSERT INTO reservation_items (reservation_id, product_id, warehouse_id, quantity)
          SELECT reservation_id, product_id, warehouse_id, quantity FROM (${commandLines}) AS cl
          WHERE ${wasCreated}`,
  },
  stockChangedEvents(`SELECT product_id, warehouse_id FROM (${commandLines}) AS cl WHERE ${wasCreated}`, "1", {}),
  reservationEvents("reservation_created", ofThisGroup, {}),
  { sql: reservationViewSql(ofThisGroup) },
].map((statement) => (typeof statement === "string" ? statement : statement.sql));

export const reserveKind: WriteKind<ReserveCommand, ViewRow[] | null> = {
  name: "reserve",
  plan(commands) {
    const args = {
      now: Math.min(...commands.map((c) => c.now)),
      commands: JSON.stringify(
        commands.map((c) => ({
          id: c.id,
          t: c.tokenHash,
          s: c.sessionHash,
          n: c.now,
          e: c.expiresAt,
          l: c.lines.map((l) => ({ p: l.productId, w: l.warehouseId, q: l.quantity })),
        })),
      ),
    };
    return {
      statements: reserveSql.map((sql) => ({ sql, args })),
      outcomes(results) {
        const created = viewRowsById(results[results.length - 1]);
        return commands.map((c) => created.get(c.id) ?? null);
      },
    };
  },
};
