import type { LoaderFunctionArgs } from "@remix-run/node";
import { Outlet, useLoaderData } from "@remix-run/react";
import { ConsoleFrame } from "~/components/console/console-frame";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { requireOperator } from "~/http/operator-session.server";
import { useLiveConsole } from "~/live/live-updates";

// Every console page: signed in, framed, and live (its data reloads when
// anything happens in the shop). Each page's own loader checks the sign-in
// too, since Remix runs the loaders of a page side by side.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { operator } = await requireOperator(request, context);
  return { operator, liveFrom: context.app.live.cursor() };
}

export default function Console() {
  const { operator, liveFrom } = useLoaderData<typeof loader>();
  useLiveConsole(liveFrom);
  return (
    <ConsoleFrame operator={operator}>
      <Outlet />
    </ConsoleFrame>
  );
}

export function ErrorBoundary() {
  return (
    <ConsoleFrame operator={null}>
      <GeneralErrorBoundary />
    </ConsoleFrame>
  );
}
