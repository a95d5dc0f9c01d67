import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { isRouteErrorResponse, Link, useActionData, useLoaderData, useRouteError } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { formatDuration, formatPrice } from "~/components/format";
import { ProductCard } from "~/components/product-card";
import { ReserveForm, type ReserveFailure } from "~/components/reserve-form";
import {
  customerLimitMessage,
  shopLimitMessage,
  shortageMessage,
  totalAvailable,
  withLiveStock,
} from "~/components/stock";
import { takeWrite } from "~/http/rate-limit.server";
import { ensureSessionHolder } from "~/http/session.server";
import { unavailableBecause } from "~/infra/db/db.server";
import { useLiveStock } from "~/live/live-updates";
import { shopCustomer } from "~/models/customers.server";
import { dropOfProduct } from "~/models/drop-views.server";
import { getProduct, similarProducts } from "~/models/inventory.server";
import { ID_PATTERN, MAX_QUANTITY_PER_LINE } from "~/models/reservation";
import { clientKeys, reserve } from "~/models/reservation.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.product.name} · Holdfast` : "Not found · Holdfast" },
  ...(data ? [{ name: "description", content: data.product.description }] : []),
];

// what the loader's 404 says when the product was archived
const NO_LONGER_SOLD = "No longer sold";

export async function loader({ params, context }: LoaderFunctionArgs) {
  const { database, clock, live, policy } = context.app;
  const liveFrom = live.cursor();
  const found = await getProduct({ database, id: params.id ?? "", now: clock() });
  if (!found) throw new Response("Not found", { status: 404 });
  if (found.archived) throw new Response(NO_LONGER_SOLD, { status: 404 });
  const { product } = found;
  const similar = await similarProducts({ database, product, limit: 4, now: clock() });
  // a drop's product is sold on the drop's page, where its rules are
  const drop = await dropOfProduct({ database, productId: product.id, now: clock() });
  return {
    product,
    drop: drop ? { id: drop.id, name: drop.name, phase: drop.phase } : null,
    similar,
    liveFrom,
    holdFor: formatDuration(policy.ttlMs),
    // from the loader, so the page's bundle does not pull in the schemas
    maxPerLine: MAX_QUANTITY_PER_LINE,
  };
}

const reserveForm = z.object({
  warehouseId: z.string({ required_error: "Choose a warehouse" }).regex(ID_PATTERN, "Choose a warehouse"),
  quantity: z.coerce
    .number({ invalid_type_error: "Enter a number" })
    .int("Enter a whole number")
    .min(1, "Reserve at least 1")
    .max(MAX_QUANTITY_PER_LINE, `At most ${MAX_QUANTITY_PER_LINE} at a time`),
});

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { database, clock, env, policy, fairUse, reserveOutcomes } = context.app;
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
      customer: shopCustomer(sessionHash, null),
      fairUse,
      policy,
      now: clock(),
      observe: reserveOutcomes.report,
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
  if (outcome.code === "product_archived") {
    return data<ReserveFailure>({ formError: "This product is no longer sold.", attempt }, { status: 409, headers });
  }
  if (outcome.code === "client_limit_reached") {
    return data<ReserveFailure>({ formError: shopLimitMessage(outcome.limit), attempt }, { status: 409, headers });
  }
  if (outcome.code === "customer_limit_reached") {
    return data<ReserveFailure>({ formError: customerLimitMessage(outcome.limit), attempt }, { status: 409, headers });
  }
  if (outcome.code !== "insufficient_stock") {
    // a drop's product: its own page says when it opens, or that it ended
    return data<ReserveFailure>(
      { formError: "This product is sold in a drop. See the drop's page.", attempt },
      { status: 409, headers },
    );
  }
  // A lost race is an answer, not an error: say what is left and where.
  const [line] = outcome.short;
  const { message, suggestion } = line
    ? shortageMessage(line)
    : { message: "Not enough stock left.", suggestion: null };
  return data<ReserveFailure>({ formError: message, suggestion, attempt }, { status: 409, headers });
}

export default function ProductPage() {
  const { product, drop, similar, liveFrom, holdFor, maxPerLine } = useLoaderData<typeof loader>();
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

          {drop ? (
            <div data-testid="in-drop" className="mt-8 card p-5 sm:p-6">
              <p className="font-semibold">
                {drop.phase === "ended" ? "This was sold in a drop that has ended." : "This is sold in a limited drop."}
              </p>
              <Link to={`/drops/${drop.id}`} className="btn btn-primary mt-4">
                {drop.name}: go to the drop
              </Link>
            </div>
          ) : (
            <ReserveForm
              // a new answer from the server starts the form from its suggestion
              key={failure?.attempt ?? "first"}
              stock={stock}
              available={available}
              holdFor={holdFor}
              maxPerLine={maxPerLine}
              failure={failure}
            />
          )}
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

export function ErrorBoundary() {
  const error = useRouteError();
  const archived = isRouteErrorResponse(error) && error.data === NO_LONGER_SOLD;
  return (
    <GeneralErrorBoundary
      notFound={
        archived
          ? { title: "This product is no longer sold", detail: "Everything we still sell is in the shop." }
          : undefined
      }
    />
  );
}
