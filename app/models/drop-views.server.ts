import type { Database } from "~/infra/db/db.server";
import type { Drop, DropProduct, DropShopper, TopPurchaser } from "./drop";
import { dropFromRow, selectDrops } from "./drops.server";
import { governingDropId } from "./hold-rules.server";
import { readStock, type StockLevel } from "./inventory.server";
import { entryColumns, toEntry } from "./waitlist.server";

// Drops as shoppers and integrators see them: their products with live
// stock, how many wait for each, and the top purchasers.

export const customerRef = (customerKey: string) => customerKey.slice(0, 12);

export type DropView = Drop & { products: DropProduct[]; topPurchasers: TopPurchaser[] };

// The three customers with the most units bought in the drop (holds on its
// products made inside its window and paid for), earliest first on a tie:
// whoever reached their count first. Only customers who gave a name.
// It starts from the holds made in the window (INDEXED BY their creation
// time; SQLite would otherwise walk every customer's holds ever, for the
// grouping's order): no index finds a product's lines, as every hold would
// write to it.
async function topPurchasers(database: Database, drop: Drop): Promise<TopPurchaser[]> {
  const result = await database.reader.execute({
    sql: `SELECT c.display_name, sum(ri.quantity) AS units, max(r.updated_at) AS reached,
                 substr(r.customer_key, 1, 12) AS ref
          FROM reservations r INDEXED BY reservations_created_at
          CROSS JOIN reservation_items ri
          JOIN customers c ON c.key = r.customer_key
          WHERE r.created_at >= :startsAt AND r.created_at < :until AND r.status = 'confirmed'
            AND ri.reservation_id = r.id AND ri.product_id IN (SELECT value FROM json_each(:productIds))
          GROUP BY r.customer_key
          ORDER BY units DESC, reached, r.customer_key
          LIMIT 3`,
    args: {
      productIds: JSON.stringify(drop.productIds),
      startsAt: drop.startsAt,
      until: drop.endsAt ?? Number.MAX_SAFE_INTEGER,
    },
  });
  return result.rows.map((r) => ({ displayName: String(r.display_name), units: Number(r.units), ref: String(r.ref) }));
}

async function withProducts(database: Database, drops: Drop[], now: number): Promise<DropView[]> {
  const productIds = [...new Set(drops.flatMap((d) => d.productIds))];
  const products = await database.reader.execute({
    sql: `SELECT p.id, p.name, p.price_cents, p.currency, p.image_url,
                 (SELECT count(*) FROM waitlist w
                  WHERE w.product_id = p.id AND w.place IS NOT NULL AND w.status IN ('waiting', 'lapsed')
                    AND w.drop_id = ${governingDropId("p.id")}) AS waiting
          FROM products p WHERE p.id IN (SELECT value FROM json_each(:ids))`,
    args: { ids: JSON.stringify(productIds), now },
  });
  const stock = await readStock({ database, productIds, now });
  const byId = new Map(
    products.rows.map((p) => {
      const levels = stock.filter((s) => s.productId === p.id);
      const product: DropProduct = {
        id: String(p.id),
        name: String(p.name),
        priceCents: Number(p.price_cents),
        currency: String(p.currency),
        imageUrl: String(p.image_url),
        stock: levels,
        available: levels.reduce((sum, s) => sum + s.available, 0),
        waiting: Number(p.waiting),
      };
      return [product.id, product];
    }),
  );
  return Promise.all(
    drops.map(async (drop) => ({
      ...drop,
      products: drop.productIds.flatMap((id) => byId.get(id) ?? []),
      topPurchasers: await topPurchasers(database, drop),
    })),
  );
}

// Live and upcoming drops first (soonest start first), then the ones that
// ended (latest end first).
export async function listDrops({ database, now }: { database: Database; now: number }): Promise<DropView[]> {
  const result = await database.reader.execute({
    sql: `${selectDrops("1")}
          ORDER BY d.ends_at IS NOT NULL AND d.ends_at <= :now,
                   CASE WHEN d.ends_at IS NOT NULL AND d.ends_at <= :now THEN -d.ends_at ELSE d.starts_at END
          LIMIT 100`,
    args: { now },
  });
  const drops = result.rows.map((row) => dropFromRow(row, now));
  return withProducts(database, drops, now);
}

export async function getDrop({
  database,
  id,
  now,
}: {
  database: Database;
  id: string;
  now: number;
}): Promise<DropView | null> {
  const result = await database.reader.execute({ sql: selectDrops("d.id = :id"), args: { id } });
  const row = result.rows[0];
  if (!row) return null;
  const [view] = await withProducts(database, [dropFromRow(row, now)], now);
  return view ?? null;
}

// A drop's product's stock, by warehouse; null when the product is not in
// that drop.
export async function dropProductStock({
  database,
  dropId,
  productId,
  now,
}: {
  database: Database;
  dropId: string;
  productId: string;
  now: number;
}): Promise<StockLevel[] | null> {
  const inDrop = await database.reader.execute({
    sql: `SELECT 1 FROM drop_products WHERE drop_id = :dropId AND product_id = :productId`,
    args: { dropId, productId },
  });
  return inDrop.rows.length > 0 ? readStock({ database, productIds: [productId], now }) : null;
}

export async function dropExists({ database, id }: { database: Database; id: string }): Promise<boolean> {
  const result = await database.reader.execute({ sql: `SELECT 1 FROM drops WHERE id = :id`, args: { id } });
  return result.rows.length > 0;
}

// The drop a product is sold in (upcoming or live, else the last that
// ended), for its product page.
export async function dropOfProduct({
  database,
  productId,
  now,
}: {
  database: Database;
  productId: string;
  now: number;
}): Promise<Drop | null> {
  const result = await database.reader.execute({
    sql: selectDrops(`d.id = ${governingDropId(":productId")}`),
    args: { productId, now },
  });
  const row = result.rows[0];
  return row ? dropFromRow(row, now) : null;
}

export async function dropShopper({
  database,
  drop,
  customerKey,
  now,
}: {
  database: Database;
  drop: Drop;
  customerKey: string;
  now: number;
}): Promise<DropShopper> {
  const args = { customerKey, dropId: drop.id, productIds: JSON.stringify(drop.productIds), now };
  const [name, lines, holds] = await Promise.all([
    database.reader.execute({ sql: `SELECT display_name FROM customers WHERE key = :customerKey`, args }),
    database.reader.execute({
      sql: `SELECT ${entryColumns}
            FROM waitlist w WHERE w.drop_id = :dropId AND w.customer_key = :customerKey`,
      args,
    }),
    database.reader.execute({
      sql: `SELECT DISTINCT r.id, ri.product_id, r.status, r.expires_at
            FROM reservations r JOIN reservation_items ri ON ri.reservation_id = r.id
            WHERE r.customer_key = :customerKey AND ri.product_id IN (SELECT value FROM json_each(:productIds))
              AND (r.status = 'confirmed' OR (r.status = 'pending' AND r.expires_at > :now))
            ORDER BY r.created_at`,
      args,
    }),
  ]);
  const displayName = name.rows[0]?.display_name;
  return {
    ref: customerRef(customerKey),
    displayName: typeof displayName === "string" ? displayName : null,
    lines: lines.rows.map(toEntry),
    holds: holds.rows.map((r) => ({
      reservationId: String(r.id),
      productId: String(r.product_id),
      status: r.status === "confirmed" ? "confirmed" : "pending",
      expiresAt: Number(r.expires_at),
    })),
  };
}
