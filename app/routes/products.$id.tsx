import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useId, useState } from "react";
import { z } from "zod";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { formatDuration, formatPrice } from "~/components/format";
import { ProductCard } from "~/components/product-card";
import {
  bestWarehouse,
  FEW_LEFT,
  shopLimitMessage,
  shortageMessage,
  totalAvailable,
  withLiveStock,
} from "~/components/stock";
import { takeWrite } from "~/http/rate-limit.server";
import { ensureSessionHolder } from "~/http/session.server";
import { unavailableBecause } from "~/infra/db/db.server";
import { useLiveStock } from "~/live/live-updates";
import type { StockLevel } from "~/models/inventory";
import { getProduct, similarProducts } from "~/models/inventory.server";
import { ID_PATTERN, MAX_QUANTITY_PER_LINE } from "~/models/reservation";
import { clientKeys, reserve } from "~/models/reservation.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.product.name} · Holdfast` : "Not found · Holdfast" },
  ...(data ? [{ name: "description", content: data.product.description }] : []),
];

export async function loader({ params, context }: LoaderFunctionArgs) {
  const { database, clock, live, policy } = context.app;
  const liveFrom = live.cursor();
  const product = await getProduct({ database, id: params.id ?? "", now: clock() });
  if (!product) throw new Response("Not found", { status: 404 });
  const similar = await similarProducts({ database, product, limit: 4, now: clock() });
  return {
    product,
    similar,
    liveFrom,
    holdFor: formatDuration(policy.ttlMs),
    // from the loader, so the page's bundle does not pull in the schemas
    maxPerLine: MAX_QUANTITY_PER_LINE,
  };
}

const reserveForm = z.object({
  warehouseId: z.string({ required_error: "Choose a warehouse" }).regex(/^[A-Za-z0-9_-]{1,100}$/, "Choose a warehouse"),
  quantity: z.coerce
    .number({ invalid_type_error: "Enter a number" })
    .int("Enter a whole number")
    .min(1, "Reserve at least 1")
    .max(MAX_QUANTITY_PER_LINE, `At most ${MAX_QUANTITY_PER_LINE} at a time`),
});

type ReserveFailure = {
  fieldErrors?: Partial<Record<"warehouseId" | "quantity", string>>;
  formError?: string;
  // where the shopper can still get it; the form starts from there
  suggestion?: { warehouseId: string; quantity: number } | null;
  attempt: number;
};

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { database, clock, env, policy, fairUse } = context.app;
  const productId = params.id ?? "";
  if (!ID_PATTERN.test(productId)) throw new Response("Not found", { status: 404 });
  const parsed = reserveForm.safeParse(Object.fromEntries(await request.formData()));
  const attempt = Date.now();
  if (!parsed.success) {
    const { fieldErrors } = parsed.error.flatten();
    return data<ReserveFailure>(
      { fieldErrors: { warehouseId: fieldErrors.warehouseId?.[0], quantity: fieldErrors.quantity?.[0] }, attempt },
      { status: 400 },
    );
  }
  // the same per-address limit as the API's, so the form is no way around it
  const retryAfter = takeWrite(context);
  if (retryAfter !== null) {
    return data<ReserveFailure>(
      { formError: `Too many holds from your network just now. Try again in ${retryAfter} s.`, attempt },
      { status: 429, headers: { "Retry-After": String(retryAfter) } },
    );
  }
  const { sessionHash, setCookie } = await ensureSessionHolder(request, env.SESSION_SECRET);
  const headers = setCookie ? { "Set-Cookie": setCookie } : undefined;
  let outcome;
  try {
    outcome = await reserve({
      database,
      items: [{ productId, ...parsed.data }],
      holder: { sessionHash },
      requester: clientKeys({ sessionHash, address: context.client.address }),
      fairUse,
      policy,
      now: clock(),
    });
  } catch (error) {
    if (!unavailableBecause(error)) throw error;
    return data<ReserveFailure>(
      { formError: "The shop can't take holds for a moment. Nothing was held; please try again shortly.", attempt },
      { status: 503, headers: { ...headers, "Retry-After": "30" } },
    );
  }
  if (outcome.ok) return redirect(`/reservations/${outcome.reservation.id}`, { headers });
  if (outcome.code === "not_found") {
    return data<ReserveFailure>(
      { formError: "That warehouse doesn't stock this product.", attempt },
      { status: 400, headers },
    );
  }
  if (outcome.code === "client_limit_reached") {
    return data<ReserveFailure>({ formError: shopLimitMessage(outcome.limit), attempt }, { status: 409, headers });
  }
  // A lost race is an answer, not an error: say what is left and where.
  const [line] = outcome.short;
  const { message, suggestion } = line
    ? shortageMessage(line)
    : { message: "Not enough stock left.", suggestion: null };
  return data<ReserveFailure>({ formError: message, suggestion, attempt }, { status: 409, headers });
}

