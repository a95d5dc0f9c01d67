import type { Database } from "~/infra/db/db.server";
import { productRecordColumns, toProduct, type ProductRecord } from "./catalogue.server";
import type { OperatorProduct } from "./inventory";
import { readStock, staleHolds } from "./inventory.server";
import { listLowStock } from "./low-stock.server";

// The catalogue as operators see it: every product, archived or not, with
// each warehouse's total, reserved, sold and available, and whether a row
// is low on stock.

async function withStock(database: Database, records: ProductRecord[], now: number): Promise<OperatorProduct[]> {
  const stock = await readStock({ database, productIds: records.map((r) => r.id), now });
  // low as the alerts and the dashboard decide it (low-stock.server.ts)
  const low = await listLowStock({
    database,
    rows: stock.map(({ productId, warehouseId }) => ({ productId, warehouseId })),
    now,
  });
  const isLow = new Set(low.map((row) => `${row.productId}/${row.warehouseId}`));
  return records.map((r) => ({
    ...toProduct(r),
    stock: stock
      .filter((s) => s.productId === r.id)
      .map((s) => ({ ...s, low: isLow.has(`${s.productId}/${s.warehouseId}`) })),
  }));
}

// `%` and `_` in what the operator typed are letters, not wildcards.
const likeEscaped = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

// Products by name, a page at a time; `search` matches the name or the id.
export async function listProductsForOperators({
  database,
  search,
  cursor,
  limit,
  now,
}: {
  database: Database;
  search: string | null;
  cursor: string | null;
  limit: number;
  now: number;
}): Promise<{ products: OperatorProduct[]; nextCursor: string | null }> {
  const result = await database.reader.execute({
    sql: `SELECT ${productRecordColumns} FROM products
          WHERE (:search IS NULL OR name LIKE :search ESCAPE '\\' OR id LIKE :search ESCAPE '\\')
            AND (:cursor IS NULL OR (name, id) > (SELECT name, id FROM products WHERE id = :cursor))
          ORDER BY name, id LIMIT :fetch`,
    args: { search: search ? likeEscaped(search) : null, cursor, fetch: limit + 1 },
  });
  const records = result.rows as unknown as ProductRecord[];
  const page = records.slice(0, limit);
  return {
    products: await withStock(database, page, now),
    nextCursor: records.length > limit ? (page.at(-1)?.id ?? null) : null,
  };
}

export async function getProductForOperators({
  database,
  id,
  now,
}: {
  database: Database;
  id: string;
  now: number;
}): Promise<OperatorProduct | null> {
  const result = await database.reader.execute({
    sql: `SELECT ${productRecordColumns} FROM products WHERE id = :id`,
    args: { id },
  });
  const [product] = await withStock(database, result.rows as unknown as ProductRecord[], now);
  return product ?? null;
}

export type OperatorWarehouse = {
  id: string;
  name: string;
  city: string;
  products: number;
  total: number;
  reserved: number;
  sold: number;
};

// Every warehouse with what it stocks, summed over its rows; like every
// count shown, `reserved` leaves out holds past their expiry.
export async function listWarehousesForOperators({
  database,
  now,
}: {
  database: Database;
  now: number;
}): Promise<OperatorWarehouse[]> {
  const result = await database.reader.execute({
    sql: `SELECT w.id, w.name, w.city, count(i.product_id) AS products, coalesce(sum(i.total), 0) AS total,
                 coalesce(sum(i.reserved - coalesce(s.quantity, 0)), 0) AS reserved, coalesce(sum(i.sold), 0) AS sold
          FROM warehouses w
          LEFT JOIN inventory i ON i.warehouse_id = w.id
          LEFT JOIN (${staleHolds}) s ON s.product_id = i.product_id AND s.warehouse_id = i.warehouse_id
          GROUP BY w.id ORDER BY w.name, w.id`,
    args: { now },
  });
  return result.rows.map((r) => ({
    id: String(r.id),
    name: String(r.name),
    city: String(r.city),
    products: Number(r.products),
    total: Number(r.total),
    reserved: Number(r.reserved),
    sold: Number(r.sold),
  }));
}
