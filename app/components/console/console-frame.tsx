import { Form, Link, NavLink } from "@remix-run/react";

// The console's frame: its own header (the sections, who is signed in, and
// signing out) around each page.
const sections = [
  { to: "/admin", label: "Dashboard", end: true },
  { to: "/admin/products", label: "Products", end: false },
  { to: "/admin/drops", label: "Drops", end: false },
  { to: "/admin/holds", label: "Holds", end: false },
  { to: "/admin/warehouses", label: "Warehouses", end: false },
  { to: "/admin/audit", label: "Audit trail", end: false },
  { to: "/admin/api-keys", label: "API keys", end: false },
];

export function ConsoleFrame({ operator, children }: { operator: string | null; children: React.ReactNode }) {
  const nav = ({ isActive }: { isActive: boolean }) =>
    `rounded-md px-3 py-2 text-sm font-medium whitespace-nowrap ${isActive ? "bg-white/15 text-white" : "text-brand-100 hover:text-white"}`;
  return (
    <>
      <header className="bg-brand-900 text-white">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-10 focus:rounded-md focus:bg-card focus:px-3 focus:py-2 focus:text-ink"
        >
          Skip to content
        </a>
        <div className="mx-auto flex max-w-7xl flex-wrap items-center justify-between gap-x-4 gap-y-2 px-4 py-3 sm:px-6">
          <Link to="/admin" className="flex items-center gap-2 text-lg font-semibold tracking-tight">
            <img src="/favicon.svg" alt="" width={28} height={28} />
            Holdfast <span className="font-normal text-brand-100">console</span>
          </Link>
          {operator ? (
            <div className="flex items-center gap-3 text-sm">
              <span className="text-brand-100">
                Signed in as <strong className="font-semibold text-white">{operator}</strong>
              </span>
              <Form method="post" action="/admin/logout">
                <button type="submit" className="rounded-md border border-white/30 px-3 py-1.5 hover:bg-white/10">
                  Sign out
                </button>
              </Form>
            </div>
          ) : (
            <Link to="/" className="text-sm text-brand-100 hover:text-white">
              Back to the shop
            </Link>
          )}
        </div>
        {operator ? (
          <nav aria-label="Console" className="mx-auto flex max-w-7xl flex-wrap gap-1 px-2 pb-2 sm:px-4">
            {sections.map((s) => (
              <NavLink key={s.to} to={s.to} end={s.end} className={nav}>
                {s.label}
              </NavLink>
            ))}
          </nav>
        ) : null}
      </header>
      <main id="main" className="mx-auto w-full max-w-7xl flex-1 px-4 py-6 sm:px-6 sm:py-8">
        {children}
      </main>
    </>
  );
}
