import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { waitlistStatuses } from "../app/models/drop";
import { reservationStatuses } from "../app/models/reservation";

// Times are integer milliseconds since the epoch (UTC): guards compare them
// with `now` from the injected clock, and integers compare exactly.

export const products = sqliteTable(
  "products",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    description: text("description").notNull(),
    priceCents: integer("price_cents").notNull(),
    currency: text("currency").notNull(),
    imageUrl: text("image_url").notNull(),
    category: text("category").notNull(),
    createdAt: integer("created_at").notNull(),
    // hidden from the shop and refused new holds; its pending holds run
    // out (or are paid) as usual
    archived: integer("archived", { mode: "boolean" }).notNull().default(false),
    // a row of this product is low on stock once its available units are
    // at or below this (the console lists it, an alert says so)
    lowStockThreshold: integer("low_stock_threshold").notNull().default(5),
    // units one customer may have in pending and confirmed holds of this
    // product (0: no limit); a drop's own limit overrides it for its
    // products
    maxPerCustomer: integer("max_per_customer").notNull().default(0),
  },
  (t) => [
    check("products_price_cents_non_negative", sql`${t.priceCents} >= 0`),
    check("products_low_stock_threshold_non_negative", sql`${t.lowStockThreshold} >= 0`),
    check("products_max_per_customer_non_negative", sql`${t.maxPerCustomer} >= 0`),
    check("products_currency_iso", sql`length(${t.currency}) = 3`),
    index("products_category").on(t.category),
  ],
);
export type Product = typeof products.$inferSelect;

export const warehouses = sqliteTable("warehouses", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  city: text("city").notNull(),
});
export type Warehouse = typeof warehouses.$inferSelect;

// The CHECKs are the backstop of the one promise: even a buggy writer cannot
// store a row that holds or sells units that do not exist.
export const inventory = sqliteTable(
  "inventory",
  {
    productId: text("product_id")
      .notNull()
      .references(() => products.id),
    warehouseId: text("warehouse_id")
      .notNull()
      .references(() => warehouses.id),
    total: integer("total").notNull(),
    reserved: integer("reserved").notNull().default(0),
    sold: integer("sold").notNull().default(0),
    updatedAt: integer("updated_at").notNull(),
    // the row's newest ledger entry (an events id), moved by every write
    // that appends one (moveLedgerHeads): the consistency check reads it
    // instead of looking through the row's events, so no index on events
    // has to be keyed by row, and a hold on one row writes no page of
    // another's
    ledgerEventId: integer("ledger_event_id"),
  },
  (t) => [
    primaryKey({ columns: [t.productId, t.warehouseId] }),
    check("inventory_total_non_negative", sql`${t.total} >= 0`),
    check("inventory_reserved_non_negative", sql`${t.reserved} >= 0`),
    check("inventory_sold_non_negative", sql`${t.sold} >= 0`),
    check("inventory_no_oversell", sql`${t.reserved} + ${t.sold} <= ${t.total}`),
  ],
);
export type InventoryRow = typeof inventory.$inferSelect;

