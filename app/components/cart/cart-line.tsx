import { Link, useFetcher } from "@remix-run/react";
import { useId } from "react";
import type { CartLineView } from "~/models/cart";
import type { StockLevel } from "~/models/inventory";
import { formatPrice } from "../format";
import { BackToCart } from "./back-to-cart";
import type { CartAnswer } from "./cart-answer";
import { availabilityNote, moveTargets, shortLineMessage, type Tone } from "./cart-words";

// One line of the cart: its picture, name, warehouse, price and live stock,
// with its quantity to change, a way out of the cart, and, when its
// warehouse is short, a way to another that has the units. Each line has
// its own fetcher, so changing one never waits on another.

const tones: Record<Tone, string> = {
  ok: "text-ok-ink",
  warn: "text-warn-ink",
  danger: "text-danger-ink",
};

export function CartLine({
  line,
  stock,
  available,
  maxPerLine,
  flagged,
  refusal,
}: {
  line: CartLineView;
  // the product's rows with the live counts laid over them, and the units
  // free now at the line's own warehouse
  stock: StockLevel[];
  available: number;
  maxPerLine: number;
  // a refused hold found this line short
  flagged: boolean;
  // what the server said about this line's last change, without JavaScript
  refusal: string | undefined;
}) {
  const fetcher = useFetcher<CartAnswer>();
  const busy = fetcher.state === "idle" ? null : fetcher.formData?.get("intent");
  const answer = fetcher.data && !fetcher.data.ok ? fetcher.data.message : refusal;
  const note = availabilityNote(line, available);
  const short = !line.archived && !line.inDrop && available < line.quantity;
  const targets = short ? moveTargets(line, available, stock) : [];
  const ids = { quantity: useId(), name: useId() };
  const label = `${line.productName} from ${line.warehouseName}`;

  return (
    <li
      aria-labelledby={ids.name}
      data-testid="cart-line"
      aria-busy={busy ? true : undefined}
      // on a phone the picture sits beside the name, and the controls take
      // the card's whole width beneath them
      className={`grid grid-cols-[4.5rem_minmax(0,1fr)] gap-x-4 gap-y-3 px-4 py-5 transition-opacity sm:grid-cols-[6rem_minmax(0,1fr)] sm:gap-x-5 sm:px-6 ${
        busy === "remove" ? "opacity-50" : ""
      }`}
    >
      <img
        src={line.imageUrl}
        alt=""
        width={96}
        height={96}
        className="size-18 rounded-lg bg-brand-50 object-cover sm:row-span-2 sm:size-24"
      />
      <div className="flex min-w-0 items-start justify-between gap-3">
        <div className="min-w-0">
          <h2 id={ids.name} className="leading-snug font-semibold">
            <Link to={`/products/${line.productId}`} className="hover:text-brand-700">
              {line.productName}
            </Link>
          </h2>
          <p className="mt-0.5 text-sm text-muted">
            From {line.warehouseName} ·{" "}
            <span className="whitespace-nowrap">{formatPrice(line.priceCents, line.currency)} each</span>
          </p>
        </div>
        <p data-testid="line-total" className="shrink-0 text-right font-semibold tabular-nums">
          {formatPrice(line.priceCents * line.quantity, line.currency)}
        </p>
      </div>

      <div className="col-span-2 min-w-0 sm:col-span-1 sm:col-start-2">
        {short && flagged ? (
          <p
            role="alert"
            data-testid="availability"
            className="rounded-lg border border-danger/30 bg-danger-50 px-3 py-2 text-sm font-medium text-pretty text-danger-ink"
          >
            {shortLineMessage(line, available, stock)}
          </p>
        ) : (
          <p data-testid="availability" className={`text-sm font-medium ${tones[note.tone]}`}>
            {note.text}
          </p>
        )}

        <fetcher.Form method="post" action="/cart" preventScrollReset className="mt-3 flex flex-wrap items-end gap-2">
          <BackToCart />
          <input type="hidden" name="productId" value={line.productId} />
          <input type="hidden" name="warehouseId" value={line.warehouseId} />
          <div>
            <label htmlFor={ids.quantity} className="block text-xs font-medium text-muted">
              Quantity<span className="sr-only"> of {label}</span>
            </label>
            <input
              // a new quantity from the server starts the field afresh
              key={line.quantity}
              id={ids.quantity}
              name="quantity"
              type="number"
              inputMode="numeric"
              min={0}
              max={maxPerLine}
              required
              defaultValue={line.quantity}
              className="mt-1 block min-h-11 w-20 rounded-lg border border-line bg-card px-3 py-2 text-base tabular-nums"
            />
          </div>
          <button type="submit" name="intent" value="set" className="btn btn-secondary" disabled={busy !== null}>
            {busy === "set" ? "Updating…" : "Update"}
            <span className="sr-only"> {label}</span>
          </button>
          <button
            type="submit"
            name="intent"
            value="remove"
            formNoValidate
            className="btn px-3 text-muted hover:text-danger-ink"
            disabled={busy !== null}
          >
            {busy === "remove" ? "Removing…" : "Remove"}
            <span className="sr-only"> {label}</span>
          </button>
        </fetcher.Form>

        {targets.length > 0 ? (
          <fetcher.Form method="post" action="/cart" preventScrollReset className="mt-3 flex flex-wrap gap-2">
            <BackToCart />
            <input type="hidden" name="intent" value="move" />
            <input type="hidden" name="productId" value={line.productId} />
            <input type="hidden" name="warehouseId" value={line.warehouseId} />
            {targets.map((target) => (
              <button
                key={target.warehouseId}
                type="submit"
                name="toWarehouseId"
                value={target.warehouseId}
                className="btn btn-secondary"
                disabled={busy !== null}
              >
                {busy === "move" && fetcher.formData?.get("toWarehouseId") === target.warehouseId
                  ? "Moving…"
                  : `Move to ${target.warehouseName} (${target.available} left)`}
              </button>
            ))}
          </fetcher.Form>
        ) : null}

        {answer ? (
          <p role="alert" className="mt-2 text-sm font-medium text-danger-ink">
            {answer}
          </p>
        ) : null}
      </div>
    </li>
  );
}
