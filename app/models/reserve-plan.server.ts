import type { InStatement } from "@libsql/client";
import type { WriteKind } from "~/infra/db/db.server";
import { reservationEvents, stockChangedEvents } from "./events.server";
import { expireStatements, touchingRows } from "./expiry.server";
import { ID_PATTERN, type ReservationLine } from "./reservation";
import { reservationViewSql, viewRowsById, type ViewRow } from "./reservation-view.server";

// A cap the hold must fit: `owner` (a client, address or customer key) may
// have at most `limit` pending holds, or pending units, at once.
export type Quota = {
  scope: "client" | "address" | "customer";
  measure: "holds" | "units";
  owner: string;
  limit: number;
};

export type ReserveCommand = {
  id: string;
  tokenHash: string;
  sessionHash: string | null;
  clientKey: string;
  addressKey: string;
  // the customer, for the per-customer limits (null: anonymous, which a
  // drop's product or one with a per-customer limit refuses)
  customerKey: string | null;
  // the integrator key whose customer it is
  apiKeyId: string | null;
  // the customer's name for a drop's top purchasers, stored if the hold is made
  displayName: string | null;
  now: number;
  // the server's hold length; a drop's product shortens the hold to the
  // drop's length and gives it the drop's extensions
  ttlMs: number;
  // one line per (product, warehouse): merged by the caller
  lines: ReservationLine[];
  quotas: Quota[];
  // a hold of the shopper's cart (cart-hold.server.ts): made only if the
  // cart is still at `revision`, and then the cart keeps only `rest`
  cart: CartTake | null;
};

export type CartTake = { sessionHash: string; revision: number; rest: ReservationLine[] };

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
    (command.cart === null || hexKey.test(command.cart.sessionHash)) &&
    (command.customerKey === null || hexKey.test(command.customerKey)) &&
    command.quotas.every((q) => hexKey.test(q.owner));
  if (!ok) throw new Error("reserve: an id or key that is not safe to name a counter");
}

// What one command's JSON looks like in :commands, for the SQL below. Two
// lines of one hold by an anonymous client, with a cap of 10 holds:
//   { "id": "0193…", "tokenHash": "9f…", "sessionHash": null,
//     "clientKey": "c4…", "addressKey": "c4…", "customerKey": null, "apiKeyId": null, "displayName": null,
//     "now": 1000, "ttlMs": 600000,
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
// the carts whose hold this group made, and the lines each keeps
const heldCarts = `SELECT c.value->>'cartSession' AS session_hash, c.value->'cartRest' AS rest FROM json_each(:commands) AS c
                   WHERE c.value->>'cartSession' IS NOT NULL
                     AND EXISTS (SELECT 1 FROM reservations r WHERE r.id = c.value->>'id')`;
const cartRest = `SELECT h.session_hash, l.value->>'productId' AS product_id, l.value->>'warehouseId' AS warehouse_id,
                         l.value->>'quantity' AS quantity
                  FROM (${heldCarts}) AS h, json_each(h.rest) AS l`;

// Pending, live holds of a quota's owner, and their units.
const ownerHolds = (column: "client_key" | "address_key" | "customer_key") =>
  `(SELECT count(*) FROM reservations r
    WHERE r.${column} = q.value->>'owner' AND r.status = 'pending' AND r.expires_at > :now)`;
const ownerUnits = (column: "client_key" | "address_key") =>
  `(SELECT coalesce(sum(ri.quantity), 0) FROM reservations r CROSS JOIN reservation_items ri
    WHERE r.${column} = q.value->>'owner' AND r.status = 'pending' AND r.expires_at > :now
      AND ri.reservation_id = r.id)`;

// What a command needs: each line, units of its row; each quota, its
// amount. Rows and quotas alike become (counter, amount) pairs.
// A customer's units of a product with a per-customer limit are a counter
// too ("customer-product:<customer>:<product>"), and so is a cart: one unit,
// so two holds of one cart queued together make one hold ("cart:<session>").
const needsOf = (command: string) =>
  `SELECT 'row:' || (l.value->>'productId') || ':' || (l.value->>'warehouseId') AS counter,
          l.value->>'quantity' AS amount
   FROM json_each(${command}.lines) AS l
   UNION ALL
   SELECT q.value->>'counter', q.value->>'amount' FROM json_each(${command}.quotas) AS q
   UNION ALL
   SELECT 'customer-product:' || ${command}.customer_key || ':' || g.product_id, sum(l.value->>'quantity')
   FROM json_each(${command}.lines) AS l JOIN governed AS g ON g.product_id = l.value->>'productId'
   WHERE g.per_customer IS NOT NULL AND ${command}.customer_key IS NOT NULL
   GROUP BY g.product_id
   UNION ALL
   SELECT 'cart:' || ${command}.cart_session, 1 WHERE ${command}.cart_session IS NOT NULL`;

