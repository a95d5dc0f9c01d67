import { Link, NavLink } from "@remix-run/react";
import { CartLink, type HeaderCart } from "./cart/cart-link";

export function SiteHeader({ cart }: { cart: HeaderCart }) {
  const nav = ({ isActive }: { isActive: boolean }) =>
    `rounded-md px-2 py-2 text-sm font-medium whitespace-nowrap sm:px-3 ${isActive ? "bg-brand-50 text-brand-700" : "text-muted hover:text-ink"}`;
  return (
    <header className="border-b border-line bg-card">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-10 focus:rounded-md focus:bg-card focus:px-3 focus:py-2"
      >
        Skip to content
      </a>
      <div className="mx-auto flex max-w-6xl items-center justify-between gap-4 px-4 py-3 sm:px-6">
        <Link to="/" className="flex items-center gap-2 text-lg font-semibold tracking-tight text-brand-900">
          <img src="/favicon.svg" alt="" width={28} height={28} />
          {/* on a phone the mark alone, so the menu and the cart fit beside it */}
          <span className="sr-only sm:not-sr-only">Holdfast</span>
        </Link>
        <nav aria-label="Main" className="flex items-center gap-0.5 sm:gap-1">
          <NavLink to="/products" className={nav}>
            Shop
          </NavLink>
          <NavLink to="/drops" className={nav}>
            Drops
          </NavLink>
          <NavLink to="/docs" className={nav}>
            How it works
          </NavLink>
          <CartLink cart={cart} />
        </nav>
      </div>
    </header>
  );
}

export function SiteFooter() {
  return (
    <footer className="mt-16 border-t border-line">
      <div className="mx-auto flex max-w-6xl flex-col gap-2 px-4 py-8 text-sm text-muted sm:flex-row sm:justify-between sm:px-6">
        <p>Holdfast — your units are held while you pay, and never sold twice.</p>
        <p>
          Demo shop: payments are simulated.{" "}
          <Link to="/docs" className="underline underline-offset-2 hover:text-ink">
            Read how it works
          </Link>
        </p>
      </div>
    </footer>
  );
}
