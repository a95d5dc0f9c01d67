import type { InStatement, InValue } from "@libsql/client";
import type { NamedStatements, WriteKind } from "~/infra/db/db.server";
import { newHoldEvents, stockChangedEvents } from "./events.server";
import { expireStatements, touchingRows } from "./expiry.server";
import { ID_PATTERN, type ReservationLine } from "./reservation";
import { viewRowsByHold, type ViewRow } from "./reservation-view.server";

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

// The group's commands go into tables of this connection's own (TEMP: no
// other connection sees them, nothing reaches the database file), one row
// per command, line, quota and line a cart keeps, written with bound values
// by a few multi-row INSERTs. Every statement of the plan then joins
// those tables by their keys. The group used to be one JSON text that each
// statement took apart again, and reading a field of a command's JSON cost
// about a microsecond: for one group of 64 holds on spread rows, measured
// statement by statement, the plan's SQL took 8.9 ms (the decision 4.3 ms)
// and takes 2.8 ms (0.5 ms) this way.
// A command's `held` is set by the decision, with the terms its hold keeps
// (`hold_ttl_ms`, `max_extensions`: a drop's, else null), and every later
// statement acts only for the commands that have it.
const tempTables = {
  commands: `CREATE TEMP TABLE IF NOT EXISTS reserve_command (
      seq INTEGER PRIMARY KEY, id TEXT NOT NULL, token_hash TEXT NOT NULL, session_hash TEXT,
      client_key TEXT NOT NULL, address_key TEXT NOT NULL, customer_key TEXT, api_key_id TEXT, display_name TEXT,
      now INTEGER NOT NULL, ttl_ms INTEGER NOT NULL, cart_session TEXT, cart_revision INTEGER,
      held INTEGER NOT NULL DEFAULT 0, hold_ttl_ms INTEGER, max_extensions INTEGER)`,
  lines: `CREATE TEMP TABLE IF NOT EXISTS reserve_line (
      seq INTEGER NOT NULL, product_id TEXT NOT NULL, warehouse_id TEXT NOT NULL, quantity INTEGER NOT NULL,
      PRIMARY KEY (seq, product_id, warehouse_id))`,
  quotas: `CREATE TEMP TABLE IF NOT EXISTS reserve_quota (
      seq INTEGER NOT NULL, counter TEXT NOT NULL, scope TEXT NOT NULL, measure TEXT NOT NULL, owner TEXT NOT NULL,
      max_pending INTEGER NOT NULL, amount INTEGER NOT NULL)`,
  cartRest: `CREATE TEMP TABLE IF NOT EXISTS reserve_cart_rest (
      seq INTEGER NOT NULL, product_id TEXT NOT NULL, warehouse_id TEXT NOT NULL, quantity INTEGER NOT NULL)`,
};
const tempColumns = {
  commands: `reserve_command (seq, id, token_hash, session_hash, client_key, address_key, customer_key, api_key_id,
                              display_name, now, ttl_ms, cart_session, cart_revision)`,
  lines: "reserve_line (seq, product_id, warehouse_id, quantity)",
  quotas: "reserve_quota (seq, counter, scope, measure, owner, max_pending, amount)",
  cartRest: "reserve_cart_rest (seq, product_id, warehouse_id, quantity)",
};
type TempTable = keyof typeof tempColumns;
const tempNames = Object.keys(tempColumns) as TempTable[];
const columnCount = (table: TempTable) => tempColumns[table].split(",").length;

// An INSERT of `rows` rows into a temp table. Its text depends only on the
// count, and the counts used are powers of two up to 64 (a group of 100
// lines is 64 + 32 + 4), so the writer prepares a handful of texts once.
const MAX_ROWS_PER_INSERT = 64;
const insertTexts = new Map<string, string>();
function insertSql(table: TempTable, rows: number) {
  const key = `${table}:${rows}`;
  let sql = insertTexts.get(key);
  if (!sql) {
    const row = `(${Array.from({ length: columnCount(table) }, () => "?").join(", ")})`;
    sql = `INSERT INTO temp.${tempColumns[table]} VALUES ${Array.from({ length: rows }, () => row).join(", ")}`;
    insertTexts.set(key, sql);
  }
  return sql;
}
function insertStatements(table: TempTable, rows: InValue[][]): NamedStatements {
  const statements: NamedStatements = {};
  let at = 0;
  while (at < rows.length) {
    let size = MAX_ROWS_PER_INSERT;
    while (size > rows.length - at) size /= 2;
    statements[`fill.${table}.${at}`] = { sql: insertSql(table, size), args: rows.slice(at, at + size).flat() };
    at += size;
  }
  return statements;
}

