import type { LoaderFunctionArgs } from "@remix-run/node";
import { getProduct } from "~/models/inventory.server";
import { productImageSvg } from "~/models/product-image.server";

export async function loader({ params, context }: LoaderFunctionArgs) {
  const id = params.file?.replace(/\.svg$/, "") ?? "";
  const { database, clock } = context.app;
  // archived products too: the holds made before still show their picture
  const found = await getProduct({ database, id, now: clock() });
  if (!found) return new Response("Not found", { status: 404 });
  return new Response(productImageSvg(found.product), {
    headers: { "Content-Type": "image/svg+xml", "Cache-Control": "public, max-age=86400" },
  });
}
