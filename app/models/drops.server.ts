import type { Row } from "@libsql/client";
import { v7 as timeOrderedUuid } from "uuid";
import type { Database } from "~/infra/db/db.server";
import { randomBytesFromPool } from "~/infra/random.server";
import { dropPhase, type Drop, type DropTerms } from "./drop";
import { offerStatements } from "./waitlist-offers.server";

// Operators' drops: made and changed as guarded writes, each with its audit
// entry in the same write. A product is in at most one drop that has not
// ended; that is decided inside the write, against the drops as they are at
// commit, so two operators adding one product to two drops at once can
// never both succeed.

export type NewDrop = DropTerms & { name: string; productIds: string[] };
export type DropChanges = Partial<NewDrop>;

export type DropOutcome =
  | { ok: true; drop: Drop }
  | { ok: false; code: "not_found"; missing: string[] }
  | { ok: false; code: "product_in_drop"; productIds: string[] }
  | { ok: false; code: "invalid_window" };

const dropColumns = `d.id, d.name, d.starts_at, d.ends_at, d.hold_ttl_seconds, d.max_per_customer, d.extensions,
                     d.created_at, d.updated_at,
                     (SELECT json_group_array(dp.product_id) FROM
                        (SELECT product_id FROM drop_products WHERE drop_id = d.id ORDER BY product_id) AS dp)
                       AS product_ids`;
export const selectDrops = (where: string) => `SELECT ${dropColumns} FROM drops d WHERE ${where}`;

type DropRow = {
  id: string;
  name: string;
  starts_at: number;
  ends_at: number | null;
  hold_ttl_seconds: number;
  max_per_customer: number;
  extensions: number;
  created_at: number;
  product_ids: string;
};

// a row of selectDrops as the drop it is, at `now`
export function dropFromRow(record: Row, now: number): Drop {
  const row = record as unknown as DropRow;
  const startsAt = Number(row.starts_at);
  const endsAt = row.ends_at === null ? null : Number(row.ends_at);
  return {
    id: row.id,
    name: row.name,
    productIds: JSON.parse(row.product_ids) as string[],
    startsAt,
    endsAt,
    holdTtlSeconds: Number(row.hold_ttl_seconds),
    maxPerCustomer: Number(row.max_per_customer),
    extensions: Number(row.extensions),
    createdAt: Number(row.created_at),
    phase: dropPhase({ startsAt, endsAt }, now),
  };
}

// The drop's products (`products`, a SELECT of ids) that are in another
// drop that has not ended, and the ones asked for that do not exist: JSON
// arrays, read inside the write. A drop that will have ended by now
// conflicts with nothing (`open` says whether it will not).
const conflicts = (products: string, open: string) =>
  `(SELECT json_group_array(DISTINCT dp.product_id) FROM drop_products dp JOIN drops x ON x.id = dp.drop_id
    WHERE dp.product_id IN (${products}) AND x.id <> :id AND (x.ends_at IS NULL OR x.ends_at > :now) AND ${open})`;
const missing = `(SELECT json_group_array(value) FROM json_each(:productIds)
                  WHERE value NOT IN (SELECT id FROM products))`;
const allowedWith = (products: string, open: string) =>
  `json_array_length(${conflicts(products, open)}) = 0 AND json_array_length(${missing}) = 0`;
const checkWith = (products: string, open: string) =>
  `SELECT ${conflicts(products, open)} AS conflicts, ${missing} AS missing`;
const askedFor = `SELECT value FROM json_each(:productIds)`;

const dropJson = `json_object('name', name, 'productIds', (SELECT json_group_array(product_id) FROM drop_products
                                                             WHERE drop_id = drops.id),
                              'startsAt', starts_at, 'endsAt', ends_at, 'holdTtlSeconds', hold_ttl_seconds,
                              'maxPerCustomer', max_per_customer, 'extensions', extensions)`;

function refusal(results: { check: { rows: unknown[] } }): DropOutcome {
  const row = results.check.rows[0] as { conflicts: string; missing: string } | undefined;
  const inDrop = JSON.parse(row?.conflicts ?? "[]") as string[];
  const unknown = JSON.parse(row?.missing ?? "[]") as string[];
  if (unknown.length > 0) return { ok: false, code: "not_found", missing: unknown };
  if (inDrop.length > 0) return { ok: false, code: "product_in_drop", productIds: inDrop };
  return { ok: false, code: "invalid_window" };
}

