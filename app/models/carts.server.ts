import type { Database } from "~/infra/db/db.server";
import { CART_IDLE_MS, MAX_CART_LINES, type BackInCart, type CartLineView, type CartView } from "./cart";
import { governingDropId } from "./hold-rules.server";
import { readStock } from "./inventory.server";
import { ID_PATTERN, MAX_QUANTITY_PER_LINE, type ReservationLine, type ReservationView } from "./reservation";

// A shopper's cart, kept per browser session (its hash). Every change is
// one guarded write that also moves the cart's revision on, so a "Hold my
// cart" form made before the change can tell (cart-hold.server.ts).

export type CartEditOutcome =
  | { ok: true }
  | {
      ok: false;
      // no such product at that warehouse, or no such line in the cart
      code: "not_found" | "product_archived" | "in_drop" | "cart_full" | "line_full";
    };

type LineRecord = {
  product_id: string;
  warehouse_id: string;
  quantity: number;
  product_name: string;
  warehouse_name: string;
  price_cents: number;
  currency: string;
  image_url: string;
  archived: number;
  in_drop: number;
};

export async function readCart({
  database,
  sessionHash,
  now,
}: {
  database: Database;
  sessionHash: string | null;
  now: number;
}): Promise<CartView> {
  if (!sessionHash) return { revision: 0, lines: [], units: 0, totalCents: 0, currency: null };
  const result = await database.reader.batch(
    [
      { sql: "SELECT revision FROM carts WHERE session_hash = :sessionHash", args: { sessionHash } },
      {
        sql: `SELECT c.product_id, c.warehouse_id, c.quantity, p.name AS product_name, w.name AS warehouse_name,
                     p.price_cents, p.currency, p.image_url, p.archived,
                     ${governingDropId("c.product_id")} IS NOT NULL AS in_drop
              FROM cart_lines c
              JOIN products p ON p.id = c.product_id
              JOIN warehouses w ON w.id = c.warehouse_id
              WHERE c.session_hash = :sessionHash
              ORDER BY c.added_at, p.name, w.name`,
        args: { sessionHash, now },
      },
    ],
    "read",
  );
  const [cart, lineRows] = result;
  const records = (lineRows?.rows ?? []) as unknown as LineRecord[];
  const stock = await readStock({ database, productIds: records.map((r) => r.product_id), now });
  const lines: CartLineView[] = records.map((r) => {
    const levels = stock.filter((s) => s.productId === r.product_id);
    return {
      productId: r.product_id,
      warehouseId: r.warehouse_id,
      quantity: Number(r.quantity),
      productName: r.product_name,
      warehouseName: r.warehouse_name,
      priceCents: Number(r.price_cents),
      currency: r.currency,
      imageUrl: r.image_url,
      archived: Number(r.archived) === 1,
      inDrop: Number(r.in_drop) === 1,
      available: levels.find((s) => s.warehouseId === r.warehouse_id)?.available ?? 0,
      stock: levels,
    };
  });
  return {
    revision: Number(cart?.rows[0]?.revision ?? 0),
    lines,
    units: lines.reduce((sum, l) => sum + l.quantity, 0),
    totalCents: lines.reduce((sum, l) => sum + l.quantity * l.priceCents, 0),
    currency: lines[0]?.currency ?? null,
  };
}

export async function cartRevision({
  database,
  sessionHash,
}: {
  database: Database;
  sessionHash: string;
}): Promise<number> {
  const result = await database.reader.execute({
    sql: "SELECT revision FROM carts WHERE session_hash = :sessionHash",
    args: { sessionHash },
  });
  return Number(result.rows[0]?.revision ?? 0);
}

// A hold that ended unpaid put its lines back in the cart
// (cart-returns.server.ts): how many of its units the cart has now, if any.
export async function backInCart({
  database,
  sessionHash,
  reservation,
}: {
  database: Database;
  sessionHash: string | null;
  reservation: ReservationView;
}): Promise<BackInCart | null> {
  if (!sessionHash || reservation.status === "pending" || reservation.status === "confirmed") return null;
  // the cart's lines and revision only: what is in stock does not matter here
  const [cart, lines] = await database.reader.batch(
    [
      { sql: "SELECT revision FROM carts WHERE session_hash = :sessionHash", args: { sessionHash } },
      {
        sql: "SELECT product_id, warehouse_id, quantity FROM cart_lines WHERE session_hash = :sessionHash",
        args: { sessionHash },
      },
    ],
    "read",
  );
  const inCart = (lines?.rows ?? []) as unknown as Pick<LineRecord, "product_id" | "warehouse_id" | "quantity">[];
  const units = reservation.items.reduce((sum, item) => {
    const line = inCart.find((l) => l.product_id === item.productId && l.warehouse_id === item.warehouseId);
    return sum + Math.min(item.quantity, Number(line?.quantity ?? 0));
  }, 0);
  return units > 0 ? { units, revision: Number(cart?.rows[0]?.revision ?? 0) } : null;
}

