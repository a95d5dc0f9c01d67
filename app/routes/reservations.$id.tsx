import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { z } from "zod";
import { announcement, Lines, Pending, Settled } from "~/components/checkout";
import { useCountdown } from "~/components/countdown";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { formatDuration } from "~/components/format";
import { takeWrite } from "~/http/rate-limit.server";
import { sessionHolder } from "~/http/session.server";
import { unavailableBecause } from "~/infra/db/db.server";
import { useLiveReservation } from "~/live/live-updates";
import { confirm, extend, release } from "~/models/hold-changes.server";
import { RESERVATION_ID_PATTERN, type ReservationStatus } from "~/models/reservation";
import { getReservation } from "~/models/reservation.server";

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
  return { reservation, serverNow: now, liveFrom, holdFor: formatDuration(reservation.extendsByMs) };
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
        {announcement(reservation, status)}
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

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
