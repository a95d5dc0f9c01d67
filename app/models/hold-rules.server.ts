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
  // the shop no longer sells these lines' products
  | { code: "product_archived"; archived: ReservationLine[] }
  | { code: "drop_not_started"; dropId: string; startsAt: number }
  | { code: "drop_ended"; dropId: string; endsAt: number }
  | { code: "customer_required"; productIds: string[] }
  | { code: "customer_limit_reached"; limit: CustomerLimit };

type ProductRules = {
  product_id: string;
  archived: number;
  drop_id: string | null;
  starts_at: number | null;
  ends_at: number | null;
  per_customer: number | null;
  // the customer's units of it, pending and paid, and its pending holds
  pending: number;
  confirmed: number;
  holds: number;
};

// A customer's units of product `p`, in holds of one status.
const unitsOf = (status: "pending" | "confirmed") =>
  `(SELECT coalesce(sum(ri.quantity), 0) FROM reservations r CROSS JOIN reservation_items ri
    WHERE r.customer_key = :key AND ri.reservation_id = r.id AND ri.product_id = p.id AND r.status = '${status}'
      ${status === "pending" ? "AND r.expires_at > :now" : ""})`;

// Which rule refused a hold, if one did, in the order a shopper should hear
// them: a product no longer sold, a drop not open, no customer, a limit.
// The write decided; this one read only says why, for the message.
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
    sql: `SELECT p.id AS product_id, p.archived, d.id AS drop_id, d.starts_at, d.ends_at,
                 coalesce(d.max_per_customer, nullif(p.max_per_customer, 0)) AS per_customer,
                 ${unitsOf("pending")} AS pending, ${unitsOf("confirmed")} AS confirmed,
                 (SELECT count(*) FROM reservations
                  WHERE customer_key = :key AND status = 'pending' AND expires_at > :now) AS holds
          FROM products p LEFT JOIN drops d ON d.id = ${governingDropId("p.id")}
          WHERE p.id IN (SELECT value FROM json_each(:ids))`,
    args: { ids: JSON.stringify(lines.map((l) => l.productId)), key: customer?.key ?? null, now },
  });
  const rules = result.rows as unknown as ProductRules[];
  const archived = new Set(rules.filter((r) => Number(r.archived) === 1).map((r) => r.product_id));
  if (archived.size > 0) return { code: "product_archived", archived: lines.filter((l) => archived.has(l.productId)) };
  for (const r of rules) {
    if (r.drop_id === null) continue;
    if (now < Number(r.starts_at))
      return { code: "drop_not_started", dropId: r.drop_id, startsAt: Number(r.starts_at) };
    if (r.ends_at !== null && now >= Number(r.ends_at)) {
      return { code: "drop_ended", dropId: r.drop_id, endsAt: Number(r.ends_at) };
    }
  }
  const limited = rules.filter((r) => r.per_customer !== null);
  if (!customer) {
    return limited.length > 0 ? { code: "customer_required", productIds: limited.map((r) => r.product_id) } : null;
  }
  const activeHolds = Number(rules[0]?.holds ?? 0);
  if (holdsPerCustomer > 0 && activeHolds + 1 > holdsPerCustomer) {
    return {
      code: "customer_limit_reached",
      limit: { measure: "holds", limit: holdsPerCustomer, pending: activeHolds },
    };
  }
  for (const r of limited) {
    const pending = Number(r.pending);
    const confirmed = Number(r.confirmed);
    const requested = lines.filter((l) => l.productId === r.product_id).reduce((sum, l) => sum + l.quantity, 0);
    const limit = Number(r.per_customer);
    if (pending + confirmed + requested > limit) {
      return {
        code: "customer_limit_reached",
        limit: { measure: "units", productId: r.product_id, limit, pending, confirmed, requested },
      };
    }
  }
  return null;
}
