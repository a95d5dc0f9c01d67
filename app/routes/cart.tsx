import {
  data,
  redirect,
  type ActionFunctionArgs,
  type HeadersFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { useActionData, useLoaderData, type ShouldRevalidateFunction } from "@remix-run/react";
import { z } from "zod";
import type { CartAnswer } from "~/components/cart/cart-answer";
import { CartPage } from "~/components/cart/cart-page";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { formatDuration } from "~/components/format";
import { customerLimitMessage, shopLimitMessage } from "~/components/stock";
import { takeWrite } from "~/http/rate-limit.server";
import { sessionHolder } from "~/http/session.server";
import { unavailableBecause } from "~/infra/db/db.server";
import { MAX_CART_LINES } from "~/models/cart";
import { holdCart, type CartHoldOutcome } from "~/models/cart-hold.server";
import { moveCartLine, readCart, setCartLine, type CartEditOutcome } from "~/models/carts.server";
import { shopCustomer } from "~/models/customers.server";
import { ID_PATTERN, MAX_QUANTITY_PER_LINE } from "~/models/reservation";
import { clientKeys } from "~/models/reservation.server";

export const meta: MetaFunction = () => [{ title: "Your cart · Holdfast" }, { name: "robots", content: "noindex" }];

// A cart is one shopper's: no cache keeps it. A refusal's Retry-After
// reaches the browser.
export const headers: HeadersFunction = ({ actionHeaders }) => {
  const headers = new Headers({ "Cache-Control": "private, no-store" });
  const retryAfter = actionHeaders.get("Retry-After");
  if (retryAfter) headers.set("Retry-After", retryAfter);
  return headers;
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { database, clock, env, live, policy } = context.app;
  const liveFrom = live.cursor();
  const { sessionHash } = await sessionHolder(request, env.SESSION_SECRET);
  const cart = await readCart({ database, sessionHash, now: clock() });
  return { cart, liveFrom, holdFor: formatDuration(policy.ttlMs), maxPerLine: MAX_QUANTITY_PER_LINE };
}

// A refusal (409) changed nothing, but it came from something that did
// change (the stock, the cart in another tab): read the cart again, as
// after any other answer. Remix skips a route's loader after a 4xx answer
// unless the route asks for it.
export const shouldRevalidate: ShouldRevalidateFunction = ({ actionStatus, defaultShouldRevalidate }) =>
  actionStatus === 409 || defaultShouldRevalidate;

const NOT_IN_CART = "That line isn't in your cart any more. It may have changed in another tab.";
const id = z.string({ required_error: NOT_IN_CART }).regex(ID_PATTERN, NOT_IN_CART);
const wholeNumber = (message: string) =>
  z
    .string({ required_error: message })
    .regex(/^\d{1,9}$/, message)
    .transform(Number);
const quantityMessage = `Enter a quantity from 0 to ${MAX_QUANTITY_PER_LINE} (0 removes the line)`;

// present only when JavaScript is off (components/cart/back-to-cart.tsx)
const back = { redirectTo: z.literal("/cart").optional() };
const lineFields = { productId: id, warehouseId: id, ...back };

const cartForm = z.discriminatedUnion(
  "intent",
  [
    z.object({
      intent: z.literal("set"),
      ...lineFields,
      quantity: wholeNumber(quantityMessage).pipe(z.number().max(MAX_QUANTITY_PER_LINE, quantityMessage)),
    }),
    z.object({ intent: z.literal("remove"), ...lineFields }),
    z.object({ intent: z.literal("move"), ...lineFields, toWarehouseId: id }),
    z.object({
      intent: z.literal("hold"),
      revision: wholeNumber("Reload your cart and hold it again."),
      // "Hold my cart" unless it says otherwise (the checkout's "Hold again" does not)
      mode: z.enum(["all", "available"], { errorMap: () => ({ message: "Choose what to hold." }) }).default("all"),
    }),
  ],
  {
    errorMap: (issue, { defaultError }) => ({
      message:
        issue.code === "invalid_union_discriminator"
          ? "That isn't something your cart can do. Reload the page and try again."
          : defaultError,
    }),
  },
);

const holdRefusals = {
  cart_empty: "Your cart is empty, so there was nothing to hold.",
  cart_changed: "Your cart changed in another tab — check it and hold again.",
  in_progress: "Your cart is already being held from your first click. Wait a moment, then reload this page.",
  insufficient_stock: "Not everything in your cart is available in the quantity you want, so nothing was held.",
  product_archived: "Something in your cart is no longer sold, so nothing was held. Remove it and hold again.",
  not_found:
    "Something in your cart is no longer stocked where you chose, so nothing was held. Remove it and hold again.",
  drop: "Something in your cart is now sold in a drop, so nothing was held. Remove it and get it on the drop's page.",
  too_many_lines: `A hold can have at most ${MAX_CART_LINES} lines, so nothing was held. Remove some and hold the rest.`,
} as const;

function holdRefusalMessage(outcome: Exclude<CartHoldOutcome, { ok: true }>): string {
  switch (outcome.code) {
    case "client_limit_reached":
      return shopLimitMessage(outcome.limit);
    case "customer_limit_reached":
      return customerLimitMessage(outcome.limit);
    case "in_drop":
    case "drop_not_started":
    case "drop_ended":
    case "customer_required":
      return holdRefusals.drop;
    default:
      return holdRefusals[outcome.code];
  }
}

type CartForm = z.infer<typeof cartForm>;

export async function action({ request, context }: ActionFunctionArgs) {
  const parsed = cartForm.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? "That form isn't valid.";
    return data<CartAnswer>({ ok: false, message }, { status: 400 });
  }
  const retryAfter = takeWrite(context);
  if (retryAfter !== null) {
    return data<CartAnswer>(
      { ok: false, message: `Too many changes from your network just now. Try again in ${retryAfter} s.` },
      { status: 429, headers: { "Retry-After": String(retryAfter) } },
    );
  }
  // no session, no cart: there is nothing to change and nothing to hold
  const { sessionHash } = await sessionHolder(request, context.app.env.SESSION_SECRET);
  const form = parsed.data;
  try {
    return form.intent === "hold" ? await hold(context, sessionHash, form) : await edit(context, sessionHash, form);
  } catch (error) {
    if (!unavailableBecause(error)) throw error;
    return data<CartAnswer>(
      { ok: false, message: "The shop can't save changes for a moment. Nothing changed; please try again shortly." },
      { status: 503, headers: { "Retry-After": "30" } },
    );
  }
}