export const reservations = sqliteTable(
  "reservations",
  {
    id: text("id").primaryKey(),
    status: text("status", { enum: reservationStatuses }).notNull(),
    // sha-256 of the hold token given to the API client; the token itself is
    // never stored
    holderHash: text("holder_hash").notNull(),
    // sha-256 of the browser session's holder id, when a browser made the hold
    sessionHash: text("session_hash"),
    // who made the hold, for the fair-use caps: a hash of the browser
    // session, or of the address for a caller without one; and a hash of
    // the address in every case (every session behind it shares a cap)
    clientKey: text("client_key"),
    addressKey: text("address_key"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    extensionCount: integer("extension_count").notNull().default(0),
    // a drop's hold keeps its drop's terms: each extension adds ttl_ms, at
    // most max_extensions times; null on any other hold, which has the
    // server's
    ttlMs: integer("ttl_ms"),
    maxExtensions: integer("max_extensions"),
    // the customer the hold is for, for the per-customer limits: a hash of
    // the browser session, or of an integrator's key and its customer's id
    customerKey: text("customer_key"),
    // the integrator key whose customer made it: that key may act on it
    // and reads its events in its feed
    apiKeyId: text("api_key_id"),
    // the last change of its lines (hold-items.server.ts): the id its
    // guarded write sets, which the rest of that write checks for
    lastChange: text("last_change"),
  },
  (t) => [
    check("reservations_status_known", sql`${t.status} IN ('pending', 'confirmed', 'released', 'expired')`),
    check("reservations_expiry_after_creation", sql`${t.expiresAt} > ${t.createdAt}`),
    check("reservations_extensions_non_negative", sql`${t.extensionCount} >= 0`),
    // Only pending holds are ever looked up by expiry (the sweep, and the
    // stale-hold cleanup inside reserve), so the index holds nothing else.
    index("reservations_pending_expiry")
      .on(t.expiresAt)
      .where(sql`${t.status} = 'pending'`),
    // the caps count a client's pending holds inside the write that makes one
    index("reservations_pending_client")
      .on(t.clientKey)
      .where(sql`${t.status} = 'pending'`),
    index("reservations_pending_address")
      .on(t.addressKey)
      .where(sql`${t.status} = 'pending'`),
    // the console's statistics count the holds made in a window
    index("reservations_created_at").on(t.createdAt),
    // the per-customer limits count a customer's pending and paid holds
    index("reservations_customer")
      .on(t.customerKey)
      .where(sql`${t.customerKey} IS NOT NULL`),
  ],
);
export type Reservation = typeof reservations.$inferSelect;

export const reservationItems = sqliteTable(
  "reservation_items",
  {
    reservationId: text("reservation_id")
      .notNull()
      .references(() => reservations.id),
    productId: text("product_id").notNull(),
    warehouseId: text("warehouse_id").notNull(),
    quantity: integer("quantity").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.reservationId, t.productId, t.warehouseId] }),
    check("reservation_items_quantity_positive", sql`${t.quantity} > 0`),
  ],
);
export type ReservationItem = typeof reservationItems.$inferSelect;

// The transactional outbox: every command appends what it did here in the
// same write, so the audit trail and the live pages can never disagree with
// the stock. The id only grows, which is what SSE resumes from.
export const events = sqliteTable(
  "events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    type: text("type").notNull(),
    reservationId: text("reservation_id"),
    productId: text("product_id"),
    warehouseId: text("warehouse_id"),
    payload: text("payload", { mode: "json" }).notNull(),
    createdAt: integer("created_at").notNull(),
    // a hold's event, when an integrator key's customer made the hold: the
    // key's event feed reads by it
    apiKeyId: text("api_key_id"),
  },
  (t) => [
    index("events_api_key")
      .on(t.apiKeyId, t.id)
      .where(sql`${t.apiKeyId} IS NOT NULL`),
    // a hold's events; a stock event has none, and left out it adds nothing
    // to a hold's write (half the events a hold writes are stock events)
    index("events_reservation")
      .on(t.reservationId)
      .where(sql`${t.reservationId} IS NOT NULL`),
    index("events_created_at").on(t.createdAt),
    // a row's stock adjustments (its opening entry among them), for its
    // repair: rare, so the index is small and a hold never writes to it
    index("events_row_adjustments")
      .on(t.productId, t.warehouseId, t.id)
      .where(sql`${t.type} = 'stock_adjusted'`),
  ],
);
export type EventRow = typeof events.$inferSelect;

export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    // scoped: the client's identity and the route are part of the key, so
    // one client's key can never replay another's response
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    // null while the first request is still running
    responseStatus: integer("response_status"),
    responseBody: text("response_body"),
    createdAt: integer("created_at").notNull(),
    completedAt: integer("completed_at"),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] }), index("idempotency_keys_created_at").on(t.createdAt)],
);
export type IdempotencyKey = typeof idempotencyKeys.$inferSelect;

// Integrator keys: an operator makes one for a payment service or a
// storefront, which sends it as `Authorization: Bearer hfk_…`. The key is
// shown once and only its sha-256 is kept, like a hold token.
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    keyHash: text("key_hash").notNull(),
    createdAt: integer("created_at").notNull(),
    // recorded at most once a minute (api-keys.server.ts)
    lastUsedAt: integer("last_used_at"),
    // a revoked key is kept, so the console and the audit trail can still
    // name it
    revokedAt: integer("revoked_at"),
  },
  (t) => [
    uniqueIndex("api_keys_key_hash").on(t.keyHash),
    check("api_keys_name_length", sql`length(${t.name}) BETWEEN 1 AND 60`),
  ],
);
export type ApiKey = typeof apiKeys.$inferSelect;