export async function createDrop({
  database,
  drop,
  operator,
  now,
}: {
  database: Database;
  drop: NewDrop;
  operator: string;
  now: number;
}): Promise<DropOutcome> {
  const id = timeOrderedUuid({ random: randomBytesFromPool(16) });
  const args = {
    id,
    name: drop.name,
    productIds: JSON.stringify([...new Set(drop.productIds)]),
    startsAt: drop.startsAt,
    endsAt: drop.endsAt,
    holdTtlSeconds: drop.holdTtlSeconds,
    maxPerCustomer: drop.maxPerCustomer,
    extensions: drop.extensions,
    operator,
    now,
  };
  const results = await database.write({
    check: { sql: checkWith(askedFor, "1"), args },
    // the guard: its rowsAffected says whether the drop was made
    decision: {
      sql: `INSERT INTO drops (id, name, starts_at, ends_at, hold_ttl_seconds, max_per_customer, extensions,
                               created_at, updated_at)
            SELECT :id, :name, :startsAt, :endsAt, :holdTtlSeconds, :maxPerCustomer, :extensions, :now, :now
            WHERE ${allowedWith(askedFor, "1")} AND (:endsAt IS NULL OR :endsAt > :startsAt)`,
      args,
    },
    products: {
      sql: `INSERT INTO drop_products (drop_id, product_id)
            SELECT :id, value FROM json_each(:productIds) WHERE EXISTS (SELECT 1 FROM drops WHERE id = :id)`,
      args,
    },
    audit: {
      sql: `INSERT INTO events (type, payload, created_at)
            SELECT 'drop_created', json_object('operator', :operator, 'dropId', id, 'before', NULL,
                                               'after', ${dropJson}), :now
            FROM drops WHERE id = :id`,
      args,
    },
    // a drop that is live at once may have people waiting from before
    ...offerStatements(args, "drop"),
    after: { sql: selectDrops(`d.id = :id`), args },
  });
  const row = results.after.rows[0];
  if (results.decision.rowsAffected === 1 && row) return { ok: true, drop: dropFromRow(row, now) };
  return refusal(results);
}

// Changes some of a drop's terms. Fields left out stay as they are; an end
// may be set to null (open until changed). The new window is checked
// against the drop as it is at commit.
export async function editDrop({
  database,
  id,
  changes,
  operator,
  now,
}: {
  database: Database;
  id: string;
  changes: DropChanges;
  operator: string;
  now: number;
}): Promise<DropOutcome> {
  const args = {
    id,
    name: changes.name ?? null,
    productIds: JSON.stringify(changes.productIds ? [...new Set(changes.productIds)] : []),
    replaceProducts: changes.productIds !== undefined ? 1 : 0,
    startsAt: changes.startsAt ?? null,
    endsAtGiven: changes.endsAt !== undefined ? 1 : 0,
    endsAt: changes.endsAt ?? null,
    holdTtlSeconds: changes.holdTtlSeconds ?? null,
    maxPerCustomer: changes.maxPerCustomer ?? null,
    extensions: changes.extensions ?? null,
    operator,
    now,
  };
  const newStart = `coalesce(:startsAt, starts_at)`;
  const newEnd = `CASE WHEN :endsAtGiven THEN :endsAt ELSE ends_at END`;
  // the products it will have, and whether it will not have ended: moving
  // an ended drop's end later reopens it, so its products are checked too
  const products = `SELECT value FROM json_each(:productIds) WHERE :replaceProducts
                    UNION SELECT product_id FROM drop_products WHERE drop_id = :id AND NOT :replaceProducts`;
  const open = `(SELECT ${newEnd} IS NULL OR ${newEnd} > :now FROM drops WHERE id = :id)`;
  const guard = `id = :id AND ${allowedWith(products, open)} AND (${newEnd} IS NULL OR ${newEnd} > ${newStart})`;
  const results = await database.write({
    check: { sql: checkWith(products, open), args },
    exists: { sql: `SELECT 1 FROM drops WHERE id = :id`, args },
    audit: {
      sql: `INSERT INTO events (type, payload, created_at)
            SELECT 'drop_updated', json_object('operator', :operator, 'dropId', id, 'before', ${dropJson}), :now
            FROM drops WHERE ${guard}`,
      args,
    },
    // the products first, under the same guard as the change itself (it
    // reads this drop's products only when they are not being replaced, and
    // then does not replace them, so it reads the same before and after)
    removeProducts: {
      sql: `DELETE FROM drop_products
            WHERE drop_id = :id AND :replaceProducts AND EXISTS (SELECT 1 FROM drops WHERE ${guard})`,
      args,
    },
    addProducts: {
      sql: `INSERT OR IGNORE INTO drop_products (drop_id, product_id)
            SELECT :id, value FROM json_each(:productIds)
            WHERE :replaceProducts AND EXISTS (SELECT 1 FROM drops WHERE ${guard})`,
      args,
    },
    // the guard: its rowsAffected says whether the drop changed
    decision: {
      sql: `UPDATE drops SET name = coalesce(:name, name), starts_at = ${newStart}, ends_at = ${newEnd},
                             hold_ttl_seconds = coalesce(:holdTtlSeconds, hold_ttl_seconds),
                             max_per_customer = coalesce(:maxPerCustomer, max_per_customer),
                             extensions = coalesce(:extensions, extensions), updated_at = :now
            WHERE ${guard}`,
      args,
    },
    // the entry written above gets the drop as it is now (changes(): the
    // decision's own count, the statement just before)
    auditAfter: {
      sql: `UPDATE events SET payload = json_set(payload, '$.after', json((SELECT ${dropJson} FROM drops WHERE id = :id)))
            WHERE changes() = 1 AND id = (SELECT max(id) FROM events WHERE type = 'drop_updated')
              AND json_extract(payload, '$.dropId') = :id`,
      args,
    },
    // a window moved, or products added, may free units for the line
    ...offerStatements(args, "drop"),
    after: { sql: selectDrops(`d.id = :id`), args },
  });
  if (results.exists.rows.length === 0) return { ok: false, code: "not_found", missing: [] };
  const row = results.after.rows[0];
  if (results.decision.rowsAffected === 1 && row) return { ok: true, drop: dropFromRow(row, now) };
  return refusal(results);
}
