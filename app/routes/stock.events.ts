import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { MAX_WATCHED_PRODUCTS } from "~/live/live";
import { openLiveStream, resumeFrom } from "~/live/sse.server";
import { missingProducts } from "~/models/inventory.server";
import { ID_PATTERN } from "~/models/reservation";

const productIds = z
  .string()
  .transform((s) => [...new Set(s.split(",").filter(Boolean))])
  .pipe(z.array(z.string().regex(ID_PATTERN)).min(1).max(MAX_WATCHED_PRODUCTS));

// Available stock for the products on screen (`?products=a,b,c`), live:
// the whole current state of those products whenever any of them changes.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { database, live } = context.app;
  const parsed = productIds.safeParse(new URL(request.url).searchParams.get("products") ?? "");
  if (!parsed.success) {
    return new Response(`Expected ?products=id,id,… (at most ${MAX_WATCHED_PRODUCTS})`, { status: 400 });
  }
  const missing = await missingProducts({ database, ids: parsed.data });
  if (missing.length > 0) return new Response(`No such product: ${missing.slice(0, 5).join(", ")}`, { status: 404 });
  return openLiveStream(context, request, (channel) =>
    live.watchStock({
      productIds: parsed.data,
      after: resumeFrom(request),
      stream: { send: (data) => channel.send({ event: "stock", id: data.id, data }), close: channel.close },
    }),
  );
}
