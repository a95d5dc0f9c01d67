import { Form, Link, useNavigation } from "@remix-run/react";
import { useId } from "react";
import { useHydrated } from "remix-utils/use-hydrated";
import { formatPrice } from "~/components/format";
import { FEW_LEFT } from "~/components/stock";
import type { DropPhase, DropProduct as Product, DropShopper } from "~/models/drop";

// What the server said about one product's form.
export type DropFailure = {
  productId: string;
  formError?: string;
  fieldErrors?: Partial<Record<"displayName" | "quantity", string>>;
  attempt: number;
};

type Own = {
  hold: DropShopper["holds"][number] | undefined;
  line: DropShopper["lines"][number] | undefined;
};

type CardProps = {
  product: Product;
  phase: DropPhase;
  maxPerCustomer: number;
  needsName: boolean;
  own: Own;
  failure: DropFailure | undefined;
};

// One of a drop's products: its live count and line, and what this shopper
// can do now: reserve it (the button turns on when the drop opens), join
// its waiting line once it is sold out, or go to the hold they have.
export function DropProductCard(props: CardProps) {
  const { product, phase, failure } = props;
  const errorId = useId();
  return (
    <li data-testid={`drop-product-${product.id}`} className="card flex flex-col overflow-hidden">
      <img
        src={product.imageUrl}
        alt=""
        width={400}
        height={400}
        className="aspect-[4/3] w-full bg-brand-50 object-cover"
      />
      <div className="flex flex-1 flex-col gap-3 p-4 sm:p-5">
        <div className="flex flex-wrap items-start justify-between gap-2">
          <h3 className="font-semibold leading-snug">{product.name}</h3>
          <span className="font-semibold">{formatPrice(product.priceCents, product.currency)}</span>
        </div>
        <p className="flex flex-wrap gap-x-4 gap-y-1 text-sm">
          {phase === "ended" ? null : <Count available={product.available} />}
          {product.waiting > 0 ? (
            <span data-testid="waiting" className="text-muted">
              {product.waiting} waiting
            </span>
          ) : null}
        </p>
        {failure?.formError ? (
          <p
            id={errorId}
            role="alert"
            className="rounded-lg border border-danger/30 bg-danger-50 px-3 py-2 text-sm font-medium text-danger-ink"
          >
            {failure.formError}
          </p>
        ) : null}
        <div className="mt-auto">
          <Action {...props} />
        </div>
      </div>
    </li>
  );
}

function Count({ available }: { available: number }) {
  const tone = available <= 0 ? "text-muted" : available <= FEW_LEFT ? "font-medium text-warn-ink" : "text-ok-ink";
  return (
    <span data-testid="available" className={tone}>
      {available <= 0 ? "Sold out" : `${available} left`}
    </span>
  );
}

function Action({ product, phase, maxPerCustomer, needsName, own, failure }: CardProps) {
  if (own.hold?.status === "pending") {
    const offered = own.line?.status === "offered" && own.line.reservationId === own.hold.reservationId;
    return (
      <div data-testid="own-hold" className="rounded-lg bg-brand-50 px-3 py-3 text-sm">
        <p className="font-semibold text-brand-900">
          {offered ? "A unit came back for you: it's held while you pay." : "You're holding this one."}
        </p>
        <Link to={`/reservations/${own.hold.reservationId}`} className="btn btn-primary mt-3 w-full">
          Go to checkout
        </Link>
      </div>
    );
  }
  if (own.hold?.status === "confirmed") {
    return <p className="rounded-lg bg-ok-50 px-3 py-3 text-sm font-semibold text-ok-ink">You bought this one.</p>;
  }
  if (phase === "ended") return <p className="text-sm text-muted">This drop has ended.</p>;
  if (own.line && own.line.position !== null) {
    return (
      <p data-testid="own-place" className="rounded-lg bg-surface px-3 py-3 text-sm">
        <span className="block text-base font-semibold">You&apos;re #{own.line.position} in line</span>
        {own.line.status === "lapsed"
          ? "Your last offer ran out, so you went to the back. "
          : "When a unit comes back, it is held for the first in line. "}
        This page updates by itself.
      </p>
    );
  }
  if (phase === "live" && product.available <= 0) {
    return (
      <Form method="post" replace>
        <input type="hidden" name="productId" value={product.id} />
        <p className="text-sm text-muted">
          Sold out for now. Units come back when holds run out or are cancelled; the line gets them first.
        </p>
        <button type="submit" name="intent" value="wait" className="btn btn-secondary mt-3 w-full">
          Join the waiting line
        </button>
      </Form>
    );
  }
  return (
    <ReserveForm
      product={product}
      phase={phase}
      maxPerCustomer={maxPerCustomer}
      needsName={needsName}
      failure={failure}
    />
  );
}

function ReserveForm({
  product,
  phase,
  maxPerCustomer,
  needsName,
  failure,
}: {
  product: Product;
  phase: DropPhase;
  maxPerCustomer: number;
  needsName: boolean;
  failure: DropFailure | undefined;
}) {
  // Without JavaScript the button is always there: the server's answer says
  // how long is left. With it, the button waits for the drop to open, which
  // the page hears from the server.
  const hydrated = useHydrated();
  const navigation = useNavigation();
  const submitting =
    navigation.state !== "idle" &&
    navigation.formData?.get("productId") === product.id &&
    navigation.formMethod === "POST";
  const ids = { name: useId(), quantity: useId() };
  const waiting = hydrated && phase !== "live";
  return (
    <Form method="post" className="grid gap-3">
      <input type="hidden" name="productId" value={product.id} />
      {needsName ? (
        <div>
          <label htmlFor={ids.name} className="block text-sm font-medium">
            Your name for the top purchasers list
          </label>
          <input
            id={ids.name}
            name="displayName"
            required
            minLength={2}
            maxLength={30}
            autoComplete="nickname"
            aria-invalid={failure?.fieldErrors?.displayName ? true : undefined}
            className="field mt-1"
          />
          {failure?.fieldErrors?.displayName ? (
            <p className="mt-1 text-sm text-danger-ink">{failure.fieldErrors.displayName}</p>
          ) : null}
        </div>
      ) : null}
      {maxPerCustomer > 1 ? (
        <div>
          <label htmlFor={ids.quantity} className="block text-sm font-medium">
            Quantity
          </label>
          <input
            id={ids.quantity}
            name="quantity"
            type="number"
            inputMode="numeric"
            min={1}
            max={maxPerCustomer}
            defaultValue={1}
            className="field mt-1 w-24"
          />
        </div>
      ) : null}
      <button
        type="submit"
        name="intent"
        value="reserve"
        className="btn btn-primary w-full"
        disabled={waiting || submitting}
      >
        {submitting ? "Reserving…" : waiting ? "Opens at the start" : "Reserve"}
      </button>
    </Form>
  );
}
