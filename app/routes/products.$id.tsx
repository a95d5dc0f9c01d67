import {
  data,
  redirect,
  type ActionFunctionArgs,
  type HeadersFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { isRouteErrorResponse, Link, useActionData, useLoaderData, useRouteError } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { formatDuration, formatPrice } from "~/components/format";
import { ProductCard } from "~/components/product-card";
import { ReserveForm, type ReserveAnswer } from "~/components/reserve-form";
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
import { MAX_CART_LINES } from "~/models/cart";
import { addToCart } from "~/models/carts.server";
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

const productForm = z.object({
  // Reserve now, or add to the cart; a form without it is a reserve
  intent: z
    .enum(["reserve", "cart"], { errorMap: () => ({ message: "Choose Reserve or Add to cart." }) })
    .default("reserve"),
  warehouseId: z.string({ required_error: "Choose a warehouse" }).regex(ID_PATTERN, "Choose a warehouse"),
  quantity: z.coerce
    .number({ invalid_type_error: "Enter a number" })
    .int("Enter a whole number")
    .min(1, "Choose at least 1")
    .max(MAX_QUANTITY_PER_LINE, `At most ${MAX_QUANTITY_PER_LINE} at a time`),
  // present only when JavaScript is off (components/cart/back-to-cart.tsx)
  redirectTo: z.literal("/cart").optional(),
});

type ProductForm = z.infer<typeof productForm>;

// a refusal's Retry-After reaches the browser
export const headers: HeadersFunction = ({ actionHeaders, loaderHeaders }) =>
  actionHeaders.has("Retry-After") ? actionHeaders : loaderHeaders;

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { env } = context.app;
  const productId = params.id ?? "";
  if (!ID_PATTERN.test(productId)) throw new Response("Not found", { status: 404 });
  const parsed = productForm.safeParse(Object.fromEntries(await request.formData()));
  const attempt = Date.now();
  if (!parsed.success) {
    const { fieldErrors } = parsed.error.flatten();
    return data<ReserveAnswer>(
      {
        fieldErrors: { warehouseId: fieldErrors.warehouseId?.[0], quantity: fieldErrors.quantity?.[0] },
        formError: fieldErrors.intent?.[0] ?? fieldErrors.redirectTo?.[0],
        attempt,
      },
      { status: 400 },
    );
  }
  const form = parsed.data;
  // the same per-address limit as the API's, so the form is no way around it
  const retryAfter = takeWrite(context);
  if (retryAfter !== null) {
    const what = form.intent === "cart" ? "changes" : "holds";
    return data<ReserveAnswer>(
      { formError: `Too many ${what} from your network just now. Try again in ${retryAfter} s.`, attempt },
      { status: 429, headers: { "Retry-After": String(retryAfter) } },
    );
  }
  const { sessionHash, setCookie } = await ensureSessionHolder(request, env.SESSION_SECRET);
  const headers = setCookie ? { "Set-Cookie": setCookie } : undefined;
  try {
    const asked = { context, productId, form, sessionHash, headers, attempt };
    return form.intent === "cart" ? await addToCartNow(asked) : await reserveNow(asked);
  } catch (error) {
    if (!unavailableBecause(error)) throw error;
    const formError =
      form.intent === "cart"
        ? "The shop can't save changes for a moment. Nothing was added to your cart; please try again shortly."
        : "The shop can't take holds for a moment. Nothing was held; please try again shortly.";
    return data<ReserveAnswer>({ formError, attempt }, { status: 503, headers: { ...headers, "Retry-After": "30" } });
  }
}

const cartRefusals = {
  not_found: "That warehouse doesn't stock this product.",
  product_archived: "This product is no longer sold.",
  in_drop: "This product is sold in a drop. See the drop's page.",
  cart_full: `Your cart is full: it takes at most ${MAX_CART_LINES} different lines. Hold it, or remove something first.`,
  line_full: `Your cart can have at most ${MAX_QUANTITY_PER_LINE} of this from one warehouse. Change the quantity in your cart instead.`,
} as const;

type Attempt = {
  context: ActionFunctionArgs["context"];
  productId: string;
  form: ProductForm;
  sessionHash: string;
  // the new session's cookie, for whatever the answer is
  headers: HeadersInit | undefined;
  attempt: number;
};

// Without JavaScript the browser goes to the cart; the page's own fetcher
// gets what went in, to say so in place.
async function addToCartNow({ context, productId, form, sessionHash, headers, attempt }: Attempt) {
  const outcome = await addToCart({
    database: context.app.database,
    sessionHash,
    line: { productId, warehouseId: form.warehouseId, quantity: form.quantity },
    now: context.app.clock(),
  });
  if (outcome.ok) {
    if (form.redirectTo) return redirect(form.redirectTo, { headers });
    return data<ReserveAnswer>(
      { added: { warehouseId: form.warehouseId, quantity: form.quantity }, attempt },
      { headers },
    );
  }
  const status = outcome.code === "not_found" ? 400 : 409;
  return data<ReserveAnswer>({ formError: cartRefusals[outcome.code], attempt }, { status, headers });
}

async function reserveNow({ context, productId, form, sessionHash, headers, attempt }: Attempt) {
  const { database, clock, policy, fairUse, reserveOutcomes } = context.app;
  const outcome = await reserve({
    database,
    items: [{ productId, warehouseId: form.warehouseId, quantity: form.quantity }],
    holder: { sessionHash },
    requester: clientKeys({ sessionHash, address: context.client.address }),
    customer: shopCustomer(sessionHash, null),
    fairUse,
    policy,
    now: clock(),
    observe: reserveOutcomes.report,
  });
  if (outcome.ok) return redirect(`/reservations/${outcome.reservation.id}`, { headers });
  if (outcome.code === "not_found") {
    return data<ReserveAnswer>(
      { formError: "That warehouse doesn't stock this product.", attempt },
      { status: 400, headers },
    );
  }
  if (outcome.code === "product_archived") {
    return data<ReserveAnswer>({ formError: "This product is no longer sold.", attempt }, { status: 409, headers });
  }
  if (outcome.code === "client_limit_reached") {
    return data<ReserveAnswer>({ formError: shopLimitMessage(outcome.limit), attempt }, { status: 409, headers });
  }
  if (outcome.code === "customer_limit_reached") {
    return data<ReserveAnswer>({ formError: customerLimitMessage(outcome.limit), attempt }, { status: 409, headers });
  }
  if (outcome.code !== "insufficient_stock") {
    // a drop's product: its own page says when it opens, or that it ended
    return data<ReserveAnswer>(
      { formError: "This product is sold in a drop. See the drop's page.", attempt },
      { status: 409, headers },
    );
  }
  // A lost race is an answer, not an error: say what is left and where.
  const [line] = outcome.short;
  const { message, suggestion } = line
    ? shortageMessage(line)
    : { message: "Not enough stock left.", suggestion: null };
  return data<ReserveAnswer>({ formError: message, suggestion, attempt }, { status: 409, headers });
}

export default function ProductPage() {
  const { product, drop, similar, liveFrom, holdFor, maxPerLine } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
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
              key={answer?.attempt ?? "first"}
              stock={stock}
              available={available}
              holdFor={holdFor}
              maxPerLine={maxPerLine}
              answer={answer}
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