// The group's tables, filled. The tables are emptied first: what an earlier
// group left (committed or rolled back) is never read as this one's.
function fillStatements(commands: ReserveCommand[]): NamedStatements {
  const rows: Record<TempTable, InValue[][]> = { commands: [], lines: [], quotas: [], cartRest: [] };
  commands.forEach((command, seq) => {
    checkNames(command);
    rows.commands.push([
      seq,
      command.id,
      command.tokenHash,
      command.sessionHash,
      command.clientKey,
      command.addressKey,
      command.customerKey,
      command.apiKeyId,
      command.displayName,
      command.now,
      command.ttlMs,
      command.cart?.sessionHash ?? null,
      command.cart?.revision ?? null,
    ]);
    for (const l of command.lines) rows.lines.push([seq, l.productId, l.warehouseId, l.quantity]);
    const units = command.lines.reduce((sum, l) => sum + l.quantity, 0);
    for (const q of command.quotas) {
      rows.quotas.push([seq, quotaCounter(q), q.scope, q.measure, q.owner, q.limit, q.measure === "holds" ? 1 : units]);
    }
    for (const l of command.cart?.rest ?? []) rows.cartRest.push([seq, l.productId, l.warehouseId, l.quantity]);
  });
  const statements: NamedStatements = {};
  for (const table of tempNames) {
    statements[`create.${table}`] = tempTables[table];
    statements[`clear.${table}`] = `DELETE FROM temp.${tempColumns[table].split(" ")[0]}`;
  }
  for (const table of tempNames) Object.assign(statements, insertStatements(table, rows[table]));
  return statements;
}

// Two lines of one hold by an anonymous client, with a cap of 10 holds:
//   reserve_command  (0, '0193…', '9f…', NULL, 'c4…', 'c4…', NULL, NULL, NULL, 1000, 600000, NULL, NULL)
//   reserve_line     (0, 'lamp', 'blr-01', 2), (0, 'rug', 'del-01', 1)
//   reserve_quota    (0, 'client-holds:c4…', 'client', 'holds', 'c4…', 10, 1)
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

// The rows the group touches, and the commands it held.
const groupRows = `SELECT product_id, warehouse_id FROM temp.reserve_line`;
const heldLines = `temp.reserve_line AS l JOIN temp.reserve_command AS c ON c.seq = l.seq AND c.held`;
const expiresAt = `c.now + coalesce(c.hold_ttl_ms, c.ttl_ms)`;

// A new hold's line as the callers are shown it: where each field of its
// ViewRow comes from, in the order of the line's JSON array (a position
// for each field rather than its name: see `created`). Every new hold has
// the same fixed fields; the type makes a field ViewRow gains a compile
// error here until it is given a source or a fixed value.
type FixedField = "status" | "extension_count" | "released_by_shop" | "updated_at";
const createdLine = Object.entries({
  id: "c.id",
  created_at: "c.now",
  expires_at: expiresAt,
  ttl_ms: "c.hold_ttl_ms",
  max_extensions: "c.max_extensions",
  product_id: "l.product_id",
  warehouse_id: "l.warehouse_id",
  quantity: "l.quantity",
  product_name: "p.name",
  warehouse_name: "w.name",
  price_cents: "p.price_cents",
  currency: "p.currency",
  image_url: "p.image_url",
} satisfies Record<Exclude<keyof ViewRow, FixedField>, string>);

function newViewRow(values: unknown[]): ViewRow {
  const row: Record<string, unknown> = {};
  createdLine.forEach(([field], i) => (row[field] = values[i]));
  const fixed: Record<FixedField, unknown> = {
    status: "pending",
    extension_count: 0,
    released_by_shop: null,
    updated_at: row.created_at,
  };
  return Object.assign(row, fixed) as ViewRow;
}

// Pending, live holds of a quota's owner, and their units.
const ownerHolds = (column: "client_key" | "address_key" | "customer_key") =>
  `(SELECT count(*) FROM reservations r
    WHERE r.${column} = q.owner AND r.status = 'pending' AND r.expires_at > :now)`;
const ownerUnits = (column: "client_key" | "address_key") =>
  `(SELECT coalesce(sum(ri.quantity), 0) FROM reservations r CROSS JOIN reservation_items ri
    WHERE r.${column} = q.owner AND r.status = 'pending' AND r.expires_at > :now
      AND ri.reservation_id = r.id)`;