// The header's cart in one cheap read: its units, and its revision, by
// which the shop's other open tabs learn that it changed.
export async function cartSummary({
  database,
  sessionHash,
}: {
  database: Database;
  sessionHash: string | null;
}): Promise<{ units: number; revision: number }> {
  if (!sessionHash) return { units: 0, revision: 0 };
  const result = await database.reader.execute({
    sql: `SELECT (SELECT coalesce(sum(quantity), 0) FROM cart_lines WHERE session_hash = :sessionHash) AS units,
                 (SELECT revision FROM carts WHERE session_hash = :sessionHash) AS revision`,
    args: { sessionHash },
  });
  const row = result.rows[0];
  return { units: Number(row?.units ?? 0), revision: Number(row?.revision ?? 0) };
}

// What may go in a cart: a row that exists, of a product still sold and not
// in a drop (a drop's product is held on the drop's page, by its rules),
// within the cart's lines and a line's units. Refused, nothing is written:
// not even an empty cart.
const mayAdd = `EXISTS (SELECT 1 FROM inventory i JOIN products p ON p.id = i.product_id
                        WHERE i.product_id = :productId AND i.warehouse_id = :warehouseId AND NOT p.archived)
  AND ${governingDropId(":productId")} IS NULL
  AND coalesce((SELECT quantity FROM cart_lines
                WHERE session_hash = :sessionHash AND product_id = :productId AND warehouse_id = :warehouseId), 0)
      + :quantity <= ${MAX_QUANTITY_PER_LINE}
  AND (EXISTS (SELECT 1 FROM cart_lines
               WHERE session_hash = :sessionHash AND product_id = :productId AND warehouse_id = :warehouseId)
       OR (SELECT count(*) FROM cart_lines WHERE session_hash = :sessionHash) < ${MAX_CART_LINES})`;

const bumpRevision = `UPDATE carts SET revision = revision + 1, updated_at = :now WHERE session_hash = :sessionHash`;

const badIds = (...ids: string[]) => ids.some((id) => !ID_PATTERN.test(id));

// Adds units of one row to the cart; a line already there gets them added.
export async function addToCart({
  database,
  sessionHash,
  line,
  now,
}: {
  database: Database;
  sessionHash: string;
  line: ReservationLine;
  now: number;
}): Promise<CartEditOutcome> {
  if (badIds(line.productId, line.warehouseId)) return { ok: false, code: "not_found" };
  const args = { sessionHash, ...line, now };
  const { decision } = await database.write({
    // the guard: its rowsAffected says whether the line went in
    decision: {
      sql: `INSERT INTO carts (session_hash, revision, updated_at) SELECT :sessionHash, 1, :now WHERE ${mayAdd}
            ON CONFLICT (session_hash) DO UPDATE SET revision = revision + 1, updated_at = excluded.updated_at`,
      args,
    },
    line: {
      sql: `INSERT INTO cart_lines (session_hash, product_id, warehouse_id, quantity, added_at)
            SELECT :sessionHash, :productId, :warehouseId, :quantity, :now WHERE ${mayAdd}
            ON CONFLICT (session_hash, product_id, warehouse_id) DO UPDATE SET quantity = quantity + excluded.quantity`,
      args,
    },
  });
  if (decision.rowsAffected === 1) return { ok: true };
  return { ok: false, code: await whyNotAdded(database, args) };
}

