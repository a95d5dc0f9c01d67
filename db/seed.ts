import type { Database, NamedStatements } from "../app/infra/db/db.server";
import { moveLedgerHeads } from "../app/models/events.server";
import { seedCatalogue, seedWarehouses } from "./catalogue";

// Seeds the demo shop into an empty database and leaves a used one alone.
// INSERT OR IGNORE keeps two processes starting at once from colliding.
export async function seedIfEmpty(database: Database, now: number): Promise<boolean> {
  const existing = await database.reader.execute("SELECT count(*) AS n FROM warehouses");
  if (Number(existing.rows[0]?.n ?? 0) > 0) return false;
  // named for what each inserts: `warehouse blr-01`, `product lamp`, `stock lamp blr-01`
  const statements: NamedStatements = {};
  for (const w of seedWarehouses) {
    statements[`warehouse ${w.id}`] = {
      sql: "INSERT OR IGNORE INTO warehouses (id, name, city) VALUES (:id, :name, :city)",
      args: { ...w },
    };
  }
  seedCatalogue().forEach((p, position) => {
    statements[`product ${p.id}`] = {
      sql: `INSERT OR IGNORE INTO products
              (id, name, description, price_cents, currency, image_url, category, created_at)
            VALUES (:id, :name, :description, :priceCents, :currency, :imageUrl, :category, :createdAt)`,
      args: {
        id: p.id,
        name: p.name,
        description: p.description,
        priceCents: p.priceCents,
        currency: p.currency,
        imageUrl: p.imageUrl,
        category: p.category,
        createdAt: now + position,
      },
    };
    for (const s of p.stock) {
      const args = { productId: p.id, warehouseId: s.warehouseId, total: s.total, sold: s.sold, now };
      statements[`stock ${p.id} ${s.warehouseId}`] = {
        sql: `INSERT OR IGNORE INTO inventory (product_id, warehouse_id, total, reserved, sold, updated_at)
              VALUES (:productId, :warehouseId, :total, 0, :sold, :now)`,
        args,
      };
      // the row's opening entry in the ledger, so that replaying the ledger
      // gives every row's total (only if this process inserted the row)
      statements[`opening ${p.id} ${s.warehouseId}`] = {
        sql: `INSERT INTO events (type, product_id, warehouse_id, payload, created_at)
              SELECT 'stock_adjusted', :productId, :warehouseId,
                     json_object('reason', 'opening', 'note', NULL, 'operator', 'seed', 'before', NULL,
                                 'after', json_object('total', :total, 'reserved', 0, 'sold', :sold),
                                 'soldBeforeLedger', :sold), :now
              WHERE changes() = 1`,
        args,
      };
      statements[`ledger head ${p.id} ${s.warehouseId}`] = moveLedgerHeads;
    }
  });
  await database.write(statements);
  return true;
}
