import {
  data,
  redirect,
  type ActionFunctionArgs,
  type HeadersFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { useActionData, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { z } from "zod";
import { announcement, Pending, Settled } from "~/components/checkout";
import { Lines, type LineChangeRefusal } from "~/components/checkout-lines";
import { useCountdown } from "~/components/countdown";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { formatDuration } from "~/components/format";
import { customerLimitMessage, shopLimitMessage } from "~/components/stock";
import { takeWrite } from "~/http/rate-limit.server";
import { sessionHolder } from "~/http/session.server";
import { unavailableBecause } from "~/infra/db/db.server";
import { useLiveReservation } from "~/live/live-updates";
import { backInCart } from "~/models/carts.server";
import { expireHold } from "~/models/expiry.server";
import { confirm, extend, release } from "~/models/hold-changes.server";
import { setItem } from "~/models/hold-items.server";
import {
  ID_PATTERN,
  MAX_QUANTITY_PER_LINE,
  RESERVATION_ID_PATTERN,
  type ReservationStatus,
} from "~/models/reservation";
import { getReservation } from "~/models/reservation.server";

export const meta: MetaFunction = () => [{ title: "Checkout · Holdfast" }, { name: "robots", content: "noindex" }];

// a refusal's Retry-After (429, 503) reaches the browser
export const headers: HeadersFunction = ({ actionHeaders, loaderHeaders }) =>
  actionHeaders.has("Retry-After") ? actionHeaders : loaderHeaders;

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
  if (reservation.status === "expired") await settleExpired(database, reservation.id, now);
  return {
    reservation,
    serverNow: now,
    liveFrom,
    holdFor: formatDuration(reservation.extendsByMs),
    maxPerLine: MAX_QUANTITY_PER_LINE,
    backInCart: await backInCart({ database, sessionHash: holder.sessionHash, reservation }),
  };
}

// A hold just past its expiry is settled now rather than at the next sweep,
// so its lines are back in the cart as the page says so. Should the shop be
// unable to write, the page still shows the hold as expired, which it is.
async function settleExpired(database: Parameters<typeof expireHold>[0]["database"], id: string, now: number) {
  try {
    await expireHold({ database, id, now });
  } catch (error) {
    if (!unavailableBecause(error)) throw error;
  }
}

const intents = { pay: confirm, cancel: release, extend } as const;
// digits only: an empty field is not 0 (which would take the line out)
const quantity = z
  .string()
  .regex(/^\d{1,3}$/)
  .transform(Number)
  .pipe(z.number().max(MAX_QUANTITY_PER_LINE));
const checkoutForm = z.discriminatedUnion("intent", [
  z.object({ intent: z.enum(["pay", "cancel", "extend"]) }),
  z.object({
    intent: z.literal("change"),
    productId: z.string().regex(ID_PATTERN),
    warehouseId: z.string().regex(ID_PATTERN),
    quantity,
  }),
]);

const refusals = {
  reservation_expired: "This hold ran out before that went through, so the units are back on sale.",
  invalid_state: "This hold is already settled, so nothing changed.",
  extension_limit_reached: "This hold can't be extended any further.",
} as const;

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { database, clock, env, policy, fairUse } = context.app;
  const id = params.id ?? "";
  if (!RESERVATION_ID_PATTERN.test(id)) throw notFound();
  const holder = await holderOf(request, env.SESSION_SECRET);
  const parsed = checkoutForm.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) {
    return data({ message: "Choose pay, cancel or extend, or a line and a quantity from 0 to 100." }, { status: 400 });
  }
  const retryAfter = takeWrite(context);
  if (retryAfter !== null) {
    return data(
      { message: `Too many requests from your network just now. Try again in ${retryAfter} s.` },
      { status: 429, headers: { "Retry-After": String(retryAfter) } },
    );
  }
  const form = parsed.data;
  if (form.intent === "change") {
    const { intent: _, ...line } = form;
    return changeLine({ database, id, holder, line, fairUse, policy, now: clock() });
  }
  let outcome;
  try {
    outcome = await intents[form.intent]({ database, id, holder, policy, now: clock() });
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

// A change of one line: in place, the countdown untouched; a refusal is
// said on the line it is about.
async function changeLine({
  line,
  ...input
}: Omit<Parameters<typeof setItem>[0], "line"> & {
  line: { productId: string; warehouseId: string; quantity: number };
}) {
  let outcome;
  try {
    outcome = await setItem({ ...input, line });
  } catch (error) {
    if (!unavailableBecause(error)) throw error;
    return data<LineChangeRefusal>(
      {
        ...where(line),
        message: "The shop can't save changes for a moment. Nothing changed; please try again shortly.",
      },
      { status: 503, headers: { "Retry-After": "30" } },
    );
  }
  if (outcome.ok) return redirect(`/reservations/${input.id}`);
  if (outcome.code === "not_found") throw notFound();
  const status = outcome.code === "reservation_expired" ? 410 : 409;
  return data<LineChangeRefusal>({ ...where(line), message: lineRefusal(outcome) }, { status });
}

const where = ({ productId, warehouseId }: { productId: string; warehouseId: string }) => ({ productId, warehouseId });

function lineRefusal(outcome: Exclude<Awaited<ReturnType<typeof setItem>>, { ok: true } | { code: "not_found" }>) {
  switch (outcome.code) {
    case "reservation_expired":
    case "invalid_state":
      return refusals[outcome.code];
    case "line_too_large":
      return `At most ${outcome.limit} of one thing in a hold.`;
    case "too_many_lines":
      return `A hold can have at most ${outcome.limit} lines.`;
    case "drop_product":
      return "This product is sold in a drop: hold it on the drop's page.";
    case "lines_refused":
      break;
  }
  const { refusal } = outcome;
  if (refusal.code === "insufficient_stock") {
    const [line] = refusal.short;
    const here = line?.stock.find((s) => s.warehouseId === line.warehouseId)?.warehouseName ?? "that warehouse";
    return line && line.available > 0 ? `Only ${line.available} more at ${here}.` : `No more left at ${here}.`;
  }
  if (refusal.code === "customer_limit_reached") return customerLimitMessage(refusal.limit);
  if (refusal.code === "client_limit_reached") return shopLimitMessage(refusal.limit);
  if (refusal.code === "product_archived") return "This product is no longer sold, so no more can be held.";
  return "The shop can't hold more of this right now.";
}

const isLineRefusal = (answer: unknown): answer is LineChangeRefusal =>
  typeof answer === "object" && answer !== null && "productId" in answer && "warehouseId" in answer;

export default function Checkout() {
  const { reservation, serverNow, liveFrom, holdFor, maxPerLine, backInCart } = useLoaderData<typeof loader>();
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
        <Settled reservation={reservation} status={status} backInCart={backInCart} />
      )}
      {refusal && !isLineRefusal(refusal) ? (
        <p
          role="alert"
          className="mt-6 rounded-lg border border-danger/30 bg-danger-50 px-4 py-3 text-sm font-medium text-danger-ink"
        >
          {refusal.message}
        </p>
      ) : null}
      <Lines
        reservation={reservation}
        changeable={status === "pending"}
        maxPerLine={maxPerLine}
        refusal={isLineRefusal(refusal) ? refusal : null}
      />
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
