import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { listProducts } from "~/models/inventory.server";
import { formatPrice } from "~/utils/format";

export const meta: MetaFunction = () => [{ title: "Shop · Holdfast" }];

export async function loader({ context }: LoaderFunctionArgs) {
  const { database, clock } = context.app;
  const { products } = await listProducts({ database, limit: 500, cursor: null, now: clock() });
  return { products };
}

export default function Products() {
  const { products } = useLoaderData<typeof loader>();
  return (
    <>
      <h1 className="text-2xl font-bold tracking-tight">Shop</h1>
      <ul className="mt-6 grid grid-cols-1 gap-6 sm:grid-cols-2 lg:grid-cols-3">
        {products.map((p) => (
          <li key={p.id} className="overflow-hidden rounded-card border border-line bg-white">
            <Link to={`/products/${p.id}`} className="block">
              <img src={p.imageUrl} alt="" width={400} height={400} className="aspect-square w-full" loading="lazy" />
              <div className="flex items-baseline justify-between gap-2 p-4">
                <span className="font-medium">{p.name}</span>
                <span className="text-sm text-muted">{formatPrice(p.priceCents, p.currency)}</span>
              </div>
              <p className="px-4 pb-4 text-sm text-muted">
                {p.available > 0 ? `${p.available} available` : "Sold out"}
              </p>
            </Link>
          </li>
        ))}
      </ul>
    </>
  );
}
