import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { DropClock } from "~/components/drops/drop-clock";
import { DropProductCard, type DropFailure } from "~/components/drops/drop-product";
import { TopPurchasers } from "~/components/drops/top-purchasers";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { formatDuration } from "~/components/format";
import { customerLimitMessage, shopLimitMessage } from "~/components/stock";
import { takeWrite } from "~/http/rate-limit.server";
import { ensureSessionHolder, sessionHolder } from "~/http/session.server";
import { unavailableBecause } from "~/infra/db/db.server";
import { useLiveDrop } from "~/live/live-updates";
import { displayNameOf, shopCustomer } from "~/models/customers.server";
import { dropProductStock, dropShopper, getDrop } from "~/models/drop-views.server";
import { displayNameSchema, ID_PATTERN } from "~/models/reservation";
import { clientKeys, reserve, type ReserveOutcome } from "~/models/reservation.server";
import { joinWaitlist } from "~/models/waitlist.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.drop.name} · Drops · Holdfast` : "Not found · Holdfast" },
];

const notFound = () => new Response("Not found", { status: 404 });

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { database, clock, env, live } = context.app;
  const id = params.id ?? "";
  if (!ID_PATTERN.test(id)) throw notFound();
  const liveFrom = live.cursor();
  const now = clock();
  const drop = await getDrop({ database, id, now });
  if (!drop) throw notFound();
  const { sessionHash } = await sessionHolder(request, env.SESSION_SECRET);
  const shopper = sessionHash
    ? await dropShopper({ database, drop, customerKey: shopCustomer(sessionHash, null).key, now })
    : null;
  return { drop, shopper, serverNow: now, liveFrom, holdFor: formatDuration(drop.holdTtlSeconds * 1000) };
}

const dropForm = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("reserve"),
    productId: z.string().regex(ID_PATTERN),
    quantity: z.coerce.number().int("Enter a whole number").min(1, "Reserve at least 1").max(1000).default(1),
    displayName: z.union([z.literal(""), displayNameSchema]).optional(),
  }),
  z.object({ intent: z.literal("wait"), productId: z.string().regex(ID_PATTERN) }),
]);

// The shop's words for why a drop's hold was not made.
function refusalMessage(outcome: Exclude<ReserveOutcome, { ok: true }>, now: number): string {
  switch (outcome.code) {
    case "drop_not_started":
      return `The drop opens in ${formatDuration(outcome.startsAt - now)}. Nothing can be held before then.`;
    case "drop_ended":
      return "This drop has ended.";
    case "customer_limit_reached":
      return customerLimitMessage(outcome.limit);
    case "client_limit_reached":
      return shopLimitMessage(outcome.limit);
    case "insufficient_stock":
      return "Sold out just now. Join the waiting line: units that come back go to the first in line.";
    default:
      return "This product is no longer in the drop.";
  }
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { database, clock, env, policy, fairUse, reserveOutcomes } = context.app;
  const dropId = params.id ?? "";
  if (!ID_PATTERN.test(dropId)) throw notFound();
  const parsed = dropForm.safeParse(Object.fromEntries(await request.formData()));
  const attempt = Date.now();
  if (!parsed.success) {
    const { fieldErrors } = parsed.error.flatten();
    return data<DropFailure>(
      {
        productId: "",
        fieldErrors: { displayName: fieldErrors.displayName?.[0], quantity: fieldErrors.quantity?.[0] },
        formError: "Check the form and try again.",
        attempt,
      },
      { status: 400 },
    );
  }
  const form = parsed.data;
  const retryAfter = takeWrite(context);
  if (retryAfter !== null) {
    return data<DropFailure>(
      { productId: form.productId, formError: `Too many tries from your network. Wait ${retryAfter} s.`, attempt },
      { status: 429, headers: { "Retry-After": String(retryAfter) } },
    );
  }
  const now = clock();
  // the product's rows in this drop, nothing else: this is the drop's hot path
  const stock = await dropProductStock({ database, dropId, productId: form.productId, now });
  if (!stock) throw notFound();
  const { sessionHash, setCookie } = await ensureSessionHolder(request, env.SESSION_SECRET);
  const headers = setCookie ? { "Set-Cookie": setCookie } : undefined;
  const back = redirect(`/drops/${dropId}`, { headers });

  try {
    if (form.intent === "wait") {
      const joined = await joinWaitlist({
        database,
        dropId,
        productId: form.productId,
        customer: shopCustomer(sessionHash, null),
        customerId: null,
        sessionHash,
        maxActiveHolds: fairUse.holdsPerCustomer,
        now,
      });
      if (joined.ok) return back;
      return data<DropFailure>(
        { productId: form.productId, formError: "The waiting line is open only while the drop is live.", attempt },
        { status: 409, headers },
      );
    }

    const customer = shopCustomer(sessionHash, form.displayName || null);
    // the first hold in a drop asks for the name the top purchasers list shows
    if (!customer.displayName && !(await displayNameOf({ database, key: customer.key }))) {
      return data<DropFailure>(
        {
          productId: form.productId,
          fieldErrors: { displayName: "Tell us a name (2 to 30 characters) for the top purchasers list." },
          attempt,
        },
        { status: 400, headers },
      );
    }
    // the row with the most left; the write decides whether it still has them
    const [row] = [...stock].sort((a, b) => b.available - a.available);
    const outcome = await reserve({
      database,
      items: [{ productId: form.productId, warehouseId: row?.warehouseId ?? "none", quantity: form.quantity }],
      holder: { sessionHash },
      requester: clientKeys({ sessionHash, address: context.client.address }),
      customer,
      fairUse,
      policy,
      now,
      observe: reserveOutcomes.report,
    });
    if (outcome.ok) return redirect(`/reservations/${outcome.reservation.id}`, { headers });
    return data<DropFailure>(
      { productId: form.productId, formError: refusalMessage(outcome, now), attempt },
      { status: 409, headers },
    );
  } catch (error) {
    if (!unavailableBecause(error)) throw error;
    return data<DropFailure>(
      {
        productId: form.productId,
        formError: "The shop can't take holds for a moment. Please try again shortly.",
        attempt,
      },
      { status: 503, headers: { ...headers, "Retry-After": "30" } },
    );
  }
}

