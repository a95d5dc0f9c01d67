import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { getProduct } from "~/models/inventory.server";
import { formatPrice } from "~/utils/format";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.product.name} · Holdfast` : "Not found · Holdfast" },
];

export async function loader({ params, context }: LoaderFunctionArgs) {
  const { database, clock } = context.app;
  const product = await getProduct({ database, id: params.id ?? "", now: clock() });
  if (!product) throw new Response("Not found", { status: 404 });
  return { product };
}

export default function ProductPage() {
  const { product } = useLoaderData<typeof loader>();
  return (
    <article className="grid gap-8 md:grid-cols-2">
      <img src={product.imageUrl} alt={product.name} width={400} height={400} className="w-full rounded-card" />
      <div>
        <h1 className="text-3xl font-bold tracking-tight">{product.name}</h1>
        <p className="mt-2 text-xl">{formatPrice(product.priceCents, product.currency)}</p>
        <p className="mt-4 text-muted">{product.description}</p>
        <h2 className="mt-8 font-semibold">Stock by warehouse</h2>
        <ul className="mt-2 divide-y divide-line rounded-card border border-line bg-white">
          {product.stock.map((s) => (
            <li key={s.warehouseId} className="flex justify-between px-4 py-2">
              <span>{s.warehouseName}</span>
              <span className={s.available > 0 ? "text-ok" : "text-muted"}>
                {s.available > 0 ? `${s.available} available` : "Sold out"}
              </span>
            </li>
          ))}
        </ul>
      </div>
    </article>
  );
}
