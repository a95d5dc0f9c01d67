import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { z } from "zod";
import { formatClock, useCountdown } from "~/components/countdown";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { formatDuration, formatPrice } from "~/components/format";
import { takeWrite } from "~/http/rate-limit.server";
import { sessionHolder } from "~/http/session.server";
import { unavailableBecause } from "~/infra/db/db.server";
import { useLiveReservation } from "~/live/live-updates";
import {
  paymentReference,
  RESERVATION_ID_PATTERN,
  type ReservationStatus,
  type ReservationView,
} from "~/models/reservation";
import { confirm, extend, getReservation, release } from "~/models/reservation.server";

export const meta: MetaFunction = () => [{ title: "Checkout · Holdfast" }, { name: "robots", content: "noindex" }];

const notFound = () => new Response("Not found", { status: 404 });

// Only the browser that made the hold may see it; for anyone else it does
// not exist (404, never 403: existence is not leaked).
async function holderOf(request: Request, secret: string) {
  const holder = await sessionHolder(request, secret);
  if (!holder.sessionHash) throw notFound();
  return holder;
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { database, clock, env, policy, live } = context.app;
  const holder = await holderOf(request, env.SESSION_SECRET);
  const liveFrom = live.cursor();
  const now = clock();
  const reservation = await getReservation({ database, id: params.id ?? "", holder, policy, now });
  if (!reservation) throw notFound();
  return { reservation, serverNow: now, liveFrom, holdFor: formatDuration(policy.ttlMs) };
}

const intents = { pay: confirm, cancel: release, extend } as const;
const checkoutForm = z.object({ intent: z.enum(["pay", "cancel", "extend"]) });

const refusals = {
  reservation_expired: "This hold ran out before that went through, so the units are back on sale.",
  invalid_state: "This hold is already settled, so nothing changed.",
  extension_limit_reached: "This hold can't be extended any further.",
} as const;

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { database, clock, env, policy } = context.app;
  const id = params.id ?? "";
  if (!RESERVATION_ID_PATTERN.test(id)) throw notFound();
  const holder = await holderOf(request, env.SESSION_SECRET);
  const parsed = checkoutForm.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return data({ message: "Choose pay, cancel or extend." }, { status: 400 });
  const retryAfter = takeWrite(context);
  if (retryAfter !== null) {
    return data(
      { message: `Too many requests from your network just now. Try again in ${retryAfter} s.` },
      { status: 429, headers: { "Retry-After": String(retryAfter) } },
    );
  }
  let outcome;
  try {
    outcome = await intents[parsed.data.intent]({ database, id, holder, policy, now: clock() });
  } catch (error) {
    if (!unavailableBecause(error)) throw error;
    return data(
      {
        message:
          "That didn't go through: the shop can't save changes for a moment. Nothing changed; please try again shortly.",
      },
      { status: 503, headers: { "Retry-After": "30" } },
    );
  }
  if (outcome.ok) return redirect(`/reservations/${id}`);
  if (outcome.code === "not_found") throw notFound();
  const status = outcome.code === "reservation_expired" ? 410 : 409;
  return data({ message: refusals[outcome.code] }, { status });
}

export default function Checkout() {
  const { reservation, serverNow, liveFrom, holdFor } = useLoaderData<typeof loader>();
  const refusal = useActionData<typeof action>();
  useLiveReservation(reservation.id, liveFrom);
  const left = useCountdown({ expiresAt: reservation.expiresAt, serverNow });
  // The hold is dead the moment its time is up, swept or not: show it
  // at once, then ask the server so the page agrees with it.
  const ranOut = reservation.status === "pending" && left <= 0;
  const status: ReservationStatus = ranOut ? "expired" : reservation.status;
  const { revalidate } = useRevalidator();
  useEffect(() => {
    if (ranOut) revalidate();
  }, [ranOut, revalidate]);

  return (
    <div className="mx-auto max-w-3xl" data-status={status}>
      <p role="status" aria-live="polite" className="sr-only">
        {announcements[status]}
      </p>
      {status === "pending" ? (
        <Pending reservation={reservation} left={left} holdFor={holdFor} />
      ) : (
        <Settled reservation={reservation} status={status} />
      )}
      {refusal ? (
        <p
          role="alert"
          className="mt-6 rounded-lg border border-danger/30 bg-danger-50 px-4 py-3 text-sm font-medium text-danger-ink"
        >
          {refusal.message}
        </p>
      ) : null}
      <Lines reservation={reservation} />
    </div>
  );
}

// Read out when the status changes (a live region speaks changes, not the
// text it starts with); the countdown itself stays silent.
const announcements: Record<ReservationStatus, string> = {
  pending: "Your items are held while you pay.",
  confirmed: "Payment received. The items are yours.",
  released: "Hold cancelled. The items are back on sale.",
  expired: "Your hold has expired. The items are back on sale.",
};

