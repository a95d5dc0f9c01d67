import type { TopPurchaser } from "~/models/drop";

// The three customers with the most units bought, live; the shopper's own
// line says so.
export function TopPurchasers({
  purchasers,
  own,
  ended,
}: {
  purchasers: TopPurchaser[];
  own: string | null;
  ended: boolean;
}) {
  return (
    <section aria-labelledby="top-purchasers" className="card p-5">
      <h2 id="top-purchasers" className="font-semibold">
        Top purchasers
      </h2>
      {purchasers.length === 0 ? (
        <p className="mt-2 text-sm text-muted">
          {ended ? "Nobody bought in this drop." : "Nobody has paid yet. The first three to buy are shown here."}
        </p>
      ) : (
        <ol data-testid="top-purchasers" className="mt-3 grid gap-2">
          {purchasers.map((p, i) => (
            <li
              key={p.ref}
              className={`flex items-center justify-between gap-3 rounded-lg px-3 py-2 ${
                p.ref === own ? "bg-brand-50 font-semibold text-brand-900" : "bg-surface"
              }`}
            >
              <span className="flex min-w-0 items-center gap-3">
                <span aria-hidden="true" className="w-5 text-sm text-muted tabular-nums">
                  {i + 1}.
                </span>
                <span className="truncate">
                  {p.displayName}
                  {p.ref === own ? " (you)" : ""}
                </span>
              </span>
              <span className="text-sm whitespace-nowrap tabular-nums">
                {p.units} {p.units === 1 ? "unit" : "units"}
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
