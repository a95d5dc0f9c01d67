import { GeneralErrorBoundary } from "~/components/error-boundary";

// Anything no other route matches is a 404, shown by the one error boundary.
export function loader() {
  throw new Response("Not found", { status: 404 });
}

export default function NotFound() {
  return <GeneralErrorBoundary />;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
