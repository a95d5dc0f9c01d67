import type { Database } from "~/infra/db/db.server";
import type { CatalogueProduct } from "./inventory";
import { ID_PATTERN } from "./reservation";
import { offerStatements } from "./waitlist-offers.server";

export type { CatalogueProduct } from "./inventory";

// The catalogue as operators keep it: products and warehouses made and
// edited. Each change is one guarded write that appends its audit entry
// (the operator, the record before and after) to the outbox in the same
// write. Ids never change once made: holds, stock rows, the ledger and the
// shop's links all name things by id, so an edit changes everything but it.

type ProductFields = Omit<CatalogueProduct, "id" | "createdAt">;

// What a new product must say; the threshold, the per-customer limit and
// archived fall back to the column defaults (db/schema.ts) when left out.
export type NewProduct = Omit<ProductFields, "lowStockThreshold" | "archived" | "maxPerCustomer"> & {
  id: string;
  lowStockThreshold?: number;
  archived?: boolean;
  maxPerCustomer?: number;
};

export type ProductChanges = Partial<ProductFields>;

export type CatalogueWarehouse = { id: string; name: string; city: string };

export type WarehouseChanges = Partial<Omit<CatalogueWarehouse, "id">>;

export type CreateOutcome<T> = { ok: true; created: T } | { ok: false; code: "already_exists" };
export type EditOutcome<T> = { ok: true; edited: T } | { ok: false; code: "not_found" };

// Each field's JSON key (also its SQL parameter) and column.
const productColumns = {
  name: "name",
  description: "description",
  priceCents: "price_cents",
  currency: "currency",
  imageUrl: "image_url",
  category: "category",
  lowStockThreshold: "low_stock_threshold",
  archived: "archived",
  maxPerCustomer: "max_per_customer",
} as const satisfies Record<keyof ProductFields, string>;

const warehouseColumns = { name: "name", city: "city" } as const satisfies Record<keyof WarehouseChanges, string>;

// A record as a JSON object for an audit entry, each field's value given by
// `value` (the column as stored, or as the edit leaves it). `archived` is
// stored as 0 or 1 and spelt true or false.
function recordJson(columns: Record<string, string>, value: (column: string, key: string) => string): string {
  const fields = Object.entries(columns).map(([key, column]) => {
    const v = value(column, key);
    return `'${key}', ${key === "archived" ? `json(CASE WHEN ${v} THEN 'true' ELSE 'false' END)` : v}`;
  });
  return `json_object('id', id, ${fields.join(", ")})`;
}

const stored = (column: string) => column;
// an edit leaves a field it does not name as it is (no field is nullable)
const edited = (column: string, key: string) => `coalesce(:${key}, ${column})`;
const assignments = (columns: Record<string, string>) =>
  Object.entries(columns)
    .map(([key, column]) => `${column} = ${edited(column, key)}`)
    .join(", ");

// The arguments for an edit: every field, null where the edit leaves it be.
const editArgs = (columns: Record<string, string>, changes: Partial<Record<string, string | number | boolean>>) =>
  Object.fromEntries(Object.keys(columns).map((key) => [key, changes[key] ?? null]));

// A new record's audit entry, written only if the statement just before it
// changed a row (changes(), its count): the insert, or what the insert made.
const createdEntry = (kind: "product" | "warehouse", table: string, columns: Record<string, string>) =>
  `INSERT INTO events (type, ${kind}_id, payload, created_at)
   SELECT '${kind}_created', id,
          json_object('operator', :operator, 'before', NULL, 'after', ${recordJson(columns, stored)}), :now
   FROM ${table} WHERE id = :id AND changes() = 1`;

// An edit of some of a record's fields, as one write: the audit entry first
// (while the row still reads as it was, so it has both sides), then the
// change, then the record as it is now. Zero rows changed: no such record.
function editRecord({
  database,
  table,
  kind,
  columns,
  id,
  changes,
  operator,
  now,
}: {
  database: Database;
  table: "products" | "warehouses";
  kind: "product" | "warehouse";
  columns: Record<string, string>;
  id: string;
  changes: Partial<Record<string, string | number | boolean>>;
  operator: string;
  now: number;
}) {
  const args = { id, ...editArgs(columns, changes), operator, now };
  return database.write({
    audit: {
      sql: `INSERT INTO events (type, ${kind}_id, payload, created_at)
            SELECT '${kind}_updated', id,
                   json_object('operator', :operator,
                               'before', ${recordJson(columns, stored)},
                               'after', ${recordJson(columns, edited)}),
                   :now
            FROM ${table} WHERE id = :id`,
      args,
    },
    decision: { sql: `UPDATE ${table} SET ${assignments(columns)} WHERE id = :id`, args },
    // a product back on sale may have a drop's line waiting for its units
    ...(kind === "product" ? offerStatements(args, "edit") : {}),
    after: { sql: kind === "product" ? selectProduct : selectWarehouse, args },
  });
}

// Ids name rows in the reserve plan's counters (reserve-plan.server.ts),
// which rely on this pattern; the API checks it, this is the backstop.
function checkId(id: string) {
  if (!ID_PATTERN.test(id)) throw new Error("catalogue: a new id must match ID_PATTERN");
}