// A counter's value in the simulated state `s.counters` (a JSON object); one
// that does not exist (a row nobody stocks) is -1, so nothing fits it.
const counterValue = `coalesce(json_extract(s.counters, '$."' || n.counter || '"'), -1)`;
const fits = `c.admitted AND NOT EXISTS (SELECT 1 FROM (${needsOf("c")}) AS n WHERE ${counterValue} < n.amount)`;

// The group's products and what governs them: the drop they are in (the
// one that has not ended, else the last that did) and the units one
// customer may have of them (the drop's limit, else the product's own).
const governed = `
    governed(product_id, drop_id, starts_at, ends_at, hold_ttl_ms, extensions, per_customer) AS MATERIALIZED (
      SELECT p.id, d.id, d.starts_at, d.ends_at, d.hold_ttl_seconds * 1000, d.extensions,
             coalesce(d.max_per_customer, nullif(p.max_per_customer, 0))
      FROM products p
      LEFT JOIN drops d ON d.id = (
        SELECT dp.drop_id FROM drop_products dp JOIN drops x ON x.id = dp.drop_id
        WHERE dp.product_id = p.id
        ORDER BY x.ends_at IS NOT NULL AND x.ends_at <= :now, x.starts_at DESC LIMIT 1)
      WHERE p.id IN (SELECT l.value->>'productId' FROM json_each(:commands) AS c, json_each(c.value->'lines') AS l))`;

// Whether a command may be held at all at its own clock: every drop line's
// window is open (from starts_at, up to but not at ends_at), a line with a
// per-customer limit has a customer, and a cart's hold finds the cart as it
// was read.
const admitted = (command: string) =>
  `NOT EXISTS (SELECT 1 FROM json_each(${command}.value->'lines') AS l
               JOIN governed AS g ON g.product_id = l.value->>'productId'
               WHERE (g.drop_id IS NOT NULL AND (${command}.value->>'now' < g.starts_at
                                                 OR ${command}.value->>'now' >= coalesce(g.ends_at, ${command}.value->>'now' + 1)))
                  OR (g.per_customer IS NOT NULL AND ${command}.value->>'customerKey' IS NULL))
   AND (${command}.value->>'cartSession' IS NULL
        OR EXISTS (SELECT 1 FROM carts k WHERE k.session_hash = ${command}.value->>'cartSession'
                                         AND k.revision = ${command}.value->>'cartRevision'))`;

// A hold with drop lines lasts its drops' length, the shortest of them,
// or the server's if it also has ordinary lines and that is shorter; it
// gets the fewest extensions of its drops, and keeps those terms. A hold
// without drop lines keeps none (null): it has the server's terms.
const linesGoverned = `FROM json_each(c.lines) AS l JOIN governed AS g ON g.product_id = l.value->>'productId'`;
const dropTtl = `CASE WHEN EXISTS (SELECT 1 ${linesGoverned} WHERE g.drop_id IS NOT NULL)
                   THEN (SELECT min(coalesce(g.hold_ttl_ms, c.ttl_ms)) ${linesGoverned}) END`;
const dropExtensions = `(SELECT min(g.extensions) ${linesGoverned} WHERE g.drop_id IS NOT NULL)`;
const taken = `(SELECT json_group_object(n.counter, ${counterValue} - n.amount) FROM (${needsOf("c")}) AS n)`;

