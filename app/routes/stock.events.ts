import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { MAX_WATCHED_PRODUCTS } from "~/models/live";
import { eventStream, resumeFrom } from "~/utils/sse.server";

const productIds = z
  .string()
  .transform((s) => s.split(",").filter(Boolean))
  .pipe(z.array(z.string().regex(/^[a-z0-9-]{1,100}$/)).min(1).max(MAX_WATCHED_PRODUCTS));

// Available stock for the products on screen (`?products=a,b,c`), live:
// the whole current state of those products whenever any of them changes.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { live } = context.app;
  const parsed = productIds.safeParse(new URL(request.url).searchParams.get("products") ?? "");
  if (!parsed.success) return new Response("Expected ?products=id,id,…", { status: 400 });
  if (!live.accepting()) return new Response("Shutting down", { status: 503, headers: { "Retry-After": "1" } });
  return eventStream(request, (channel) =>
    live.watchStock({
      productIds: parsed.data,
      after: resumeFrom(request),
      stream: { send: (data) => channel.send({ event: "stock", id: data.id, data }), close: channel.close },
    }),
  );
}
