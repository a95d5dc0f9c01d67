import type { Database } from "~/infra/db/db.server";
import { MAX_CART_LINES } from "./cart";
import { cartRevision, readCart } from "./carts.server";
import type { Customer } from "./customers.server";
import { abandonIdempotent, beginIdempotent, completeIdempotent } from "./idempotency.server";
import type { FairUse, HoldPolicy, ReservationLine } from "./reservation";
import { reserve, type Requester, type ReserveObserver, type ReserveOutcome } from "./reservation.server";

// "Hold my cart": every line of the cart as one all-or-nothing hold, the
// same guarded write (and limits) as any hold, which also takes the lines
// out of the cart. The form carries the cart's revision, so:
// - the hold is made only if the cart is still what the shopper saw;
// - a double submit (two clicks, Back and submit, a retried request) is one
//   hold: the revision is an idempotency key, and the write itself makes at
//   most one hold of a cart's revision.
// "Hold what's available" holds each line at what is free now instead.

export type CartHoldMode = "all" | "available";

export type CartHoldOutcome =
  | { ok: true; reservationId: string }
  | { ok: false; code: "cart_empty" | "cart_changed" | "in_progress" }
  // more lines than one hold may have (lines that came back from holds
  // that ended may take a cart past its own limit)
  | { ok: false; code: "too_many_lines"; limit: number }
  // a line whose product is now sold in a drop, on the drop's own terms
  | { ok: false; code: "in_drop"; productIds: string[] }
  | Exclude<ReserveOutcome, { ok: true }>;

type CartHoldInput = {
  database: Database;
  sessionHash: string;
  revision: number;
  mode: CartHoldMode;
  requester: Requester;
  customer: Customer;
  fairUse: FairUse;
  policy: HoldPolicy;
  now: number;
  observe?: ReserveObserver;
};

export async function holdCart(input: CartHoldInput): Promise<CartHoldOutcome> {
  const { database, sessionHash, revision, mode, now } = input;
  const scope = `cart:${sessionHash}`;
  const key = `${mode}:${revision}`;
  let start = await beginIdempotent({ database, scope, key, requestHash: key, now });
  // the first submit was refused while this one waited for it, and let the
  // key go: this one then tries for itself
  if (start.kind === "in_progress") start = await beginIdempotent({ database, scope, key, requestHash: key, now });
  if (start.kind === "replay") return JSON.parse(start.body) as CartHoldOutcome;
  // the key is the request, so another body under it cannot happen; a
  // first submit still running after the wait is the only other answer
  if (start.kind !== "proceed") return { ok: false, code: "in_progress" };
  let outcome: CartHoldOutcome;
  try {
    outcome = await attempt(input);
  } catch (error) {
    await abandonIdempotent({ database, scope, key });
    throw error;
  }
  // Only a hold is kept for replay: a refusal changed nothing, so a retry
  // (once stock is back) runs afresh.
  if (outcome.ok) {
    await completeIdempotent({ database, scope, key, status: 201, body: JSON.stringify(outcome), now });
  } else {
    await abandonIdempotent({ database, scope, key });
  }
  return outcome;
}

async function attempt({
  database,
  sessionHash,
  revision,
  mode,
  requester,
  customer,
  fairUse,
  policy,
  now,
  observe,
}: CartHoldInput): Promise<CartHoldOutcome> {
  const cart = await readCart({ database, sessionHash, now });
  if (cart.revision !== revision) return { ok: false, code: "cart_changed" };
  if (cart.lines.length === 0) return { ok: false, code: "cart_empty" };
  if (cart.lines.length > MAX_CART_LINES) return { ok: false, code: "too_many_lines", limit: MAX_CART_LINES };
  const inDrop = cart.lines.filter((l) => l.inDrop);
  if (inDrop.length > 0) return { ok: false, code: "in_drop", productIds: inDrop.map((l) => l.productId) };
  const wanted = (line: (typeof cart.lines)[number]) =>
    mode === "all" ? line.quantity : Math.min(line.quantity, Math.max(0, line.available));
  const items: ReservationLine[] = cart.lines
    .map((l) => ({ productId: l.productId, warehouseId: l.warehouseId, quantity: wanted(l) }))
    .filter((l) => l.quantity > 0);
  if (items.length === 0) {
    return {
      ok: false,
      code: "insufficient_stock",
      short: cart.lines.map((l) => ({
        productId: l.productId,
        warehouseId: l.warehouseId,
        quantity: l.quantity,
        available: Math.max(0, l.available),
        stock: l.stock,
      })),
    };
  }
  // what stays in the cart: whatever of each line the hold did not take
  const rest = cart.lines
    .map((l) => ({ productId: l.productId, warehouseId: l.warehouseId, quantity: l.quantity - wanted(l) }))
    .filter((l) => l.quantity > 0);
  const outcome = await reserve({
    database,
    items,
    holder: { sessionHash },
    requester,
    customer,
    cart: { sessionHash, revision, rest },
    fairUse,
    policy,
    now,
    observe,
  });
  if (outcome.ok) return { ok: true, reservationId: outcome.reservation.id };
  // the cart changed under the hold (another tab): that is the answer
  return (await cartRevision({ database, sessionHash })) === revision ? outcome : { ok: false, code: "cart_changed" };
}
