import { NavLink, useRevalidator } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { CartIcon } from "./cart-icon";

// The header's way to the cart, with how many units are in it. The count
// comes from the root loader, which Remix reloads after every change made
// in this tab; a change moves the cart's revision on, and this tab tells
// the shop's other open tabs, which reload their data too.

const CHANNEL = "holdfast-cart";

function useCartSync(revision: number | null) {
  const { revalidate } = useRevalidator();
  const channel = useRef<BroadcastChannel | null>(null);
  // the newest revision this tab has shown or heard of: hearing its own
  // news back (after reloading for it) is not news
  const known = useRef(revision);
  useEffect(() => {
    if (typeof BroadcastChannel === "undefined") return;
    const opened = new BroadcastChannel(CHANNEL);
    opened.onmessage = (event: MessageEvent<unknown>) => {
      if (typeof event.data !== "number" || event.data === known.current) return;
      known.current = event.data;
      revalidate();
    };
    channel.current = opened;
    return () => {
      opened.close();
      channel.current = null;
    };
  }, [revalidate]);
  useEffect(() => {
    if (revision === null || revision === known.current) return;
    known.current = revision;
    channel.current?.postMessage(revision);
  }, [revision]);
}

// the root loader's cart; null on an error page, which has no loader data
export type HeaderCart = { units: number; revision: number } | null;

export function CartLink({ cart }: { cart: HeaderCart }) {
  useCartSync(cart?.revision ?? null);
  const units = cart?.units ?? 0;
  const label = cart ? `Cart, ${units} ${units === 1 ? "item" : "items"}` : "Cart";
  return (
    <NavLink
      to="/cart"
      aria-label={label}
      className={({ isActive }) =>
        `ml-1 flex min-h-10 items-center gap-1.5 rounded-md px-2 py-2 text-sm font-medium whitespace-nowrap sm:ml-2 sm:px-3 ${
          isActive ? "bg-brand-50 text-brand-700" : "text-muted hover:text-ink"
        }`
      }
    >
      <CartIcon className="size-5" />
      <span className="hidden sm:inline">Cart</span>
      {units > 0 ? (
        <span
          aria-hidden="true"
          className="min-w-5 rounded-full bg-brand-600 px-1.5 py-0.5 text-center text-xs leading-none font-semibold text-white tabular-nums"
        >
          {units > 99 ? "99+" : units}
        </span>
      ) : null}
    </NavLink>
  );
}
