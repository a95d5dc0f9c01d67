import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { DropClock } from "~/components/drops/drop-clock";
import { listDrops } from "~/models/drop-views.server";

export const meta: MetaFunction = () => [
  { title: "Drops · Holdfast" },
  {
    name: "description",
    content: "Limited drops: a few units, one each, and a fair line for the ones that come back.",
  },
];

export async function loader({ context }: LoaderFunctionArgs) {
  const { database, clock } = context.app;
  const now = clock();
  return { drops: await listDrops({ database, now }), serverNow: now };
}

export default function Drops() {
  const { drops, serverNow } = useLoaderData<typeof loader>();
  return (
    <>
      <h1 className="text-3xl font-bold tracking-tight">Drops</h1>
      <p className="mt-2 max-w-2xl text-pretty text-muted">
        A few units, at a set time. Everyone gets the same start on the server&apos;s clock, each shopper can hold a
        limited number, and units that come back go to the waiting line in order, not to whoever refreshes fastest.
      </p>
      {drops.length === 0 ? (
        <p className="mt-10 card p-6 text-muted">No drops are planned right now. Everything else is in the shop.</p>
      ) : (
        <ul className="mt-8 grid gap-4 sm:gap-6 md:grid-cols-2">
          {drops.map((drop) => (
            <li key={drop.id} className="group card relative flex flex-col gap-4 p-5 hover:shadow-md">
              <div className="flex -space-x-3">
                {drop.products.slice(0, 4).map((p) => (
                  <img
                    key={p.id}
                    src={p.imageUrl}
                    alt=""
                    width={64}
                    height={64}
                    className="size-16 rounded-xl border-2 border-card bg-brand-50 object-cover"
                  />
                ))}
              </div>
              <div>
                <h2 className="text-xl font-semibold">
                  <Link to={`/drops/${drop.id}`} className="after:absolute after:inset-0 group-hover:text-brand-700">
                    {drop.name}
                  </Link>
                </h2>
                <p className="mt-1 text-sm text-muted">{drop.products.map((p) => p.name).join(" · ")}</p>
              </div>
              <DropClock phase={drop.phase} startsAt={drop.startsAt} endsAt={drop.endsAt} serverNow={serverNow} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