function Pending({ reservation, left, holdFor }: { reservation: ReservationView; left: number; holdFor: string }) {
  const navigation = useNavigation();
  // which button was pressed, while its submission is on the way
  const busy = navigation.formData?.get("intent") ?? null;
  const tone = left <= 30_000 ? "danger" : left <= 120_000 ? "warn" : "calm";
  const toneClasses = {
    calm: "border-line bg-card text-ink",
    warn: "border-warn/50 bg-warn-50 text-warn-ink",
    danger: "border-danger/40 bg-danger-50 text-danger-ink",
  }[tone];
  return (
    <>
      <h1 className="text-3xl font-bold tracking-tight">Checkout</h1>
      <p className="mt-2 text-muted">
        These units are held for you and nobody else can take them until the timer runs out.
      </p>
      <section
        aria-label="Time left"
        className={`mt-6 flex flex-col gap-4 rounded-card border p-5 shadow-card transition-colors sm:flex-row sm:items-center sm:justify-between sm:p-6 ${toneClasses}`}
      >
        <div>
          <p className="text-sm font-medium">{tone === "calm" ? "Held for you for" : "Hurry — your hold ends in"}</p>
          <p
            role="timer"
            aria-label="Time left to pay"
            data-testid="countdown"
            className="font-mono text-5xl font-semibold tabular-nums"
          >
            {formatClock(left)}
          </p>
        </div>
        {reservation.extensionsLeft > 0 ? (
          <Form method="post">
            <button
              type="submit"
              name="intent"
              value="extend"
              className="btn btn-secondary w-full sm:w-auto"
              disabled={busy !== null}
            >
              {busy === "extend" ? "Adding time…" : "Need more time?"}
            </button>
            <p className="mt-1.5 text-xs sm:text-right">
              Adds {holdFor} · {reservation.extensionsLeft} left
            </p>
          </Form>
        ) : null}
      </section>
      <div className="mt-6 flex flex-col gap-3 sm:flex-row-reverse sm:justify-start">
        <Form method="post" className="sm:flex-1">
          <button
            type="submit"
            name="intent"
            value="pay"
            className="btn btn-primary w-full text-base"
            disabled={busy !== null}
          >
            {busy === "pay" ? "Paying…" : `Pay ${total(reservation)} now`}
          </button>
        </Form>
        <Form method="post">
          <button
            type="submit"
            name="intent"
            value="cancel"
            className="btn btn-secondary w-full"
            disabled={busy !== null}
          >
            {busy === "cancel" ? "Cancelling…" : "Cancel hold"}
          </button>
        </Form>
      </div>
      <p className="mt-3 text-center text-xs text-muted sm:text-right">
        A demo: paying confirms the hold, no money moves.
      </p>
    </>
  );
}

const settled = {
  confirmed: {
    title: "Payment received — it's yours",
    text: "The units have left the shelf for good. Thank you for shopping with Holdfast.",
    badge: "Paid",
    tone: "bg-ok-50 text-ok-ink border-ok/30",
  },
  released: {
    title: "Hold cancelled",
    text: "Nothing was charged, and the units are back on sale for everyone.",
    badge: "Cancelled",
    tone: "bg-surface text-muted border-line",
  },
  expired: {
    title: "Your hold expired",
    text: "The time ran out before payment, so the units went back on sale. If they are still there, you can reserve them again.",
    badge: "Expired",
    tone: "bg-warn-50 text-warn-ink border-warn/50",
  },
} as const;

function Settled({
  reservation,
  status,
}: {
  reservation: ReservationView;
  status: Exclude<ReservationStatus, "pending">;
}) {
  const screen = settled[status];
  const first = reservation.items[0];
  return (
    <section className="card p-6 sm:p-8">
      <span className={`inline-block rounded-full border px-3 py-1 text-xs font-semibold ${screen.tone}`}>
        {screen.badge}
      </span>
      <h1 className="mt-4 text-3xl font-bold tracking-tight text-balance">{screen.title}</h1>
      <p className="mt-3 text-pretty text-muted">{screen.text}</p>
      <p className="mt-4 text-sm text-muted">
        Reference <span className="font-mono text-ink">{paymentReference(reservation.id)}</span>
      </p>
      <div className="mt-6 flex flex-wrap gap-3">
        {status !== "confirmed" && first ? (
          <Link to={`/products/${first.productId}`} className="btn btn-primary">
            {status === "expired" ? "Reserve again" : "Back to the product"}
          </Link>
        ) : null}
        <Link to="/products" className={`btn ${status === "confirmed" ? "btn-primary" : "btn-secondary"}`}>
          Continue shopping
        </Link>
      </div>
    </section>
  );
}

function total(reservation: ReservationView): string {
  const cents = reservation.items.reduce((sum, item) => sum + item.priceCents * item.quantity, 0);
  return formatPrice(cents, reservation.items[0]?.currency ?? "INR");
}

function Lines({ reservation }: { reservation: ReservationView }) {
  return (
    <section aria-labelledby="summary" className="mt-8 card">
      <h2 id="summary" className="border-b border-line px-5 py-4 font-semibold sm:px-6">
        Order summary
      </h2>
      <ul className="divide-y divide-line">
        {reservation.items.map((item) => (
          <li key={`${item.productId}/${item.warehouseId}`} className="flex items-center gap-4 px-5 py-4 sm:px-6">
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
            <p className="font-medium whitespace-nowrap">
              {formatPrice(item.priceCents * item.quantity, item.currency)}
            </p>
          </li>
        ))}
      </ul>
      <p className="flex justify-between border-t border-line px-5 py-4 text-lg font-semibold sm:px-6">
        <span>Total</span>
        <span>{total(reservation)}</span>
      </p>
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
