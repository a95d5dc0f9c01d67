import { Form, Link, useFetcher, useNavigation } from "@remix-run/react";
import { useId, useState } from "react";
import type { StockLevel } from "~/models/inventory";
import { BackToCart } from "./cart/back-to-cart";
import { bestWarehouse, FEW_LEFT } from "./stock";

// The product page's reserve form: a warehouse (with its live count) and a
// quantity, to reserve now or to add to the cart. A plain form first; with
// JavaScript the counts are live, the quantity is bounded by what the
// chosen warehouse has, and adding to the cart happens in place.

// What the server says when a hold (or an add to the cart) could not be
// had, for the form to show.
type ReserveFailure = {
  fieldErrors?: Partial<Record<"warehouseId" | "quantity", string>>;
  formError?: string;
  // where the shopper can still get it; the form starts from there
  suggestion?: { warehouseId: string; quantity: number } | null;
  attempt: number;
};

// What went into the cart.
type AddedToCart = { added: { warehouseId: string; quantity: number }; attempt: number };

export type ReserveAnswer = ReserveFailure | AddedToCart;

export function ReserveForm({
  stock,
  available,
  holdFor,
  maxPerLine,
  answer,
}: {
  stock: StockLevel[];
  available: number;
  holdFor: string;
  maxPerLine: number;
  // the answer to the form sent without JavaScript (or to Reserve)
  answer: ReserveAnswer | undefined;
}) {
  const adding = useFetcher<ReserveAnswer>();
  // the newest answer, whichever way the form went
  const latest = [answer, adding.data].reduce<ReserveAnswer | undefined>(
    (newest, a) => (a && (!newest || a.attempt > newest.attempt) ? a : newest),
    undefined,
  );
  const failure = latest && !("added" in latest) ? latest : undefined;
  const added = latest && "added" in latest ? latest.added : undefined;
  const suggested = answer && !("added" in answer) ? answer.suggestion : undefined;
  const [warehouseId, setWarehouseId] = useState(suggested?.warehouseId ?? bestWarehouse(stock)?.warehouseId ?? "");
  const [quantity, setQuantity] = useState(String(suggested?.quantity ?? 1));
  const selected = stock.find((s) => s.warehouseId === warehouseId);
  const errorId = useId();

  return (
    <Form
      method="post"
      className="mt-8 card p-5 sm:p-6"
      aria-describedby={failure?.formError ? errorId : undefined}
      onSubmit={(event) => {
        // "Add to cart" stays on the page: the same form, sent by a fetcher
        const submitter = event.nativeEvent instanceof SubmitEvent ? event.nativeEvent.submitter : null;
        if (!(submitter instanceof HTMLButtonElement) || submitter.value !== "cart") return;
        event.preventDefault();
        adding.submit(submitter, { method: "post", preventScrollReset: true });
      }}
    >
      <BackToCart />
      <WarehouseChoices
        stock={stock}
        choosable={available > 0}
        warehouseId={warehouseId}
        error={failure?.fieldErrors?.warehouseId}
        onChoose={(level) => {
          setWarehouseId(level.warehouseId);
          setQuantity((q) => String(Math.min(Number(q) || 1, Math.max(1, level.available))));
        }}
      />

      {failure?.formError ? (
        <p
          id={errorId}
          role="alert"
          className="mt-5 rounded-lg border border-danger/30 bg-danger-50 px-4 py-3 text-sm font-medium text-danger-ink"
        >
          {failure.formError}
        </p>
      ) : null}

      {available > 0 ? (
        <QuantityAndSubmit
          quantity={quantity}
          onQuantity={setQuantity}
          max={Math.max(1, Math.min(selected?.available ?? 1, maxPerLine))}
          selected={selected}
          holdFor={holdFor}
          error={failure?.fieldErrors?.quantity}
          adding={adding.state !== "idle"}
        />
      ) : (
        <p className="mt-6 rounded-lg bg-surface px-4 py-3 text-sm font-medium text-muted">
          Sold out everywhere for now. Holds that run out put units back on sale, so check again soon.
        </p>
      )}

      {/* always in the page, so a screen reader hears what is added to it */}
      <div role="status">
        {added ? (
          <p className="mt-4 flex flex-wrap items-center justify-between gap-x-4 gap-y-1 rounded-lg border border-ok/30 bg-ok-50 px-4 py-3 text-sm font-medium text-ok-ink">
            <span>
              Added {added.quantity} from {stock.find((s) => s.warehouseId === added.warehouseId)?.warehouseName} to
              your cart
            </span>
            <Link to="/cart" className="font-semibold underline underline-offset-2 hover:text-ink">
              View cart
            </Link>
          </p>
        ) : null}
      </div>
    </Form>
  );
}

