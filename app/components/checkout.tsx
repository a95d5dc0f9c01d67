import { Form, Link, useNavigation } from "@remix-run/react";
import type { BackInCart } from "~/models/cart";
import type { ReservationStatus, ReservationView } from "~/models/reservation";
import { paymentReference } from "~/models/reservation";
import { orderTotal } from "./checkout-lines";
import { formatClock } from "./countdown";

// The checkout page's parts: the pending hold with its countdown and its
// three buttons, each settled state, and the order summary.

// Read out when the status changes (a live region speaks changes, not the
// text it starts with); the countdown itself stays silent.
const announcements: Record<ReservationStatus, string> = {
  pending: "Your items are held while you pay.",
  confirmed: "Payment received. The items are yours.",
  released: "Hold cancelled. The items are back on sale.",
  expired: "Your hold has expired. The items are back on sale.",
};

export function announcement(reservation: ReservationView, status: ReservationStatus): string {
  return reservation.releasedBy === "shop"
    ? "The shop cancelled your hold. Nothing was charged."
    : announcements[status];
}

export function Pending({
  reservation,
  left,
  holdFor,
}: {
  reservation: ReservationView;
  left: number;
  holdFor: string;
}) {
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
            {busy === "pay" ? "Paying…" : `Pay ${orderTotal(reservation)} now`}
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
  cancelledByShop: {
    title: "Cancelled by the shop",
    text: "The shop cancelled this hold, so nothing was charged and the units went back on sale.",
    again: "If you still want them, you can reserve them again.",
    badge: "Cancelled by the shop",
    tone: "bg-danger-50 text-danger-ink border-danger/40",
  },
  expired: {
    title: "Your hold expired",
    text: "The time ran out before payment, so the units went back on sale.",
    again: "If they are still there, you can reserve them again.",
    badge: "Expired",
    tone: "bg-warn-50 text-warn-ink border-warn/50",
  },
} as const;

export function Settled({
  reservation,
  status,
  backInCart,
}: {
  reservation: ReservationView;
  status: Exclude<ReservationStatus, "pending">;
  backInCart: BackInCart | null;
}) {
  const screen = reservation.releasedBy === "shop" ? settled.cancelledByShop : settled[status];
  const first = reservation.items[0];
  return (
    <section className="card p-6 sm:p-8">
      <span className={`inline-block rounded-full border px-3 py-1 text-xs font-semibold ${screen.tone}`}>
        {screen.badge}
      </span>
      <h1 className="mt-4 text-3xl font-bold tracking-tight text-balance">{screen.title}</h1>
      <p className="mt-3 text-pretty text-muted">
        {screen.text}
        {"again" in screen && !backInCart ? ` ${screen.again}` : null}
      </p>
      {backInCart ? (
        <p data-testid="back-in-cart" className="mt-3 font-medium text-pretty">
          {backInCart.units === 1 ? "The item is" : "These items are"} back in your cart, so you can hold{" "}
          {backInCart.units === 1 ? "it" : "them"} again in one click.
        </p>
      ) : null}
      <p className="mt-4 text-sm text-muted">
        Reference <span className="font-mono text-ink">{paymentReference(reservation.id)}</span>
      </p>
      <div className="mt-6 flex flex-wrap gap-3">
        {backInCart ? (
          <>
            <HoldAgain revision={backInCart.revision} />
            <Link to="/cart" className="btn btn-secondary">
              View cart
            </Link>
          </>
        ) : status !== "confirmed" && first ? (
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

// The cart's own "Hold my cart", from here: the same form the cart page
// posts, so a double click is one hold there too.
function HoldAgain({ revision }: { revision: number }) {
  const navigation = useNavigation();
  const busy = navigation.state !== "idle" && navigation.formAction === "/cart";
  return (
    <Form method="post" action="/cart">
      <input type="hidden" name="intent" value="hold" />
      <input type="hidden" name="revision" value={revision} />
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {busy ? "Holding…" : "Hold again"}
      </button>
    </Form>
  );
}
