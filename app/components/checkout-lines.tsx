import { Link, useFetcher } from "@remix-run/react";
import type { ReservationItemView, ReservationView } from "~/models/reservation";
import { formatPrice } from "./format";

// The checkout's order summary. While the hold is pending, each line has a
// stepper and a remove button: the hold changes in place (its countdown
// does not move), and a change the shop cannot make is said on its line.

// What the checkout's action answers for a change it could not make.
export type LineChangeRefusal = { productId: string; warehouseId: string; message: string };

const lineKey = (line: { productId: string; warehouseId: string }) => `${line.productId}/${line.warehouseId}`;

export function orderTotal(reservation: ReservationView): string {
  const cents = reservation.items.reduce((sum, item) => sum + item.priceCents * item.quantity, 0);
  return formatPrice(cents, reservation.items[0]?.currency ?? "INR");
}

export function Lines({
  reservation,
  changeable,
  maxPerLine,
  refusal,
}: {
  reservation: ReservationView;
  changeable: boolean;
  maxPerLine: number;
  // the refusal of a change posted without JavaScript
  refusal: LineChangeRefusal | null;
}) {
  const only = reservation.items.length === 1;
  return (
    <section aria-labelledby="summary" className="mt-8 card">
      <h2 id="summary" className="border-b border-line px-5 py-4 font-semibold sm:px-6">
        Order summary
      </h2>
      <ul className="divide-y divide-line">
        {reservation.items.map((item) => (
          <li key={lineKey(item)} className="flex flex-wrap items-center gap-x-4 gap-y-3 px-5 py-4 sm:px-6">
            <img
              src={item.imageUrl}
              alt=""
              width={64}
              height={64}
              className="size-16 shrink-0 rounded-lg bg-brand-50"
            />
            <div className="min-w-0 flex-1">
              <Link to={`/products/${item.productId}`} className="font-medium hover:text-brand-700">
                {item.productName}
              </Link>
              <p className="text-sm text-muted">
                {item.quantity} × {formatPrice(item.priceCents, item.currency)} · from {item.warehouseName}
              </p>
            </div>
            <p className="font-medium whitespace-nowrap sm:order-2 sm:min-w-20 sm:text-right">
              {formatPrice(item.priceCents * item.quantity, item.currency)}
            </p>
            {changeable ? (
              <LineStepper
                item={item}
                maxPerLine={maxPerLine}
                last={only}
                refusal={refusal && lineKey(refusal) === lineKey(item) ? refusal.message : null}
              />
            ) : null}
          </li>
        ))}
      </ul>
      <p className="flex justify-between border-t border-line px-5 py-4 text-lg font-semibold sm:px-6">
        <span>Total</span>
        <span data-testid="order-total">{orderTotal(reservation)}</span>
      </p>
    </section>
  );
}

// − quantity + and Remove, each a form of its own: without JavaScript a
// plain post that comes back to the page; with it, a fetcher that stays in
// place and shows the new quantity while the change is on its way.
function LineStepper({
  item,
  maxPerLine,
  last,
  refusal,
}: {
  item: ReservationItemView;
  maxPerLine: number;
  last: boolean;
  refusal: string | null;
}) {
  const fetcher = useFetcher<LineChangeRefusal>({ key: `line-${lineKey(item)}` });
  const asked = fetcher.formData ? Number(fetcher.formData.get("quantity")) : null;
  const shown = asked ?? item.quantity;
  const busy = fetcher.state !== "idle";
  const message = fetcher.state === "idle" && fetcher.data ? fetcher.data.message : refusal;
  const fields = (
    <>
      <input type="hidden" name="intent" value="change" />
      <input type="hidden" name="productId" value={item.productId} />
      <input type="hidden" name="warehouseId" value={item.warehouseId} />
    </>
  );
  const step = "btn btn-secondary size-10 p-0 text-lg leading-none";
  // on a phone the stepper has a row of its own; wider, it sits before the price
  return (
    <>
      <div className="flex w-full items-center justify-between gap-3 sm:order-1 sm:w-auto">
        <fetcher.Form method="post" preventScrollReset className="flex items-center gap-2">
          {fields}
          <button
            type="submit"
            name="quantity"
            value={shown - 1}
            className={step}
            disabled={busy || shown <= 1}
            aria-label={`One fewer ${item.productName}`}
          >
            −
          </button>
          <output
            aria-live="polite"
            aria-label={`Quantity of ${item.productName}`}
            className="min-w-8 text-center font-semibold tabular-nums"
            data-testid="line-quantity"
          >
            {shown}
          </output>
          <button
            type="submit"
            name="quantity"
            value={shown + 1}
            className={step}
            disabled={busy || shown >= maxPerLine}
            aria-label={`One more ${item.productName}`}
          >
            +
          </button>
        </fetcher.Form>
        <fetcher.Form method="post" preventScrollReset>
          {fields}
          <button
            type="submit"
            name="quantity"
            value={0}
            className="btn btn-secondary text-sm"
            disabled={busy}
            aria-label={last ? `Remove ${item.productName} and cancel the hold` : `Remove ${item.productName}`}
          >
            {last ? "Remove and cancel" : "Remove"}
          </button>
        </fetcher.Form>
      </div>
      {message ? (
        <p role="alert" className="w-full text-sm font-medium text-danger-ink sm:order-3 sm:text-right">
          {message}
        </p>
      ) : null}
    </>
  );
}
