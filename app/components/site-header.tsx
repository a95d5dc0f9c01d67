import { Link, NavLink } from "@remix-run/react";

export function SiteHeader() {
  const nav = ({ isActive }: { isActive: boolean }) =>
    `rounded-md px-3 py-2 text-sm font-medium ${isActive ? "bg-brand-50 text-brand-700" : "text-muted hover:text-ink"}`;
  return (
    <header className="border-b border-line bg-white">
      <div className="mx-auto flex max-w-6xl items-center justify-between px-4 py-3 sm:px-6">
        <Link to="/" className="flex items-center gap-2 text-lg font-semibold tracking-tight text-brand-900">
          <img src="/favicon.svg" alt="" width={28} height={28} />
          Holdfast
        </Link>
        <nav aria-label="Main" className="flex gap-1">
          <NavLink to="/products" className={nav}>
            Shop
          </NavLink>
        </nav>
      </div>
    </header>
  );
}
