import type { MetaFunction } from "@remix-run/node";
import { Link } from "@remix-run/react";

export const meta: MetaFunction = () => [{ title: "Holdfast — stock held while you pay" }];

export default function Home() {
  return (
    <section className="py-12">
      <h1 className="text-4xl font-bold tracking-tight text-brand-900">Your item, held while you pay.</h1>
      <p className="mt-4 max-w-xl text-lg text-muted">
        Reserve it, pay at your own pace, and nobody else can take the unit you are holding.
      </p>
      <Link
        to="/products"
        className="mt-8 inline-block rounded-lg bg-brand-600 px-5 py-3 font-medium text-white hover:bg-brand-700"
      >
        Browse the shop
      </Link>
    </section>
  );
}
