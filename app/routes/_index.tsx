import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { formatDuration } from "~/components/format";
import { ProductCard } from "~/components/product-card";
import { useLiveStock } from "~/live/live-updates";
import { featuredProducts } from "~/models/inventory.server";

export const meta: MetaFunction = () => [
  { title: "Holdfast — your item, held while you pay" },
  { name: "description", content: "Reserve it, pay at your own pace: nobody else can take the unit you are holding." },
];

export async function loader({ context }: LoaderFunctionArgs) {
  const { database, clock, live, policy } = context.app;
  const liveFrom = live.cursor();
  const products = await featuredProducts({ database, now: clock() });
  return { products, liveFrom, holdFor: formatDuration(policy.ttlMs) };
}

export default function Home() {
  const { products, liveFrom, holdFor: hold } = useLoaderData<typeof loader>();
  const live = useLiveStock(
    products.map((p) => p.id),
    liveFrom,
  );
  return (
    <>
      <section className="grid items-center gap-10 py-6 md:grid-cols-[1.2fr_1fr] md:py-12">
        <div>
          <p className="text-sm font-semibold tracking-wide text-brand-600 uppercase">
            Audio · Kitchen · Desk · Outdoor · Home
          </p>
          <h1 className="mt-3 text-4xl font-bold tracking-tight text-balance text-brand-900 sm:text-5xl">
            Your item, held while you pay.
          </h1>
          <p className="mt-5 max-w-xl text-lg text-pretty text-muted">
            Reserve it and the units are yours for {hold} — long enough for UPI, 3‑D Secure or a wallet redirect. Nobody
            else can take a unit you are holding, and every count you see is live.
          </p>
          <div className="mt-8 flex flex-col gap-3 sm:flex-row">
            <Link to="/products" className="btn btn-primary px-5 text-base">
              Browse the shop
            </Link>
            <Link to="/docs" className="btn btn-secondary px-5 text-base">
              How holds work
            </Link>
          </div>
        </div>
        <ol className="card grid gap-5 p-6 sm:p-8">
          {[
            ["Reserve", `Pick a warehouse and a quantity. The units are held for you for ${hold}.`],
            ["Pay at your pace", "A countdown shows how long you have; ask for more time if you need it."],
            [
              "It's yours",
              "Pay and the sale is final. Cancel, or let the time run out, and the units go back on sale.",
            ],
          ].map(([title, text], i) => (
            <li key={title} className="flex gap-4">
              <span
                aria-hidden="true"
                className="flex size-8 shrink-0 items-center justify-center rounded-full bg-brand-50 font-semibold text-brand-700"
              >
                {i + 1}
              </span>
              <div>
                <h2 className="font-semibold">{title}</h2>
                <p className="mt-1 text-sm text-muted">{text}</p>
              </div>
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby="featured" className="mt-10">
        <div className="flex items-baseline justify-between gap-4">
          <h2 id="featured" className="text-2xl font-bold tracking-tight">
            Featured
          </h2>
          <Link to="/products" className="text-sm font-medium text-brand-700 hover:text-brand-900">
            See all products →
          </Link>
        </div>
        <ul className="mt-6 grid grid-cols-2 gap-4 sm:grid-cols-3 sm:gap-6 lg:grid-cols-5">
          {products.map((p) => (
            <ProductCard key={p.id} product={p} live={live} />
          ))}
        </ul>
      </section>
    </>
  );
}