export default function DropPage() {
  const { drop, shopper, serverNow, liveFrom, holdFor } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  // a shopper in a line, or with a hold here, reloads their own part live
  const ownPart = (shopper?.lines.length ?? 0) > 0 || (shopper?.holds.length ?? 0) > 0;
  const live = useLiveDrop(drop.id, liveFrom, ownPart);
  const phase = live?.phase ?? drop.phase;
  const products = drop.products.map((p) => {
    const now = live?.products.find((l) => l.id === p.id);
    return now ? { ...p, available: now.available, waiting: now.waiting } : p;
  });
  const topPurchasers = live?.topPurchasers ?? drop.topPurchasers;
  const limit = drop.maxPerCustomer;

  return (
    <>
      <nav aria-label="Breadcrumb" className="text-sm text-muted">
        <Link to="/drops" className="hover:text-ink">
          Drops
        </Link>
      </nav>
      <header className="mt-3 flex flex-col gap-3">
        <h1 className="text-3xl font-bold tracking-tight text-balance sm:text-4xl">{drop.name}</h1>
        <DropClock phase={phase} startsAt={drop.startsAt} endsAt={drop.endsAt} serverNow={serverNow} />
        {phase === "ended" ? null : (
          <ul className="flex flex-wrap gap-x-5 gap-y-1 text-sm text-muted">
            <li>
              You can hold <strong className="text-ink">{limit}</strong> of each
            </li>
            <li>Held for {holdFor} while you pay</li>
            <li>Sold out? The waiting line gets every unit that comes back</li>
          </ul>
        )}
      </header>

      <div className="mt-8 grid gap-8 lg:grid-cols-[1fr_20rem]">
        <ul className="grid gap-4 sm:grid-cols-2 sm:gap-6">
          {products.map((p) => (
            <DropProductCard
              key={`${p.id}-${failure?.productId === p.id ? failure.attempt : "first"}`}
              product={p}
              phase={phase}
              maxPerCustomer={limit}
              needsName={!shopper?.displayName}
              own={{
                hold: shopper?.holds.find((h) => h.productId === p.id),
                line: shopper?.lines.find((l) => l.productId === p.id),
              }}
              failure={failure?.productId === p.id || failure?.productId === "" ? failure : undefined}
            />
          ))}
        </ul>
        <aside>
          <TopPurchasers purchasers={topPurchasers} own={shopper?.ref ?? null} ended={phase === "ended"} />
        </aside>
      </div>
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary notFound={{ title: "No such drop", detail: "See the drops that are on now." }} />;
}