// A limited drop: its products are sold only between starts_at and ends_at,
// in holds of its own length, at most max_per_customer units a customer.
export const drops = sqliteTable(
  "drops",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    startsAt: integer("starts_at").notNull(),
    // null: open until the operator ends it
    endsAt: integer("ends_at"),
    holdTtlSeconds: integer("hold_ttl_seconds").notNull(),
    maxPerCustomer: integer("max_per_customer").notNull(),
    extensions: integer("extensions").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    check("drops_name_length", sql`length(${t.name}) BETWEEN 1 AND 80`),
    check("drops_window", sql`${t.endsAt} IS NULL OR ${t.endsAt} > ${t.startsAt}`),
    check("drops_hold_ttl", sql`${t.holdTtlSeconds} BETWEEN 10 AND 3600`),
    check("drops_max_per_customer", sql`${t.maxPerCustomer} >= 1`),
    check("drops_extensions", sql`${t.extensions} BETWEEN 0 AND 5`),
  ],
);
export type Drop = typeof drops.$inferSelect;

// A product belongs to at most one drop that has not ended (drops.server.ts
// keeps that inside its own write); the drops it was in before stay listed.
export const dropProducts = sqliteTable(
  "drop_products",
  {
    dropId: text("drop_id")
      .notNull()
      .references(() => drops.id),
    productId: text("product_id")
      .notNull()
      .references(() => products.id),
  },
  (t) => [primaryKey({ columns: [t.dropId, t.productId] }), index("drop_products_product").on(t.productId)],
);

// What the top-purchasers list calls a customer (2 to 30 characters).
export const customers = sqliteTable(
  "customers",
  {
    key: text("key").primaryKey(),
    displayName: text("display_name").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [check("customers_display_name_length", sql`length(${t.displayName}) BETWEEN 2 AND 30`)],
);

// A drop's waiting list, one line per product: units that come back go to
// the first in line, in the same write that frees them (waitlist.server.ts).
export const waitlist = sqliteTable(
  "waitlist",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    dropId: text("drop_id")
      .notNull()
      .references(() => drops.id),
    productId: text("product_id").notNull(),
    customerKey: text("customer_key").notNull(),
    // an integrator's customer: the id it gave, and its key
    customerId: text("customer_id"),
    apiKeyId: text("api_key_id"),
    // a shopper's browser session, which the offered hold belongs to
    sessionHash: text("session_hash"),
    status: text("status", { enum: waitlistStatuses }).notNull(),
    // the order of the line: lower goes first; a customer who let an offer
    // run out gets a new one at the back; null once out of the line
    place: integer("place"),
    // the pending holds the customer may have at once, as it was when they
    // joined (0: no limit): an offer is made in whatever write frees a unit,
    // which knows nothing of the server's settings
    maxActiveHolds: integer("max_active_holds").notNull(),
    // the offered hold, and the row its unit came from
    reservationId: text("reservation_id"),
    warehouseId: text("warehouse_id"),
    joinedAt: integer("joined_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    check("waitlist_status_known", sql`${t.status} IN ('waiting', 'offered', 'lapsed')`),
    uniqueIndex("waitlist_customer").on(t.dropId, t.productId, t.customerKey),
    index("waitlist_line")
      .on(t.productId, t.place)
      .where(sql`${t.place} IS NOT NULL`),
    index("waitlist_reservation")
      .on(t.reservationId)
      .where(sql`${t.reservationId} IS NOT NULL`),
    // the offers a write has just made (waitlist-offers.server.ts)
    index("waitlist_offered")
      .on(t.updatedAt)
      .where(sql`${t.status} = 'offered'`),
  ],
);

// A shopper's cart: one per browser session, kept on the server so it
// survives restarts and every tab sees the same one. `revision` goes up
// with every change; the "Hold my cart" form carries it, so a double submit
// of one cart makes one hold. The sweep removes carts idle for 30 days.
export const carts = sqliteTable(
  "carts",
  {
    sessionHash: text("session_hash").primaryKey(),
    revision: integer("revision").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("carts_updated_at").on(t.updatedAt)],
);

export const cartLines = sqliteTable(
  "cart_lines",
  {
    sessionHash: text("session_hash")
      .notNull()
      .references(() => carts.sessionHash, { onDelete: "cascade" }),
    productId: text("product_id").notNull(),
    warehouseId: text("warehouse_id").notNull(),
    quantity: integer("quantity").notNull(),
    addedAt: integer("added_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.sessionHash, t.productId, t.warehouseId] }),
    check("cart_lines_quantity", sql`${t.quantity} BETWEEN 1 AND 100`),
  ],
);
