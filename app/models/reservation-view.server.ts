import type { ResultSet } from "@libsql/client";
import type { HoldPolicy, ReservationItemView, ReservationStatus, ReservationView } from "./reservation";

// One row per line of each reservation matched by `where` (a condition over
// `r`), with what a page or an API client shows of it.
export const reservationViewSql = (where: string) =>
  `SELECT r.id, r.status, r.created_at, r.updated_at, r.expires_at, r.extension_count, r.ttl_ms, r.max_extensions,
          ri.product_id, ri.warehouse_id, ri.quantity, p.name AS product_name,
          w.name AS warehouse_name, p.price_cents, p.currency, p.image_url,
          CASE WHEN r.status = 'released' THEN
            EXISTS (SELECT 1 FROM events e WHERE e.reservation_id = r.id AND e.type = 'operator_released')
          END AS released_by_shop
   FROM reservations r
   JOIN reservation_items ri ON ri.reservation_id = r.id
   JOIN products p ON p.id = ri.product_id
   JOIN warehouses w ON w.id = ri.warehouse_id
   WHERE ${where}
   ORDER BY r.id, p.name, w.name, ri.product_id, ri.warehouse_id`;

export type ViewRow = {
  id: string;
  status: ReservationStatus;
  created_at: number;
  updated_at: number;
  expires_at: number;
  extension_count: number;
  ttl_ms: number | null;
  max_extensions: number | null;
  product_id: string;
  warehouse_id: string;
  quantity: number;
  product_name: string;
  warehouse_name: string;
  price_cents: number;
  currency: string;
  image_url: string;
  released_by_shop: number | null;
};

export const viewRowsById = (result: ResultSet | undefined) =>
  viewRowsByHold((result?.rows ?? []) as unknown as ViewRow[]);

export function viewRowsByHold(rows: ViewRow[]): Map<string, ViewRow[]> {
  const byId = new Map<string, ViewRow[]>();
  for (const row of rows) {
    const lines = byId.get(row.id);
    if (lines) lines.push(row);
    else byId.set(row.id, [row]);
  }
  return byId;
}

// The terms a hold has: a drop's hold keeps its drop's, any other has the
// server's.
function holdTerms(row: ViewRow, policy: HoldPolicy): HoldPolicy {
  if (row.ttl_ms === null || row.max_extensions === null) return policy;
  const ttlMs = Number(row.ttl_ms);
  const maxExtensions = Number(row.max_extensions);
  return { ttlMs, maxExtensions, maxHoldMs: ttlMs * (1 + maxExtensions) };
}

// The holder's view of a hold at `now`: a pending hold past its expiry is
// shown as expired whether or not anything has swept it.
export function toView(rows: ViewRow[], policy: HoldPolicy, now: number): ReservationView {
  const head = rows[0];
  if (!head) throw new Error("a reservation always has at least one line");
  const expiresAt = Number(head.expires_at);
  const createdAt = Number(head.created_at);
  const status = head.status === "pending" && expiresAt <= now ? "expired" : head.status;
  const terms = holdTerms(head, policy);
  const canExtend = status === "pending" && expiresAt < createdAt + terms.maxHoldMs;
  const items: ReservationItemView[] = rows.map((l) => ({
    productId: l.product_id,
    warehouseId: l.warehouse_id,
    quantity: Number(l.quantity),
    productName: l.product_name,
    warehouseName: l.warehouse_name,
    priceCents: Number(l.price_cents),
    currency: l.currency,
    imageUrl: l.image_url,
  }));
  return {
    id: head.id,
    status,
    createdAt,
    updatedAt: Number(head.updated_at),
    expiresAt,
    extensionsLeft: canExtend ? Math.max(0, terms.maxExtensions - Number(head.extension_count)) : 0,
    extendsByMs: terms.ttlMs,
    releasedBy: status === "released" ? (Number(head.released_by_shop) === 1 ? "shop" : "holder") : null,
    items,
  };
}