// Each warehouse with its live count: radio buttons while anything is left,
// a plain list once it is sold out everywhere.
function WarehouseChoices({
  stock,
  choosable,
  warehouseId,
  error,
  onChoose,
}: {
  stock: StockLevel[];
  choosable: boolean;
  warehouseId: string;
  error: string | undefined;
  onChoose: (level: StockLevel) => void;
}) {
  return (
    <fieldset>
      <legend className="font-semibold">Stock by warehouse</legend>
      <p className="mt-1 text-sm text-muted">Live: counts change as other shoppers reserve and buy.</p>
      <ul className="mt-4 grid gap-2">
        {stock.map((s) =>
          choosable ? (
            <li key={s.warehouseId}>
              {/* A sold-out row stays selectable: the counts can be a moment
                  old, and the server's answer says where else to look. */}
              <label
                className={`flex min-h-11 cursor-pointer items-center justify-between gap-3 rounded-lg border border-line px-4 py-2.5 hover:border-brand-500 has-checked:border-brand-500 has-checked:bg-brand-50 ${
                  s.available <= 0 ? "text-muted" : ""
                }`}
              >
                <span className="flex items-center gap-3">
                  <input
                    type="radio"
                    name="warehouseId"
                    value={s.warehouseId}
                    checked={warehouseId === s.warehouseId}
                    onChange={() => onChoose(s)}
                    className="size-4 accent-brand-600"
                  />
                  <span className="font-medium">{s.warehouseName}</span>
                </span>
                <StockCount level={s} />
              </label>
            </li>
          ) : (
            <li
              key={s.warehouseId}
              className="flex min-h-11 items-center justify-between gap-3 rounded-lg border border-line px-4 py-2.5 text-muted"
            >
              <span className="font-medium">{s.warehouseName}</span>
              <StockCount level={s} />
            </li>
          ),
        )}
      </ul>
      {error ? <p className="mt-2 text-sm text-danger-ink">{error}</p> : null}
    </fieldset>
  );
}

function StockCount({ level }: { level: StockLevel }) {
  const soldOut = level.available <= 0;
  const tone = soldOut ? "" : level.available <= FEW_LEFT ? "font-medium text-warn-ink" : "text-ok-ink";
  return (
    <span data-testid={`available-${level.warehouseId}`} className={`text-sm ${tone}`}>
      {soldOut ? "Sold out" : `${level.available} available`}
    </span>
  );
}

function QuantityAndSubmit({
  quantity,
  onQuantity,
  max,
  selected,
  holdFor,
  error,
  adding,
}: {
  quantity: string;
  onQuantity: (quantity: string) => void;
  max: number;
  selected: StockLevel | undefined;
  holdFor: string;
  error: string | undefined;
  adding: boolean;
}) {
  const navigation = useNavigation();
  const reserving = navigation.state !== "idle" && navigation.formMethod === "POST";
  const ids = { hint: useId(), error: useId() };
  return (
    <div className="mt-6 flex flex-wrap items-end gap-3 sm:gap-4">
      <div>
        <label htmlFor="quantity" className="block text-sm font-medium">
          Quantity
        </label>
        <input
          id="quantity"
          name="quantity"
          type="number"
          inputMode="numeric"
          min={1}
          max={max}
          required
          value={quantity}
          onChange={(e) => onQuantity(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${ids.hint}${error ? ` ${ids.error}` : ""}`}
          className="mt-1 block w-24 rounded-lg border border-line bg-card px-3 py-2.5 text-base"
        />
      </div>
      <div className="flex min-w-60 flex-1 gap-3 sm:flex-none">
        <button
          type="submit"
          name="intent"
          value="reserve"
          className="btn btn-primary flex-1 sm:flex-none"
          disabled={reserving}
        >
          {reserving ? "Reserving…" : "Reserve"}
        </button>
        <button
          type="submit"
          name="intent"
          value="cart"
          className="btn btn-secondary flex-1 sm:flex-none"
          disabled={adding}
        >
          {adding ? "Adding…" : "Add to cart"}
        </button>
      </div>
      <p id={ids.hint} className="w-full text-sm text-muted">
        {selected ? `Up to ${max} from ${selected.warehouseName}. ` : ""}
        Reserve holds it for you for {holdFor} while you pay; or add it to your cart and hold everything at once.
      </p>
      {error ? (
        <p id={ids.error} className="w-full text-sm text-danger-ink">
          {error}
        </p>
      ) : null}
    </div>
  );
}
