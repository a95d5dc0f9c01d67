import type { Database } from "~/infra/db/db.server";
import { staleHolds } from "./inventory.server";

// A row (a product at a warehouse) is low on stock when its available units
// (total − reserved − sold, expiry applied at `now`) are at or below its
// product's low_stock_threshold. A threshold of 0 turns it off for that
// product, as the console shows it; an archived product is never low: it is
// not on sale.

export type StockRowKey = { productId: string; warehouseId: string };

export type LowStockRow = StockRowKey & {
  productName: string;
  warehouseName: string;
  available: number;
  threshold: number;
};

type LowStockRecord = {
  product_id: string;
  product_name: string;
  warehouse_id: string;
  warehouse_name: string;
  available: number;
  threshold: number;
};

// The low rows among `rows`, or among every row when `rows` is left out;
// the emptiest first.
export async function listLowStock({
  database,
  rows,
  now,
}: {
  database: Database;
  rows?: StockRowKey[];
  now: number;
}): Promise<LowStockRow[]> {
  if (rows?.length === 0) return [];
  const result = await database.reader.execute({
    sql: `SELECT i.product_id, p.name AS product_name, i.warehouse_id, w.name AS warehouse_name,
                 i.total - (i.reserved - coalesce(s.quantity, 0)) - i.sold AS available,
                 p.low_stock_threshold AS threshold
          FROM inventory i
          JOIN products p ON p.id = i.product_id
          JOIN warehouses w ON w.id = i.warehouse_id
          LEFT JOIN (${staleHolds}) s ON s.product_id = i.product_id AND s.warehouse_id = i.warehouse_id
          WHERE NOT p.archived AND p.low_stock_threshold > 0
            AND i.total - (i.reserved - coalesce(s.quantity, 0)) - i.sold <= p.low_stock_threshold
            AND (:rows IS NULL OR (i.product_id, i.warehouse_id) IN
                   (SELECT json_extract(value, '$.productId'), json_extract(value, '$.warehouseId')
                    FROM json_each(:rows)))
          ORDER BY available, i.product_id, i.warehouse_id`,
    args: { now, rows: rows ? JSON.stringify(rows) : null },
  });
  return (result.rows as unknown as LowStockRecord[]).map((r) => ({
    productId: r.product_id,
    productName: r.product_name,
    warehouseId: r.warehouse_id,
    warehouseName: r.warehouse_name,
    available: Number(r.available),
    threshold: Number(r.threshold),
  }));
}
