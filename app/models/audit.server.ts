import type { InValue } from "@libsql/client";
import type { Database } from "~/infra/db/db.server";
import { eventFromRow, type HoldfastEvent } from "./events.server";

// The audit trail: the outbox read back for operators, newest first,
// filtered, a page at a time by event id (ids only grow, so a page never
// shifts when new events arrive).
//
// An event about a hold (reservation_* and operator_released) names no row
// of its own: it matches a product or warehouse filter when the hold has a
// line of that product at that warehouse (found through reservation_items'
// primary key). Any other event matches on its own product and warehouse.

export type AuditFilter = {
  productId?: string;
  warehouseId?: string;
  // any of these types
  types?: string[];
  // epoch ms: from inclusive, to exclusive
  from?: number;
  to?: number;
};

export type AuditPage = { events: HoldfastEvent[]; nextCursor: number | null };

// Each condition is fixed text over named arguments; only the ones asked
// for are used, so SQLite can pick an index for the rest.
function whereClause(filter: AuditFilter, cursor: number | null): string {
  const where: string[] = [];
  if (cursor !== null) where.push("e.id < :cursor");
  if (filter.from !== undefined) where.push("e.created_at >= :from");
  if (filter.to !== undefined) where.push("e.created_at < :to");
  if (filter.types !== undefined) where.push("e.type IN (SELECT value FROM json_each(:types))");
  if (filter.productId !== undefined || filter.warehouseId !== undefined) {
    where.push(`CASE WHEN e.reservation_id IS NULL
                  THEN (:productId IS NULL OR e.product_id = :productId)
                       AND (:warehouseId IS NULL OR e.warehouse_id = :warehouseId)
                  ELSE EXISTS (SELECT 1 FROM reservation_items ri WHERE ri.reservation_id = e.reservation_id
                               AND (:productId IS NULL OR ri.product_id = :productId)
                               AND (:warehouseId IS NULL OR ri.warehouse_id = :warehouseId))
                END`);
  }
  return where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
}

export async function listEvents({
  database,
  filter,
  cursor,
  limit,
}: {
  database: Database;
  filter: AuditFilter;
  cursor: number | null;
  limit: number;
}): Promise<AuditPage> {
  const args: Record<string, InValue> = {
    cursor,
    from: filter.from ?? null,
    to: filter.to ?? null,
    types: filter.types ? JSON.stringify(filter.types) : null,
    productId: filter.productId ?? null,
    warehouseId: filter.warehouseId ?? null,
    fetch: limit + 1,
  };
  const result = await database.reader.execute({
    sql: `SELECT e.id, e.type, e.reservation_id, e.product_id, e.warehouse_id, e.payload, e.created_at
          FROM events e ${whereClause(filter, cursor)}
          ORDER BY e.id DESC LIMIT :fetch`,
    args,
  });
  const events = result.rows.slice(0, limit).map(eventFromRow);
  return { events, nextCursor: result.rows.length > limit ? (events.at(-1)?.id ?? null) : null };
}

// Every event the filter matches, newest first, `pageSize` at a time: only
// the page being handed on is ever in memory, and the next one is read only
// when it is asked for (an export streamed to a slow client waits for it).
export async function* exportEvents({
  database,
  filter,
  pageSize = 500,
}: {
  database: Database;
  filter: AuditFilter;
  pageSize?: number;
}): AsyncGenerator<HoldfastEvent[], void, undefined> {
  let cursor: number | null = null;
  do {
    const page: AuditPage = await listEvents({ database, filter, cursor, limit: pageSize });
    if (page.events.length > 0) yield page.events;
    cursor = page.nextCursor;
  } while (cursor !== null);
}