// A counter's value in the simulated state `s.counters` (a JSON object); one
// that does not exist (a row nobody stocks) is -1, so nothing fits it.
const counterValue = `coalesce(json_extract(s.counters, '$."' || n.counter || '"'), -1)`;
const fits = `c.admitted AND NOT EXISTS (SELECT 1 FROM need AS n WHERE n.seq = c.seq AND ${counterValue} < n.amount)`;
const taken = `(SELECT json_group_object(n.counter, ${counterValue} - n.amount) FROM need AS n WHERE n.seq = c.seq)`;

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
      WHERE p.id IN (SELECT product_id FROM temp.reserve_line))`;

// Whether a command may be held at all at its own clock: every drop line's
// window is open (from starts_at, up to but not at ends_at), a line with a
// per-customer limit has a customer, and a cart's hold finds the cart as it
// was read.
const admitted = `NOT EXISTS (SELECT 1 FROM temp.reserve_line AS l JOIN governed AS g ON g.product_id = l.product_id
               WHERE l.seq = c.seq
                 AND ((g.drop_id IS NOT NULL AND (c.now < g.starts_at OR c.now >= coalesce(g.ends_at, c.now + 1)))
                      OR (g.per_customer IS NOT NULL AND c.customer_key IS NULL)))
   AND (c.cart_session IS NULL
        OR EXISTS (SELECT 1 FROM carts k WHERE k.session_hash = c.cart_session AND k.revision = c.cart_revision))`;

// A hold with drop lines lasts its drops' length, the shortest of them,
// or the server's if it also has ordinary lines and that is shorter; it
// gets the fewest extensions of its drops, and keeps those terms. A hold
// without drop lines keeps none (null): it has the server's terms.
const linesGoverned = `FROM temp.reserve_line AS l JOIN governed AS g ON g.product_id = l.product_id WHERE l.seq = c.seq`;
const dropTtl = `CASE WHEN EXISTS (SELECT 1 ${linesGoverned} AND g.drop_id IS NOT NULL)
                   THEN (SELECT min(coalesce(g.hold_ttl_ms, c.ttl_ms)) ${linesGoverned}) END`;
const dropExtensions = `(SELECT min(g.extensions) ${linesGoverned} AND g.drop_id IS NOT NULL)`;

// The decision for the whole group, made by the database inside the write:
// the commands are taken in the order they were queued, each one all or
// nothing against the counters the earlier ones left (free units of each
// row, and what each client may still take), exactly as if each had its own
// transaction. Only the commands that fit are marked `held`.
// What a command needs: each line, units of its row; each quota, its
// amount. Rows and quotas alike become (counter, amount) pairs.
// A customer's units of a product with a per-customer limit are a counter
// too ("customer-product:<customer>:<product>"), and so is a cart: one unit,
// so two holds of one cart queued together make one hold ("cart:<session>").
const decide = `
  WITH RECURSIVE ${governed},
    command(seq, admitted) AS MATERIALIZED (SELECT c.seq, ${admitted} FROM temp.reserve_command AS c),
    -- one value per name: a quota named by several commands of the group
    -- counts once (the strictest, should their limits ever differ); an
    -- archived product's rows get none, so no new hold fits them
    counter(name, free) AS MATERIALIZED (
      SELECT name, min(free) FROM (
        SELECT 'row:' || i.product_id || ':' || i.warehouse_id AS name, i.total - i.sold - i.reserved AS free
        FROM inventory i JOIN products p ON p.id = i.product_id AND NOT p.archived
        WHERE (i.product_id, i.warehouse_id) IN (${groupRows})
        UNION ALL
        SELECT q.counter,
               q.max_pending - CASE q.scope || '-' || q.measure
                 WHEN 'client-holds' THEN ${ownerHolds("client_key")}
                 WHEN 'client-units' THEN ${ownerUnits("client_key")}
                 WHEN 'address-holds' THEN ${ownerHolds("address_key")}
                 WHEN 'customer-holds' THEN ${ownerHolds("customer_key")}
                 ELSE ${ownerUnits("address_key")} END
        FROM temp.reserve_quota AS q
        UNION ALL
        -- what each customer may still have of a product with a limit:
        -- its units in pending and paid holds count
        SELECT 'customer-product:' || o.customer_key || ':' || g.product_id,
               g.per_customer - (SELECT coalesce(sum(ri.quantity), 0)
                                 FROM reservations r CROSS JOIN reservation_items ri
                                 WHERE r.customer_key = o.customer_key AND ri.reservation_id = r.id
                                   AND ri.product_id = g.product_id
                                   AND (r.status = 'confirmed' OR (r.status = 'pending' AND r.expires_at > :now)))
        FROM (SELECT DISTINCT c.customer_key, l.product_id
              FROM temp.reserve_command AS c JOIN temp.reserve_line AS l ON l.seq = c.seq
              WHERE c.customer_key IS NOT NULL) AS o
        JOIN governed AS g ON g.product_id = o.product_id AND g.per_customer IS NOT NULL
        UNION ALL
        SELECT 'cart:' || c.cart_session, 1 FROM temp.reserve_command AS c WHERE c.cart_session IS NOT NULL)
      GROUP BY name),
    need(seq, counter, amount) AS MATERIALIZED (
      SELECT l.seq, 'row:' || l.product_id || ':' || l.warehouse_id, l.quantity FROM temp.reserve_line AS l
      UNION ALL
      SELECT q.seq, q.counter, q.amount FROM temp.reserve_quota AS q
      UNION ALL
      SELECT c.seq, 'customer-product:' || c.customer_key || ':' || g.product_id, sum(l.quantity)
      FROM temp.reserve_command AS c JOIN temp.reserve_line AS l ON l.seq = c.seq
      JOIN governed AS g ON g.product_id = l.product_id
      WHERE g.per_customer IS NOT NULL AND c.customer_key IS NOT NULL
      GROUP BY c.seq, g.product_id
      UNION ALL
      SELECT c.seq, 'cart:' || c.cart_session, 1 FROM temp.reserve_command AS c WHERE c.cart_session IS NOT NULL),
    -- room for every admitted command at once (the usual case): then each
    -- fits whatever came before it, since every amount is positive and no
    -- part of the queue needs more than all of it, and the walk below,
    -- whose cost grows with the group's distinct counters, is skipped
    roomy(ok) AS MATERIALIZED (
      SELECT coalesce((SELECT min(amount) FROM need), 1) > 0
         AND NOT EXISTS (SELECT 1 FROM (SELECT n.counter, sum(n.amount) AS total
                                        FROM need AS n JOIN command AS c ON c.seq = n.seq AND c.admitted
                                        GROUP BY n.counter) AS n
                         LEFT JOIN counter AS k ON k.name = n.counter
                         WHERE coalesce(k.free, -1) < n.total)),
    -- whether any product of the group is in a drop: without one, no
    -- command has a drop's terms to look for
    dropped(found) AS MATERIALIZED (SELECT EXISTS (SELECT 1 FROM governed AS g WHERE g.drop_id IS NOT NULL)),
    sim(seq, counters, fits) AS (
      SELECT -1, (SELECT json_group_object(name, free) FROM counter), 0 WHERE NOT (SELECT ok FROM roomy)
      UNION ALL
      SELECT c.seq, CASE WHEN ${fits} THEN json_patch(s.counters, ${taken}) ELSE s.counters END, ${fits}
      FROM sim AS s JOIN command AS c ON c.seq = s.seq + 1)
  UPDATE temp.reserve_command AS c
  SET held = 1,
      hold_ttl_ms = CASE WHEN (SELECT found FROM dropped) THEN ${dropTtl} END,
      max_extensions = CASE WHEN (SELECT found FROM dropped) THEN ${dropExtensions} END
  WHERE c.seq IN (SELECT m.seq FROM command AS m
                  WHERE m.admitted
                    AND ((SELECT ok FROM roomy) OR EXISTS (SELECT 1 FROM sim AS s WHERE s.seq = m.seq AND s.fits)))`;

// Every hold queued together shares one guarded write of a fixed number of
// statements, however many holds there are: the cost of planning SQL is paid
// once per group, not once per hold.
// 1. expire the stale holds on every row the group touches (so their units
//    count), as of the earliest clock in the group, so no caller ever sees a
//    hold expired before its own clock says so;
// 2. decide which holds fit (above);
// 3. everything else happens only for the holds that got a row.
const sqlOf = (statement: InStatement) => (typeof statement === "string" ? statement : statement.sql);
const sqlTexts = (statements: NamedStatements) =>
  Object.fromEntries(Object.entries(statements).map(([name, statement]) => [name, sqlOf(statement)]));
const reserveSql = {
  ...sqlTexts(expireStatements(touchingRows(groupRows), {})),
  decide,
  insertHolds: `INSERT INTO reservations
            (id, status, holder_hash, session_hash, client_key, address_key, customer_key, api_key_id,
             created_at, updated_at, expires_at, extension_count, ttl_ms, max_extensions)
          SELECT c.id, 'pending', c.token_hash, c.session_hash, c.client_key, c.address_key, c.customer_key,
                 c.api_key_id, c.now, c.now, ${expiresAt}, 0, c.hold_ttl_ms, c.max_extensions
          FROM temp.reserve_command AS c WHERE c.held ORDER BY c.seq`,
  reserveUnits: `UPDATE inventory
          SET reserved = inventory.reserved + t.quantity, updated_at = :now
          FROM (SELECT l.product_id, l.warehouse_id, sum(l.quantity) AS quantity FROM ${heldLines}
                GROUP BY l.product_id, l.warehouse_id) AS t
          WHERE inventory.product_id = t.product_id AND inventory.warehouse_id = t.warehouse_id`,
  insertLines: `INSERT INTO reservation_items (reservation_id, product_id, warehouse_id, quantity)
          SELECT c.id, l.product_id, l.warehouse_id, l.quantity FROM ${heldLines} ORDER BY c.seq`,
  ...sqlTexts(stockChangedEvents("stockEvents", `SELECT l.product_id, l.warehouse_id FROM ${heldLines}`, "1", {})),
  createdEvents: sqlOf(
    newHoldEvents(
      {
        holds: "temp.reserve_command AS c WHERE c.held ORDER BY c.seq",
        expiresAt,
        lines: "temp.reserve_line AS l WHERE l.seq = c.seq",
      },
      {},
    ),
  ),
  // a display name given with a hold is the customer's from then on
  displayNames: `INSERT INTO customers (key, display_name, updated_at)
          SELECT c.customer_key, c.display_name, c.now FROM temp.reserve_command AS c
          WHERE c.customer_key IS NOT NULL AND c.display_name IS NOT NULL AND c.held
          ORDER BY c.seq
          ON CONFLICT (key) DO UPDATE SET display_name = excluded.display_name, updated_at = excluded.updated_at`,
  // what the callers are shown of their new holds: the rows
  // reservationViewSql (reservation-view.server.ts) reads of them, taken
  // from what the holds were made of rather than by looking each one up
  // again, and sent as one JSON text of one array a line (createdLine)
  // rather than a few hundred values: a group of 64 holds took 0.65–0.73 ms
  // of the writer's time with a lookup, 0.41–0.44 ms with an object a line;
  // a group of 256, 1.95–2.23 ms with an object a line, 0.56–0.85 ms with an
  // array. A column that reservationViewSql gains is added to createdLine
  // too (tests/integration/reserve-outcome.test.ts holds the two equal).
  created: `SELECT json_group_array(json_array(${createdLine.map(([, sql]) => sql).join(", ")})
                   ORDER BY c.seq, p.name, w.name, l.product_id, l.warehouse_id) AS rows
          FROM ${heldLines}
          JOIN products p ON p.id = l.product_id
          JOIN warehouses w ON w.id = l.warehouse_id`,
};
// A cart's hold also takes its lines out of the cart (what is left is
// `rest`). Only a group with such a hold runs these: the shop's other holds
// and every API hold skip three statements.
const heldCarts = `SELECT c.cart_session FROM temp.reserve_command AS c WHERE c.cart_session IS NOT NULL AND c.held`;
const cartRest = `SELECT c.cart_session AS session_hash, k.product_id, k.warehouse_id, k.quantity
                  FROM temp.reserve_cart_rest AS k JOIN temp.reserve_command AS c ON c.seq = k.seq AND c.held`;
const cartSql = {
  cartRest: `UPDATE cart_lines SET quantity = k.quantity
          FROM (${cartRest}) AS k
          WHERE cart_lines.session_hash = k.session_hash AND cart_lines.product_id = k.product_id
            AND cart_lines.warehouse_id = k.warehouse_id`,
  cartTaken: `DELETE FROM cart_lines
          WHERE session_hash IN (${heldCarts})
            AND (session_hash, product_id, warehouse_id) NOT IN (SELECT session_hash, product_id, warehouse_id
                                                                 FROM (${cartRest}))`,
  cartRevision: `UPDATE carts SET revision = revision + 1, updated_at = :now WHERE session_hash IN (${heldCarts})`,
};
const reserveSqlEntries = Object.entries(reserveSql);
const reserveWithCartSqlEntries = Object.entries({ ...reserveSql, ...cartSql });

export const reserveKind: WriteKind<ReserveCommand, ViewRow[] | null> = {
  name: "reserve",
  plan(commands) {
    const args = { now: Math.min(...commands.map((c) => c.now)) };
    const statements = fillStatements(commands);
    for (const [name, sql] of commands.some((c) => c.cart !== null) ? reserveWithCartSqlEntries : reserveSqlEntries) {
      statements[name] = { sql, args };
    }
    return {
      statements,
      outcomes(results) {
        const lines = JSON.parse(String(results.created?.rows[0]?.rows ?? "[]")) as unknown[][];
        const created = viewRowsByHold(lines.map(newViewRow));
        return commands.map((c) => created.get(c.id) ?? null);
      },
    };
  },
};
