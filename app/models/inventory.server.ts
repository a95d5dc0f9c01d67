import type { Database } from "~/infra/db/db.server";
import type { ProductView, StockLevel, WarehouseView } from "./inventory";

export type { ProductView, StockLevel, WarehouseView } from "./inventory";

// Units on each row still held by pending holds already past their expiry:
// dead holds that no sweep has cleared yet. Subtracted from `reserved`
// everywhere stock is shown or decided on. CROSS JOIN starts from the few
// due holds (partial index) rather than from a row's whole history.
export const staleHolds = `SELECT ri.product_id, ri.warehouse_id, sum(ri.quantity) AS quantity
                    FROM reservations r CROSS JOIN reservation_items ri
                    WHERE r.status = 'pending' AND r.expires_at <= :now
                      AND ri.reservation_id = r.id
                    GROUP BY ri.product_id, ri.warehouse_id`;

type StockRecord = {
  product_id: string;
  warehouse_id: string;
  warehouse_name: string;
  total: number;
  reserved: number;
  sold: number;
};

export async function readStock({
  database,
  productIds,
  now,
}: {
  database: Database;
  productIds: string[];
  now: number;
}): Promise<StockLevel[]> {
  if (productIds.length === 0) return [];
  const result = await database.reader.execute({
    sql: `SELECT i.product_id, i.warehouse_id, w.name AS warehouse_name, i.total, i.sold,
                 i.reserved - coalesce(s.quantity, 0) AS reserved
          FROM inventory i
          JOIN warehouses w ON w.id = i.warehouse_id
          LEFT JOIN (${staleHolds}) s
            ON s.product_id = i.product_id AND s.warehouse_id = i.warehouse_id
          WHERE i.product_id IN (SELECT value FROM json_each(:ids))
          ORDER BY i.product_id, w.name`,
    args: { now, ids: JSON.stringify([...new Set(productIds)]) },
  });
  return (result.rows as unknown as StockRecord[]).map((r) => {
    const total = Number(r.total);
    const reserved = Number(r.reserved);
    const sold = Number(r.sold);
    return {
      productId: r.product_id,
      warehouseId: r.warehouse_id,
      warehouseName: r.warehouse_name,
      total,
      reserved,
      sold,
      available: total - reserved - sold,
    };
  });
}

type ProductRecord = {
  id: string;
  name: string;
  description: string;
  price_cents: number;
  currency: string;
  image_url: string;
  category: string;
};

async function withStock(database: Database, rows: ProductRecord[], now: number): Promise<ProductView[]> {
  const stock = await readStock({ database, productIds: rows.map((r) => r.id), now });
  return rows.map((r) => {
    const levels = stock.filter((s) => s.productId === r.id);
    return {
      id: r.id,
      name: r.name,
      description: r.description,
      priceCents: Number(r.price_cents),
      currency: r.currency,
      imageUrl: r.image_url,
      category: r.category,
      available: levels.reduce((sum, s) => sum + s.available, 0),
      stock: levels,
    };
  });
}

const productColumns = `id, name, description, price_cents, currency, image_url, category`;

// The products on sale: an archived one is left out of this list and every
// other the shop shows. Keyset pagination on the id: a page never shifts
// when products are added.
export async function listProducts({
  database,
  limit,
  cursor,
  category,
  now,
}: {
  database: Database;
  limit: number;
  cursor: string | null;
  category?: string | null;
  now: number;
}): Promise<{ products: ProductView[]; nextCursor: string | null }> {
  const result = await database.reader.execute({
    sql: `SELECT ${productColumns} FROM products
          WHERE NOT archived AND (:cursor IS NULL OR id > :cursor) AND (:category IS NULL OR category = :category)
          ORDER BY id LIMIT :fetch`,
    args: { cursor, category: category ?? null, fetch: limit + 1 },
  });
  const rows = result.rows as unknown as ProductRecord[];
  const page = rows.slice(0, limit);
  const products = await withStock(database, page, now);
  const nextCursor = rows.length > limit ? (page[page.length - 1]?.id ?? null) : null;
  return { products, nextCursor };
}

// One product, on sale or archived: an archived product's picture still
// shows on the checkout pages of the holds made before.
export async function getProduct({
  database,
  id,
  now,
}: {
  database: Database;
  id: string;
  now: number;
}): Promise<{ product: ProductView; archived: boolean } | null> {
  const result = await database.reader.execute({
    sql: `SELECT ${productColumns}, archived FROM products WHERE id = :id`,
    args: { id },
  });
  const rows = result.rows as unknown as (ProductRecord & { archived: number })[];
  const [product] = await withStock(database, rows, now);
  return product ? { product, archived: Number(rows[0]?.archived) === 1 } : null;
}

// Which of these product ids name no product. An archived product still
// names one: a page that showed it when it was archived keeps its live
// stream (refused, the browser would retry it for the whole page's stock).
export async function missingProducts({ database, ids }: { database: Database; ids: string[] }): Promise<string[]> {
  const result = await database.reader.execute({
    sql: `SELECT value AS id FROM json_each(:ids) WHERE value NOT IN (SELECT id FROM products)`,
    args: { ids: JSON.stringify(ids) },
  });
  return result.rows.map((r) => String(r.id));
}

export async function listWarehouses({ database }: { database: Database }): Promise<WarehouseView[]> {
  const result = await database.reader.execute("SELECT id, name, city FROM warehouses ORDER BY name");
  return (result.rows as unknown as WarehouseView[]).map((w) => ({ id: w.id, name: w.name, city: w.city }));
}

// Others from the same category, starting after this one's id and wrapping
// round, so neighbouring products suggest different things.
export async function similarProducts({
  database,
  product,
  limit,
  now,
}: {
  database: Database;
  product: { id: string; category: string };
  limit: number;
  now: number;
}): Promise<ProductView[]> {
  const result = await database.reader.execute({
    sql: `SELECT ${productColumns} FROM products
          WHERE category = :category AND id != :id AND NOT archived
          ORDER BY id < :id, id LIMIT :limit`,
    args: { id: product.id, category: product.category, limit },
  });
  return withStock(database, result.rows as unknown as ProductRecord[], now);
}

// The shop window: the first product of each category.
export async function featuredProducts({ database, now }: { database: Database; now: number }): Promise<ProductView[]> {
  const result = await database.reader.execute(
    `SELECT ${productColumns} FROM products
     WHERE id IN (SELECT min(id) FROM products WHERE NOT archived GROUP BY category)
     ORDER BY category`,
  );
  return withStock(database, result.rows as unknown as ProductRecord[], now);
}
