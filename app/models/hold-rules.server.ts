import type { Database } from "~/infra/db/db.server";
import type { Customer } from "./customers.server";
import type { CustomerLimit, ReservationLine } from "./reservation";

// The rules a hold must meet besides stock: a drop's product is sold only
// inside its drop's window, and a product with a per-customer limit only to
// a customer within it. The write that makes the hold decides them
// (reserve-plan.server.ts); this module names the drop that governs a
// product, for that write and for every read, and explains a refusal.

// The drop that governs a product (an SQL expression over `product`, with
// :now): the one that has not ended, of which there is at most one, else
// the one that ended last. None: an ordinary product.
export const governingDropId = (product: string) =>
  `(SELECT dp.drop_id FROM drop_products dp JOIN drops x ON x.id = dp.drop_id
    WHERE dp.product_id = ${product}
    ORDER BY x.ends_at IS NOT NULL AND x.ends_at <= :now, x.starts_at DESC LIMIT 1)`;

export type RuleRefusal =
  | { code: "drop_not_started"; dropId: string; startsAt: number }
  | { code: "drop_ended"; dropId: string; endsAt: number }
  | { code: "customer_required"; productIds: string[] }
  | { code: "customer_limit_reached"; limit: CustomerLimit };

type Governed = {
  product_id: string;
  drop_id: string | null;
  starts_at: number | null;
  ends_at: number | null;
  per_customer: number | null;
};

// Which rule refused a hold, if one did. The write decided; this read only
// says why, for the message.
export async function ruleRefusal({
  database,
  lines,
  customer,
  holdsPerCustomer,
  now,
}: {
  database: Database;
  lines: ReservationLine[];
  customer: Customer | null;
  holdsPerCustomer: number;
  now: number;
}): Promise<RuleRefusal | null> {
  const result = await database.reader.execute({
    sql: `SELECT p.id AS product_id, d.id AS drop_id, d.starts_at, d.ends_at,
                 coalesce(d.max_per_customer, nullif(p.max_per_customer, 0)) AS per_customer
          FROM products p LEFT JOIN drops d ON d.id = ${governingDropId("p.id")}
          WHERE p.id IN (SELECT value FROM json_each(:ids))`,
    args: { ids: JSON.stringify(lines.map((l) => l.productId)), now },
  });
  const governed = result.rows as unknown as Governed[];
  for (const g of governed) {
    if (g.drop_id === null) continue;
    if (now < Number(g.starts_at))
      return { code: "drop_not_started", dropId: g.drop_id, startsAt: Number(g.starts_at) };
    if (g.ends_at !== null && now >= Number(g.ends_at)) {
      return { code: "drop_ended", dropId: g.drop_id, endsAt: Number(g.ends_at) };
    }
  }
  const limited = governed.filter((g) => g.per_customer !== null);
  if (!customer) {
    return limited.length > 0 ? { code: "customer_required", productIds: limited.map((g) => g.product_id) } : null;
  }
  const args = { key: customer.key, now };
  const holds = await database.reader.execute({
    sql: `SELECT count(*) AS holds FROM reservations
          WHERE customer_key = :key AND status = 'pending' AND expires_at > :now`,
    args,
  });
  const owned = await database.reader.execute({
    sql: `SELECT ri.product_id,
                 sum(CASE WHEN r.status = 'pending' THEN ri.quantity ELSE 0 END) AS pending,
                 sum(CASE WHEN r.status = 'confirmed' THEN ri.quantity ELSE 0 END) AS confirmed
          FROM reservations r CROSS JOIN reservation_items ri
          WHERE r.customer_key = :key AND ri.reservation_id = r.id
            AND (r.status = 'confirmed' OR (r.status = 'pending' AND r.expires_at > :now))
          GROUP BY ri.product_id`,
    args,
  });
  const activeHolds = Number(holds.rows[0]?.holds ?? 0);
  if (holdsPerCustomer > 0 && activeHolds + 1 > holdsPerCustomer) {
    return {
      code: "customer_limit_reached",
      limit: { measure: "holds", limit: holdsPerCustomer, pending: activeHolds },
    };
  }
  for (const g of limited) {
    const row = owned.rows.find((r) => r.product_id === g.product_id);
    const pending = Number(row?.pending ?? 0);
    const confirmed = Number(row?.confirmed ?? 0);
    const requested = lines.filter((l) => l.productId === g.product_id).reduce((sum, l) => sum + l.quantity, 0);
    const limit = Number(g.per_customer);
    if (pending + confirmed + requested > limit) {
      return {
        code: "customer_limit_reached",
        limit: { measure: "units", productId: g.product_id, limit, pending, confirmed, requested },
      };
    }
  }
  return null;
}