// The decision for the whole group, made by the database inside the write:
// the commands are taken in the order they were queued, each one all or
// nothing against the counters the earlier ones left (free units of each
// row, and what each client may still take), exactly as if each had its own
// transaction. Only the commands that fit get a reservation row.
const decide = `
  WITH RECURSIVE ${governed},
    command(seq, id, token_hash, session_hash, client_key, address_key, customer_key, api_key_id, now, ttl_ms,
            lines, quotas, cart_session, admitted) AS MATERIALIZED (
      SELECT key, value->>'id', value->>'tokenHash', value->>'sessionHash', value->>'clientKey',
             value->>'addressKey', value->>'customerKey', value->>'apiKeyId', value->>'now', value->>'ttlMs',
             value->'lines', value->'quotas', value->>'cartSession', ${admitted("c")}
      FROM json_each(:commands) AS c),
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
                 WHEN 'customer-holds' THEN ${ownerHolds("customer_key")}
                 ELSE ${ownerUnits("address_key")} END
        FROM json_each(:commands) AS c, json_each(c.value->'quotas') AS q
        UNION ALL
        -- what each customer may still have of a product with a limit:
        -- its units in pending and paid holds count
        SELECT 'customer-product:' || o.customer_key || ':' || g.product_id,
               g.per_customer - (SELECT coalesce(sum(ri.quantity), 0)
                                 FROM reservations r CROSS JOIN reservation_items ri
                                 WHERE r.customer_key = o.customer_key AND ri.reservation_id = r.id
                                   AND ri.product_id = g.product_id
                                   AND (r.status = 'confirmed' OR (r.status = 'pending' AND r.expires_at > :now)))
        FROM (SELECT DISTINCT c.value->>'customerKey' AS customer_key, l.value->>'productId' AS product_id
              FROM json_each(:commands) AS c, json_each(c.value->'lines') AS l
              WHERE c.value->>'customerKey' IS NOT NULL) AS o
        JOIN governed AS g ON g.product_id = o.product_id AND g.per_customer IS NOT NULL
        UNION ALL
        SELECT 'cart:' || (c.value->>'cartSession'), 1 FROM json_each(:commands) AS c
        WHERE c.value->>'cartSession' IS NOT NULL)
      GROUP BY name),
    sim(seq, counters, fits) AS (
      SELECT -1, (SELECT json_group_object(name, free) FROM counter), 0
      UNION ALL
      SELECT c.seq, CASE WHEN ${fits} THEN json_patch(s.counters, ${taken}) ELSE s.counters END, ${fits}
      FROM sim AS s JOIN command AS c ON c.seq = s.seq + 1)
  INSERT INTO reservations
    (id, status, holder_hash, session_hash, client_key, address_key, customer_key, api_key_id,
     created_at, updated_at, expires_at, extension_count, ttl_ms, max_extensions)
  SELECT c.id, 'pending', c.token_hash, c.session_hash, c.client_key, c.address_key, c.customer_key, c.api_key_id,
         c.now, c.now, c.now + coalesce(${dropTtl}, c.ttl_ms), 0, ${dropTtl}, ${dropExtensions}
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
  // a display name given with a hold is the customer's from then on
  displayNames: `INSERT INTO customers (key, display_name, updated_at)
          SELECT c.value->>'customerKey', c.value->>'displayName', c.value->>'now' FROM json_each(:commands) AS c
          WHERE c.value->>'customerKey' IS NOT NULL AND c.value->>'displayName' IS NOT NULL
            AND EXISTS (SELECT 1 FROM reservations r WHERE r.id = c.value->>'id')
          ON CONFLICT (key) DO UPDATE SET display_name = excluded.display_name, updated_at = excluded.updated_at`,
  created: reservationViewSql(ofThisGroup),
};
// A cart's hold also takes its lines out of the cart (what is left is
// `rest`). Only a group with such a hold runs these: the shop's other holds
// and every API hold skip three statements.
const cartSql = {
  cartRest: `UPDATE cart_lines SET quantity = k.quantity
          FROM (${cartRest}) AS k
          WHERE cart_lines.session_hash = k.session_hash AND cart_lines.product_id = k.product_id
            AND cart_lines.warehouse_id = k.warehouse_id`,
  cartTaken: `DELETE FROM cart_lines
          WHERE session_hash IN (SELECT session_hash FROM (${heldCarts}))
            AND (session_hash, product_id, warehouse_id) NOT IN (SELECT session_hash, product_id, warehouse_id
                                                                 FROM (${cartRest}))`,
  cartRevision: `UPDATE carts SET revision = revision + 1, updated_at = :now
          WHERE session_hash IN (SELECT session_hash FROM (${heldCarts}))`,
};
const reserveSqlEntries = Object.entries(reserveSql);
const reserveWithCartSqlEntries = Object.entries({ ...reserveSql, ...cartSql });

function toJson(command: ReserveCommand) {
  checkNames(command);
  const units = command.lines.reduce((sum, l) => sum + l.quantity, 0);
  return {
    id: command.id,
    tokenHash: command.tokenHash,
    sessionHash: command.sessionHash,
    clientKey: command.clientKey,
    addressKey: command.addressKey,
    customerKey: command.customerKey,
    apiKeyId: command.apiKeyId,
    displayName: command.displayName,
    now: command.now,
    ttlMs: command.ttlMs,
    lines: command.lines,
    cartSession: command.cart?.sessionHash ?? null,
    cartRevision: command.cart?.revision ?? null,
    cartRest: command.cart?.rest ?? [],
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
      statements: Object.fromEntries(
        (commands.some((c) => c.cart !== null) ? reserveWithCartSqlEntries : reserveSqlEntries).map(([name, sql]) => [
          name,
          { sql, args },
        ]),
      ),
      outcomes(results) {
        const created = viewRowsById(results.created);
        return commands.map((c) => created.get(c.id) ?? null);
      },
    };
  },
};
