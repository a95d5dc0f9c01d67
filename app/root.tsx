import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Links, Meta, Outlet, Scripts, ScrollRestoration, useLocation, useRouteLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { useNonce } from "~/components/nonce";
import { SiteFooter, SiteHeader } from "~/components/site-header";
import { sessionHolder } from "~/http/session.server";
import { cartSummary } from "~/models/carts.server";
import styles from "~/styles/app.css?url";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: styles },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

// The header's cart: its units, and its revision, which tells the other open
// tabs when it changed (components/cart/cart-link.tsx). Remix reloads this
// after every form and fetcher, so the count follows each change.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { database, env } = context.app;
  const { sessionHash } = await sessionHolder(request, env.SESSION_SECRET);
  return { cart: await cartSummary({ database, sessionHash }) };
}

export function Layout({ children }: { children: React.ReactNode }) {
  const nonce = useNonce();
  // an error page has no loader data: its header shows the cart without a count
  const cart = useRouteLoaderData<typeof loader>("root")?.cart ?? null;
  // the console (/admin) has its own header and no shop footer
  const inConsole = /^\/admin(\/|$)/.test(useLocation().pathname);
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body className="flex min-h-screen flex-col">
        {inConsole ? (
          children
        ) : (
          <>
            <SiteHeader cart={cart} />
            <main id="main" className="mx-auto w-full max-w-6xl flex-1 px-4 py-8 sm:px-6">
              {children}
            </main>
            <SiteFooter />
          </>
        )}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