async function hold(
  { app, client }: ActionFunctionArgs["context"],
  sessionHash: string | null,
  form: Extract<CartForm, { intent: "hold" }>,
) {
  const outcome: CartHoldOutcome = sessionHash
    ? await holdCart({
        database: app.database,
        sessionHash,
        revision: form.revision,
        mode: form.mode,
        requester: clientKeys({ sessionHash, address: client.address }),
        customer: shopCustomer(sessionHash, null),
        fairUse: app.fairUse,
        policy: app.policy,
        now: app.clock(),
        observe: app.reserveOutcomes.report,
      })
    : { ok: false, code: "cart_empty" };
  if (outcome.ok) return redirect(`/reservations/${outcome.reservationId}`);
  const message = holdRefusalMessage(outcome);
  if (outcome.code === "cart_changed" || outcome.code === "cart_empty" || outcome.code === "in_progress") {
    return data<CartAnswer>({ ok: false, message }, { status: 409 });
  }
  // about what is in the cart: the page shows it while the cart is unchanged
  const short = outcome.code === "insufficient_stock" ? outcome.short : [];
  return data<CartAnswer>(
    {
      ok: false,
      message,
      hold: { revision: form.revision, short: short.map(({ productId, warehouseId }) => ({ productId, warehouseId })) },
    },
    { status: 409 },
  );
}

async function edit(
  { app }: ActionFunctionArgs["context"],
  sessionHash: string | null,
  form: Exclude<CartForm, { intent: "hold" }>,
) {
  const { productId, warehouseId } = form;
  const notInCart = data<CartAnswer>(
    { ok: false, message: NOT_IN_CART, line: { productId, warehouseId } },
    { status: 409 },
  );
  if (!sessionHash) return notInCart;
  const change = { database: app.database, sessionHash, productId, now: app.clock() };
  const outcome: CartEditOutcome =
    form.intent === "move"
      ? await moveCartLine({ ...change, fromWarehouseId: warehouseId, toWarehouseId: form.toWarehouseId })
      : await setCartLine({ ...change, warehouseId, quantity: form.intent === "remove" ? 0 : form.quantity });
  if (!outcome.ok) return notInCart;
  return form.redirectTo ? redirect(form.redirectTo) : data<CartAnswer>({ ok: true });
}

export default function Cart() {
  const { cart, liveFrom, holdFor, maxPerLine } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  return <CartPage cart={cart} liveFrom={liveFrom} holdFor={holdFor} maxPerLine={maxPerLine} answer={answer} />;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
