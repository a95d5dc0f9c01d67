import { Link } from "@remix-run/react";
import { useLiveStock } from "~/live/live-updates";
import type { CartView } from "~/models/cart";
import { formatPrice } from "../format";
import { withLiveStock } from "../stock";
import { sameLine, type CartAnswer } from "./cart-answer";
import { CartIcon } from "./cart-icon";
import { CartLine } from "./cart-line";
import { HoldForm } from "./hold-form";

// The cart: its lines with live stock, the totals, and "Hold my cart". A
// refused hold is shown until the cart changes: it was about the cart as
// it was.
export function CartPage({
  cart,
  liveFrom,
  holdFor,
  maxPerLine,
  answer,
}: {
  cart: CartView;
  liveFrom: number;
  holdFor: string;
  maxPerLine: number;
  answer: CartAnswer | undefined;
}) {
  const live = useLiveStock([...new Set(cart.lines.map((l) => l.productId))], liveFrom);
  const refusal = answer && !answer.ok ? answer : null;
  const current = refusal && (!refusal.hold || refusal.hold.revision === cart.revision) ? refusal : null;
  const lines = cart.lines.map((line) => {
    const stock = withLiveStock(line.stock, live);
    const available = stock.find((s) => s.warehouseId === line.warehouseId)?.available ?? line.available;
    return { line, stock, available };
  });
  // what "Hold what's available" would take now, by the live counts
  const holdable = lines.reduce(
    (sum, { line, available }) =>
      sum + (line.archived || line.inDrop ? 0 : Math.min(line.quantity, Math.max(0, available))),
    0,
  );
  const banner = current && !current.line ? current : null;

  return (
    <>
      <h1 className="text-3xl font-bold tracking-tight">Your cart</h1>
      {cart.lines.length > 0 ? (
        <p className="mt-2 text-pretty text-muted">
          Nothing is held until you press Hold my cart: then every line is held at once, for {holdFor}, while you pay.
        </p>
      ) : null}
      {banner ? (
        <div
          role="alert"
          className="mt-6 rounded-card border border-danger/30 bg-danger-50 p-4 text-danger-ink sm:p-5"
          data-testid="hold-refused"
        >
          <p className="font-semibold text-pretty">{banner.message}</p>
          {banner.hold && banner.hold.short.length > 0 && holdable > 0 ? (
            <div className="mt-4 flex flex-col gap-3 sm:flex-row sm:items-center">
              <HoldForm revision={cart.revision} mode="available" label="Hold what's available" className="sm:w-64" />
              <p className="text-sm">
                Holds {holdable} of your {cart.units} {cart.units === 1 ? "unit" : "units"} now; the rest stays in your
                cart.
              </p>
            </div>
          ) : null}
        </div>
      ) : null}

      {cart.lines.length === 0 ? (
        <EmptyCart />
      ) : (
        <div className="mt-6 grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem] lg:items-start">
          <section aria-label="Items in your cart" className="card">
            <ul className="divide-y divide-line">
              {lines.map(({ line, stock, available }) => (
                <CartLine
                  key={`${line.productId}/${line.warehouseId}`}
                  line={line}
                  stock={stock}
                  available={available}
                  maxPerLine={maxPerLine}
                  flagged={current?.hold?.short.some((s) => sameLine(s, line)) ?? false}
                  refusal={current?.line && sameLine(current.line, line) ? current.message : undefined}
                />
              ))}
            </ul>
          </section>
          <Summary cart={cart} holdFor={holdFor} />
        </div>
      )}
    </>
  );
}

function Summary({ cart, holdFor }: { cart: CartView; holdFor: string }) {
  const currency = cart.currency ?? "INR";
  return (
    <section aria-labelledby="cart-summary" className="card p-5 sm:p-6 lg:sticky lg:top-6">
      <h2 id="cart-summary" className="font-semibold">
        Summary
      </h2>
      <dl className="mt-4 grid gap-2 text-sm">
        <div className="flex justify-between gap-4">
          <dt className="text-muted">Items</dt>
          <dd className="tabular-nums">{cart.units}</dd>
        </div>
        <div className="flex items-baseline justify-between gap-4 border-t border-line pt-3 text-base">
          <dt className="font-semibold">Total</dt>
          <dd className="text-xl font-bold tabular-nums" data-testid="cart-total">
            {formatPrice(cart.totalCents, currency)}
          </dd>
        </div>
      </dl>
      <HoldForm revision={cart.revision} mode="all" label="Hold my cart" className="mt-5" />
      <p className="mt-3 text-xs text-pretty text-muted">
        All of it or nothing: held for {holdFor} while you pay, and nobody else can take it. A demo: no money moves.
      </p>
      <Link to="/products" className="mt-4 block text-center text-sm font-medium text-brand-700 hover:text-brand-900">
        Continue shopping
      </Link>
    </section>
  );
}

function EmptyCart() {
  return (
    <section className="mt-6 card px-6 py-12 text-center sm:py-16">
      <CartIcon className="mx-auto size-12 text-brand-500" />
      <h2 className="mt-4 text-xl font-semibold">Your cart is empty</h2>
      <p className="mx-auto mt-2 max-w-md text-pretty text-muted">
        Add things from the shop, then hold them all at once: one hold, one countdown, one payment.
      </p>
      <Link to="/products" className="btn btn-primary mt-6 px-5">
        Browse the shop
      </Link>
    </section>
  );
}
