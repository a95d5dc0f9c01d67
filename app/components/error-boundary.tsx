import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";

// The one error boundary: a clear page for each expected status, and never a
// stack trace for anything else. A route that knows why something is not
// found (a product no longer sold) says so in `notFound`.
export function GeneralErrorBoundary({ notFound }: { notFound?: { title: string; detail: string } }) {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const title =
    status === 404
      ? (notFound?.title ?? "We couldn't find that page")
      : status < 500
        ? "That request didn't work"
        : "Something went wrong";
  const detail =
    status === 404
      ? (notFound?.detail ?? "It may have moved, or it may belong to someone else.")
      : status < 500 && isRouteErrorResponse(error) && typeof error.data === "string"
        ? error.data
        : "Please try again in a moment.";
  return (
    <section className="mx-auto max-w-lg py-16 text-center">
      <p className="text-sm font-semibold text-brand-600">{status}</p>
      <h1 className="mt-2 text-3xl font-bold tracking-tight">{title}</h1>
      <p className="mt-4 text-muted">{detail}</p>
      <Link to="/products" className="btn btn-primary mt-8">
        Back to the shop
      </Link>
    </section>
  );
}