export default function ProductPage() {
  const { product, similar, liveFrom, holdFor, maxPerLine } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const live = useLiveStock([product.id, ...similar.map((p) => p.id)], liveFrom);
  // the loader runs again after every attempt, so its stock is fresh
  const stock = withLiveStock(product.stock, live);
  const available = totalAvailable(stock);

  return (
    <>
      <nav aria-label="Breadcrumb" className="text-sm text-muted">
        <ol className="flex flex-wrap gap-2">
          <li>
            <Link to="/products" className="hover:text-ink">
              Shop
            </Link>
          </li>
          <li aria-hidden="true">/</li>
          <li>{product.category}</li>
        </ol>
      </nav>
      <article className="mt-4 grid gap-8 md:grid-cols-2 md:gap-12">
        <img
          src={product.imageUrl}
          alt={product.name}
          width={400}
          height={400}
          className="aspect-square w-full rounded-card bg-brand-50 shadow-card"
        />
        <div>
          <h1 className="text-3xl font-bold tracking-tight text-balance sm:text-4xl">{product.name}</h1>
          <p className="mt-3 text-2xl font-semibold">{formatPrice(product.priceCents, product.currency)}</p>
          <p className="mt-4 text-pretty text-muted">{product.description}</p>

          <ReserveForm
            // a new answer from the server starts the form from its suggestion
            key={failure?.attempt ?? "first"}
            stock={stock}
            available={available}
            holdFor={holdFor}
            maxPerLine={maxPerLine}
            failure={failure}
          />
        </div>
      </article>

      {similar.length > 0 ? (
        <section aria-labelledby="similar" className="mt-16">
          <h2 id="similar" className="text-2xl font-bold tracking-tight">
            More from {product.category}
          </h2>
          <ul className="mt-6 grid grid-cols-2 gap-4 sm:gap-6 lg:grid-cols-4">
            {similar.map((p) => (
              <ProductCard key={p.id} product={p} live={live} />
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}

function ReserveForm({
  stock,
  available,
  holdFor,
  maxPerLine,
  failure,
}: {
  stock: StockLevel[];
  available: number;
  holdFor: string;
  maxPerLine: number;
  failure: ReserveFailure | undefined;
}) {
  const navigation = useNavigation();
  const submitting = navigation.state !== "idle" && navigation.formMethod === "POST";
  const suggested = failure?.suggestion;
  const [warehouseId, setWarehouseId] = useState(suggested?.warehouseId ?? bestWarehouse(stock)?.warehouseId ?? "");
  const [quantity, setQuantity] = useState(String(suggested?.quantity ?? 1));
  const selected = stock.find((s) => s.warehouseId === warehouseId);
  const max = Math.max(1, Math.min(selected?.available ?? 1, maxPerLine));
  const ids = { error: useId(), quantityHint: useId(), quantityError: useId() };
  const errors = failure?.fieldErrors;

  return (
    <Form method="post" className="mt-8 card p-5 sm:p-6" aria-describedby={failure?.formError ? ids.error : undefined}>
      <fieldset>
        <legend className="font-semibold">Stock by warehouse</legend>
        <p className="mt-1 text-sm text-muted">Live: counts change as other shoppers reserve and buy.</p>
        <ul className="mt-4 grid gap-2">
          {stock.map((s) => {
            const soldOut = s.available <= 0;
            const count = (
              <span
                data-testid={`available-${s.warehouseId}`}
                className={`text-sm ${soldOut ? "" : s.available <= FEW_LEFT ? "font-medium text-warn-ink" : "text-ok-ink"}`}
              >
                {soldOut ? "Sold out" : `${s.available} available`}
              </span>
            );
            if (available <= 0) {
              return (
                <li
                  key={s.warehouseId}
                  className="flex min-h-11 items-center justify-between gap-3 rounded-lg border border-line px-4 py-2.5 text-muted"
                >
                  <span className="font-medium">{s.warehouseName}</span>
                  {count}
                </li>
              );
            }
            // A sold-out row stays selectable: the counts can be a moment
            // old, and the server's answer says where else to look.
            return (
              <li key={s.warehouseId}>
                <label
                  className={`flex min-h-11 cursor-pointer items-center justify-between gap-3 rounded-lg border border-line px-4 py-2.5 hover:border-brand-500 has-checked:border-brand-500 has-checked:bg-brand-50 ${
                    soldOut ? "text-muted" : ""
                  }`}
                >
                  <span className="flex items-center gap-3">
                    <input
                      type="radio"
                      name="warehouseId"
                      value={s.warehouseId}
                      checked={warehouseId === s.warehouseId}
                      onChange={() => {
                        setWarehouseId(s.warehouseId);
                        setQuantity((q) => String(Math.min(Number(q) || 1, Math.max(1, s.available))));
                      }}
                      className="size-4 accent-brand-600"
                    />
                    <span className="font-medium">{s.warehouseName}</span>
                  </span>
                  {count}
                </label>
              </li>
            );
          })}
        </ul>
        {errors?.warehouseId ? <p className="mt-2 text-sm text-danger-ink">{errors.warehouseId}</p> : null}
      </fieldset>

      {failure?.formError ? (
        <p
          id={ids.error}
          role="alert"
          className="mt-5 rounded-lg border border-danger/30 bg-danger-50 px-4 py-3 text-sm font-medium text-danger-ink"
        >
          {failure.formError}
        </p>
      ) : null}

      {available > 0 ? (
        <div className="mt-6 flex flex-wrap items-end gap-4">
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
              onChange={(e) => setQuantity(e.target.value)}
              aria-invalid={errors?.quantity ? true : undefined}
              aria-describedby={`${ids.quantityHint}${errors?.quantity ? ` ${ids.quantityError}` : ""}`}
              className="mt-1 block w-24 rounded-lg border border-line bg-card px-3 py-2.5 text-base"
            />
          </div>
          <button type="submit" className="btn btn-primary flex-1 sm:flex-none" disabled={submitting}>
            {submitting ? "Reserving…" : "Reserve"}
          </button>
          <p id={ids.quantityHint} className="w-full text-sm text-muted">
            {selected ? `Up to ${max} from ${selected.warehouseName}. ` : ""}
            Held for you for {holdFor} while you pay.
          </p>
          {errors?.quantity ? (
            <p id={ids.quantityError} className="w-full text-sm text-danger-ink">
              {errors.quantity}
            </p>
          ) : null}
        </div>
      ) : (
        <p className="mt-6 rounded-lg bg-surface px-4 py-3 text-sm font-medium text-muted">
          Sold out everywhere for now. Holds that run out put units back on sale, so check again soon.
        </p>
      )}
    </Form>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
