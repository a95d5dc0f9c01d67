import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createDatabase, type Database, type DatabaseConfig } from "~/infra/db/db.server";
import { clientKeys } from "~/models/reservation.server";
import { migrateDatabase } from "../../db/migrate";

export function scratchDir(): string {
  const root = process.env.HOLDFAST_TEST_DIR ?? tmpdir();
  return mkdtempSync(path.join(root, "db-"));
}

export function testDatabaseUrl(): string {
  return `file:${path.join(scratchDir(), `${randomUUID()}.db`)}`;
}

// A migrated, empty database on a real file, for one test.
export async function freshDatabase(config: Partial<DatabaseConfig> = {}): Promise<Database> {
  const database = createDatabase({ url: testDatabaseUrl(), ...config });
  await migrateDatabase(database);
  return database;
}

const warehouseIds = ["blr-01", "del-01", "mum-01", "hyd-01"] as const;

// Stock for a test: `rows` maps warehouse ids to total units.
export async function addProduct(
  database: Database,
  { id, rows, priceCents = 1000 }: { id: string; rows: Record<string, number>; priceCents?: number },
) {
  await database.write({
    ...Object.fromEntries(
      warehouseIds.map((w) => [
        `warehouse ${w}`,
        {
          sql: "INSERT OR IGNORE INTO warehouses (id, name, city) VALUES (:id, :name, :name)",
          args: { id: w, name: w.toUpperCase() },
        },
      ]),
    ),
    product: {
      sql: `INSERT INTO products (id, name, description, price_cents, currency, image_url, category, created_at)
            VALUES (:id, :id, 'test product', :priceCents, 'INR', '/x.svg', 'Test', 0)`,
      args: { id, priceCents },
    },
    ...Object.fromEntries(
      Object.entries(rows).map(([warehouseId, total]) => [
        `stock ${warehouseId}`,
        {
          sql: `INSERT INTO inventory (product_id, warehouse_id, total, reserved, sold, updated_at)
                VALUES (:id, :warehouseId, :total, 0, 0, 0)`,
          args: { id, warehouseId, total },
        },
      ]),
    ),
  });
}

export type Counts = { productId: string; warehouseId: string; total: number; reserved: number; sold: number };

export async function rawCounts(database: Database): Promise<Counts[]> {
  const result = await database.reader.execute(
    "SELECT product_id, warehouse_id, total, reserved, sold FROM inventory ORDER BY product_id, warehouse_id",
  );
  return result.rows.map((r) => ({
    productId: String(r.product_id),
    warehouseId: String(r.warehouse_id),
    total: Number(r.total),
    reserved: Number(r.reserved),
    sold: Number(r.sold),
  }));
}

// A caller for domain tests that are about stock, not fair use: one
// anonymous client with every cap off.
export const uncapped = {
  requester: clientKeys({ sessionHash: null, address: "127.0.0.1" }),
  fairUse: { holdsPerClient: 0, unitsPerClient: 0, unitsPerAddress: 0, holdsPerCustomer: 0 },
};

// Each row's pointer beside the id of its newest ledger entry, found the
// slow way (every event read).
export async function pointersAndNewest(database: Database) {
  const result = await database.reader.execute(`
    SELECT i.product_id, i.warehouse_id, i.ledger_event_id AS pointer,
           (SELECT max(e.id) FROM events e
            WHERE e.product_id = i.product_id AND e.warehouse_id = i.warehouse_id
              AND e.type IN ('stock_changed', 'stock_adjusted', 'stock_repaired')) AS newest
    FROM inventory i`);
  return result.rows.map((r) => ({
    row: `${String(r.product_id)}@${String(r.warehouse_id)}`,
    pointer: r.pointer,
    newest: r.newest,
  }));
}