export type ProductRecord = {
  id: string;
  name: string;
  description: string;
  price_cents: number;
  currency: string;
  image_url: string;
  category: string;
  low_stock_threshold: number;
  archived: number;
  max_per_customer: number;
  created_at: number;
};

// a product's columns, as toProduct reads them
export const productRecordColumns = `id, name, description, price_cents, currency, image_url, category,
                                     low_stock_threshold, archived, max_per_customer, created_at`;

const selectProduct = `SELECT ${productRecordColumns} FROM products WHERE id = :id`;

export function toProduct(r: ProductRecord): CatalogueProduct {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    priceCents: Number(r.price_cents),
    currency: r.currency,
    imageUrl: r.image_url,
    category: r.category,
    lowStockThreshold: Number(r.low_stock_threshold),
    archived: Number(r.archived) === 1,
    maxPerCustomer: Number(r.max_per_customer),
    createdAt: Number(r.created_at),
  };
}

// A new product, with no stock anywhere yet (an operator's restock gives a
// warehouse its first units). An id already taken changes nothing.
export async function createProduct({
  database,
  product,
  operator,
  now,
}: {
  database: Database;
  product: NewProduct;
  operator: string;
  now: number;
}): Promise<CreateOutcome<CatalogueProduct>> {
  checkId(product.id);
  const args = {
    ...product,
    lowStockThreshold: product.lowStockThreshold ?? null,
    archived: product.archived ?? null,
    maxPerCustomer: product.maxPerCustomer ?? null,
    operator,
    now,
  };
  // Each statement after the first runs only if the one before it changed
  // the row (changes(), the last statement's count): so the product, its
  // settings and its audit entry are written together, or nothing is.
  const results = await database.write({
    decision: {
      sql: `INSERT INTO products (id, name, description, price_cents, currency, image_url, category, created_at)
            VALUES (:id, :name, :description, :priceCents, :currency, :imageUrl, :category, :now)
            ON CONFLICT (id) DO NOTHING`,
      args,
    },
    settings: {
      sql: `UPDATE products
            SET low_stock_threshold = coalesce(:lowStockThreshold, low_stock_threshold),
                archived = coalesce(:archived, archived),
                max_per_customer = coalesce(:maxPerCustomer, max_per_customer)
            WHERE id = :id AND changes() = 1`,
      args,
    },
    audit: { sql: createdEntry("product", "products", productColumns), args },
    after: { sql: selectProduct, args },
  });
  if (results.decision.rowsAffected !== 1) return { ok: false, code: "already_exists" };
  return { ok: true, created: toProduct(results.after.rows[0] as unknown as ProductRecord) };
}

// Changes some of a product's fields; archiving is one of them.
export async function editProduct({
  database,
  id,
  changes,
  operator,
  now,
}: {
  database: Database;
  id: string;
  changes: ProductChanges;
  operator: string;
  now: number;
}): Promise<EditOutcome<CatalogueProduct>> {
  if (!ID_PATTERN.test(id)) return { ok: false, code: "not_found" };
  const results = await editRecord({
    database,
    table: "products",
    kind: "product",
    columns: productColumns,
    id,
    changes,
    operator,
    now,
  });
  const [after] = results.after.rows as unknown as ProductRecord[];
  if (results.decision.rowsAffected !== 1 || !after) return { ok: false, code: "not_found" };
  return { ok: true, edited: toProduct(after) };
}

const selectWarehouse = `SELECT id, name, city FROM warehouses WHERE id = :id`;

const toWarehouse = (r: CatalogueWarehouse): CatalogueWarehouse => ({ id: r.id, name: r.name, city: r.city });

// A new warehouse, stocking nothing yet.
export async function createWarehouse({
  database,
  warehouse,
  operator,
  now,
}: {
  database: Database;
  warehouse: CatalogueWarehouse;
  operator: string;
  now: number;
}): Promise<CreateOutcome<CatalogueWarehouse>> {
  checkId(warehouse.id);
  const args = { ...warehouse, operator, now };
  const results = await database.write({
    decision: {
      sql: `INSERT INTO warehouses (id, name, city) VALUES (:id, :name, :city) ON CONFLICT (id) DO NOTHING`,
      args,
    },
    audit: { sql: createdEntry("warehouse", "warehouses", warehouseColumns), args },
    after: { sql: selectWarehouse, args },
  });
  if (results.decision.rowsAffected !== 1) return { ok: false, code: "already_exists" };
  return { ok: true, created: toWarehouse(results.after.rows[0] as unknown as CatalogueWarehouse) };
}

export async function editWarehouse({
  database,
  id,
  changes,
  operator,
  now,
}: {
  database: Database;
  id: string;
  changes: WarehouseChanges;
  operator: string;
  now: number;
}): Promise<EditOutcome<CatalogueWarehouse>> {
  if (!ID_PATTERN.test(id)) return { ok: false, code: "not_found" };
  const results = await editRecord({
    database,
    table: "warehouses",
    kind: "warehouse",
    columns: warehouseColumns,
    id,
    changes,
    operator,
    now,
  });
  const [after] = results.after.rows as unknown as CatalogueWarehouse[];
  if (results.decision.rowsAffected !== 1 || !after) return { ok: false, code: "not_found" };
  return { ok: true, edited: toWarehouse(after) };
}
