import type { SqlArgs } from "./events.server";
import { MAX_QUANTITY_PER_LINE } from "./reservation";

// A shopper's hold that runs out, or that they or the shop release, puts
// its lines back in their cart, in the same write that ends it: nothing the
// shopper chose is lost, and "Hold again" is one click. A drop's hold is
// left out (its product is sold on the drop's page, by its own rules), and so
// is an integrator's (made with a key, or without a browser session).
// `holds` is a WHERE condition over `r`, true for the holds ending now,
// checked before they change. A line already in the cart gets the hold's
// quantity added; either way a line keeps to the most one may have, so the
// cart's CHECK can never fail the write that ends a hold. A write may end
// holds twice (its cleanup of dead holds, then its own release), so the
// names say after what.
export function returnToCartStatements(holds: string, args: SqlArgs, after: "expiry" | "release") {
  const returning = `${holds} AND r.session_hash IS NOT NULL AND r.ttl_ms IS NULL AND r.api_key_id IS NULL`;
  return {
    [`${after}.returnCarts`]: {
      sql: `INSERT INTO carts (session_hash, revision, updated_at)
            SELECT DISTINCT r.session_hash, 1, :now FROM reservations r WHERE ${returning}
            ON CONFLICT (session_hash) DO UPDATE SET revision = carts.revision + 1, updated_at = excluded.updated_at`,
      args,
    },
    [`${after}.returnLines`]: {
      sql: `INSERT INTO cart_lines (session_hash, product_id, warehouse_id, quantity, added_at)
            SELECT r.session_hash, ri.product_id, ri.warehouse_id, min(ri.quantity, ${MAX_QUANTITY_PER_LINE}), :now
            FROM reservations r CROSS JOIN reservation_items ri
            WHERE ri.reservation_id = r.id AND ${returning}
            ON CONFLICT (session_hash, product_id, warehouse_id)
            DO UPDATE SET quantity = min(cart_lines.quantity + excluded.quantity, ${MAX_QUANTITY_PER_LINE})`,
      args,
    },
  };
}