// The write refused; one read says why, for the message.
async function whyNotAdded(
  database: Database,
  args: { sessionHash: string; productId: string; warehouseId: string; quantity: number; now: number },
): Promise<Exclude<CartEditOutcome, { ok: true }>["code"]> {
  const result = await database.reader.execute({
    sql: `SELECT p.archived, ${governingDropId("p.id")} AS drop_id,
                 EXISTS (SELECT 1 FROM inventory i
                         WHERE i.product_id = p.id AND i.warehouse_id = :warehouseId) AS stocked,
                 (SELECT count(*) FROM cart_lines WHERE session_hash = :sessionHash) AS lines,
                 (SELECT quantity FROM cart_lines WHERE session_hash = :sessionHash
                    AND product_id = :productId AND warehouse_id = :warehouseId) AS in_cart
          FROM products p WHERE p.id = :productId`,
    args,
  });
  const row = result.rows[0];
  if (!row || Number(row.stocked) !== 1) return "not_found";
  if (Number(row.archived) === 1) return "product_archived";
  if (row.drop_id !== null) return "in_drop";
  if (row.in_cart === null && Number(row.lines) >= MAX_CART_LINES) return "cart_full";
  return "line_full";
}

// Sets a line's quantity; 0 takes it out of the cart.
export async function setCartLine({
  database,
  sessionHash,
  productId,
  warehouseId,
  quantity,
  now,
}: {
  database: Database;
  sessionHash: string;
  productId: string;
  warehouseId: string;
  quantity: number;
  now: number;
}): Promise<CartEditOutcome> {
  if (badIds(productId, warehouseId)) return { ok: false, code: "not_found" };
  const args = { sessionHash, productId, warehouseId, quantity, now };
  const line = `session_hash = :sessionHash AND product_id = :productId AND warehouse_id = :warehouseId`;
  const { decision } = await database.write({
    decision:
      quantity === 0
        ? { sql: `DELETE FROM cart_lines WHERE ${line}`, args }
        : { sql: `UPDATE cart_lines SET quantity = :quantity WHERE ${line}`, args },
    // changes(): the line's own change, the statement just before
    revision: { sql: `${bumpRevision} AND changes() = 1`, args },
  });
  return decision.rowsAffected === 1 ? { ok: true } : { ok: false, code: "not_found" };
}

// Moves a line to another warehouse that stocks the product (one with the
// units the first one lacks); a line already there gets its units added.
export async function moveCartLine({
  database,
  sessionHash,
  productId,
  fromWarehouseId,
  toWarehouseId,
  now,
}: {
  database: Database;
  sessionHash: string;
  productId: string;
  fromWarehouseId: string;
  toWarehouseId: string;
  now: number;
}): Promise<CartEditOutcome> {
  if (badIds(productId, fromWarehouseId, toWarehouseId) || fromWarehouseId === toWarehouseId) {
    return { ok: false, code: "not_found" };
  }
  const args = { sessionHash, productId, fromWarehouseId, toWarehouseId, now };
  const from = `session_hash = :sessionHash AND product_id = :productId AND warehouse_id = :fromWarehouseId`;
  const { decision } = await database.write({
    // the guard: the line is in the cart and the other warehouse stocks it
    decision: {
      sql: `INSERT INTO cart_lines (session_hash, product_id, warehouse_id, quantity, added_at)
            SELECT session_hash, product_id, :toWarehouseId, quantity, added_at FROM cart_lines
            WHERE ${from}
              AND EXISTS (SELECT 1 FROM inventory WHERE product_id = :productId AND warehouse_id = :toWarehouseId)
            ON CONFLICT (session_hash, product_id, warehouse_id)
            DO UPDATE SET quantity = min(quantity + excluded.quantity, ${MAX_QUANTITY_PER_LINE})`,
      args,
    },
    leave: { sql: `DELETE FROM cart_lines WHERE ${from} AND changes() = 1`, args },
    revision: { sql: `${bumpRevision} AND changes() = 1`, args },
  });
  return decision.rowsAffected === 1 ? { ok: true } : { ok: false, code: "not_found" };
}

// The sweep's part: carts idle for 30 days go, lines first.
export async function pruneIdleCarts({ database, now }: { database: Database; now: number }): Promise<number> {
  const args = { cutoff: now - CART_IDLE_MS };
  const idle = `SELECT session_hash FROM carts WHERE updated_at < :cutoff`;
  const { carts } = await database.write({
    lines: { sql: `DELETE FROM cart_lines WHERE session_hash IN (${idle})`, args },
    carts: { sql: `DELETE FROM carts WHERE updated_at < :cutoff`, args },
  });
  return carts.rowsAffected;
}
