import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useFetcher, useLoaderData } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { z } from "zod";
import { ProductCard } from "~/components/product-card";
import { useLiveStock } from "~/live/live-updates";
import type { ProductView } from "~/models/inventory";
import { listProducts } from "~/models/inventory.server";
import { ID_PATTERN } from "~/models/reservation";

export const meta: MetaFunction = () => [{ title: "Shop · Holdfast" }];

const PAGE_SIZE = 21;

const query = z.object({
  // any product id: operators may make ones with capitals or '_'
  after: z.string().regex(ID_PATTERN).nullable(),
});

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { database, clock, live } = context.app;
  const parsed = query.safeParse({ after: new URL(request.url).searchParams.get("after") });
  if (!parsed.success) throw new Response("That page link is not valid.", { status: 400 });
  const liveFrom = live.cursor();
  const { products, nextCursor } = await listProducts({
    database,
    limit: PAGE_SIZE,
    cursor: parsed.data.after,
    now: clock(),
  });
  return { products, nextCursor, after: parsed.data.after, liveFrom };
}

export default function Products() {
  const data = useLoaderData<typeof loader>();
  const more = useFetcher<typeof loader>();
  const [added, setAdded] = useState<{ after: string | null; products: ProductView[]; nextCursor: string | null }>({
    after: data.after,
    products: [],
    nextCursor: data.nextCursor,
  });
  // a different page (a link followed without JavaScript) starts afresh
  if (added.after !== data.after) setAdded({ after: data.after, products: [], nextCursor: data.nextCursor });

  const grid = useRef<HTMLUListElement>(null);
  // keyboard and screen-reader users land on the first new product
  const firstNew = useRef<string | null>(null);
  const [announcement, setAnnouncement] = useState("");
  useEffect(() => {
    const page = more.data;
    if (!page || more.state !== "idle") return;
    // the fetcher's page arrives from outside React: appending it once, as
    // it lands, is the synchronisation this effect is for
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setAdded((current) =>
      current.products.some((p) => p.id === page.products[0]?.id)
        ? current
        : { ...current, products: [...current.products, ...page.products], nextCursor: page.nextCursor },
    );
    firstNew.current = page.products[0]?.id ?? null;
    setAnnouncement(`${page.products.length} more products loaded`);
  }, [more.data, more.state]);

  const products = [...data.products, ...added.products];
  const live = useLiveStock(
    products.map((p) => p.id),
    data.liveFrom,
  );
  const nextCursor = added.nextCursor;
  const loading = more.state !== "idle";

  useEffect(() => {
    if (!firstNew.current) return;
    grid.current?.querySelector<HTMLAnchorElement>(`a[href="/products/${firstNew.current}"]`)?.focus();
    firstNew.current = null;
  }, [added.products.length]);

  return (
    <>
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-3xl font-bold tracking-tight">Shop</h1>
          <p className="mt-2 text-muted">Counts update live as other shoppers reserve and buy.</p>
        </div>
        {data.after ? (
          <Link to="/products" className="text-sm font-medium text-brand-700 hover:text-brand-900">
            ← Back to the first page
          </Link>
        ) : null}
      </div>
      <ul ref={grid} className="mt-8 grid grid-cols-2 gap-4 sm:gap-6 md:grid-cols-3">
        {products.map((p) => (
          <ProductCard key={p.id} product={p} live={live} />
        ))}
      </ul>
      <p role="status" aria-live="polite" className="sr-only">
        {announcement}
      </p>
      <div className="mt-10 flex justify-center">
        {nextCursor ? (
          <Link
            to={`/products?after=${nextCursor}`}
            className="btn btn-secondary min-w-40"
            aria-disabled={loading}
            onClick={(event) => {
              event.preventDefault();
              if (!loading) more.load(`/products?index&after=${nextCursor}`);
            }}
          >
            {loading ? "Loading…" : "Load more"}
          </Link>
        ) : (
          <p className="text-sm text-muted">{"That's everything in the shop."}</p>
        )}
      </div>
    </>
  );
}
