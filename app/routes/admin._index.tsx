import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { HoldsChart } from "~/components/console/holds-chart";
import { HoldsTable } from "~/components/console/holds-table";
import { useLastAnswer } from "~/components/console/use-last-answer";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { formatCount, formatDateTime, formatDuration, formatPercent } from "~/components/format";
import { requireOperator, requireOperatorWrite } from "~/http/operator-session.server";
import { listHolds } from "~/models/operator-holds.server";
import { readHoldStats, statsWindows } from "~/models/stats.server";

export const meta: MetaFunction = () => [{ title: "Dashboard · Holdfast console" }];

const EXPIRING_SOON_SECONDS = 120;
const LOW_STOCK_SHOWN = 10;
const EXPIRING_SHOWN = 10;

const query = z.object({ window: z.enum(statsWindows).catch("1h") });

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { timeZone } = await requireOperator(request, context);
  const { database, clock, policy, consistency } = context.app;
  const { window } = query.parse({ window: new URL(request.url).searchParams.get("window") ?? undefined });
  const now = clock();
  const [stats, expiring] = await Promise.all([
    readHoldStats({ database, window, policy, now }),
    listHolds({
      database,
      filter: { expiringWithinSeconds: EXPIRING_SOON_SECONDS },
      cursor: null,
      limit: 100,
      policy,
      now,
    }),
  ]);
  // the list comes newest first; the dashboard wants the soonest to end
  const endingSoon = [...expiring.holds].sort((a, b) => a.expiresAt - b.expiresAt);
  return {
    stats,
    windows: statsWindows,
    endingSoon: endingSoon.slice(0, EXPIRING_SHOWN),
    moreEndingSoon: {
      count: Math.max(0, endingSoon.length - EXPIRING_SHOWN),
      atLeast: expiring.nextCursor !== null,
    },
    consistency: consistency.last(),
    now,
    timeZone,
  };
}

// "Check now": the consistency check, run at once.
export async function action({ request, context }: ActionFunctionArgs) {
  await requireOperatorWrite(request, context);
  const parsed = z.object({ intent: z.literal("check") }).safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return data({ checked: false }, { status: 400 });
  await context.app.consistency.run();
  return { checked: true };
}

export default function Dashboard() {
  const { stats, windows, endingSoon, moreEndingSoon, consistency, now, timeZone } = useLoaderData<typeof loader>();
  const checked = useLastAnswer(useActionData<typeof action>());
  const checking = useNavigation().formData?.get("intent") === "check";
  const windowLabel = stats.window === "1h" ? "last hour" : "last 24 hours";
  const tiles = [
    { label: "Pending holds", value: formatCount(stats.pending.holds) },
    { label: "Units held", value: formatCount(stats.pending.units) },
    { label: `Created, ${windowLabel}`, value: formatCount(stats.holds.created) },
    { label: `Confirmed, ${windowLabel}`, value: formatCount(stats.holds.confirmed) },
    { label: `Expired, ${windowLabel}`, value: formatCount(stats.holds.expired) },
    { label: "Conversion", value: formatPercent(stats.conversionRate), hint: "of the holds that ended, paid" },
    { label: "Expiry rate", value: formatPercent(stats.expiryRate), hint: "of the holds that ended, ran out" },
    {
      label: "Median time to pay",
      value: stats.medianSecondsToPay === null ? "—" : formatDuration(stats.medianSecondsToPay * 1000),
    },
  ];
  return (
    <>
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">Dashboard</h1>
          <p className="mt-1 text-muted">Live: it follows the shop as it happens.</p>
        </div>
        <nav aria-label="Window" className="flex gap-1 rounded-lg border border-line bg-card p-1 text-sm">
          {windows.map((w) => (
            <Link
              key={w}
              to={`?window=${w}`}
              aria-current={w === stats.window ? "page" : undefined}
              className={`rounded-md px-3 py-1.5 font-medium ${w === stats.window ? "bg-brand-600 text-white" : "text-muted hover:text-ink"}`}
            >
              {w === "1h" ? "Last hour" : "Last 24 hours"}
            </Link>
          ))}
        </nav>
      </div>

      <dl className="mt-6 grid grid-cols-2 gap-3 sm:gap-4 lg:grid-cols-4">
        {tiles.map((tile) => (
          <div key={tile.label} className="card p-4">
            <dt className="text-xs font-semibold tracking-wide text-muted uppercase">{tile.label}</dt>
            <dd className="mt-1 text-2xl font-semibold tabular-nums" data-testid={`tile-${tile.label}`}>
              {tile.value}
            </dd>
            {tile.hint ? <dd className="mt-0.5 text-xs text-muted">{tile.hint}</dd> : null}
          </div>
        ))}
      </dl>

      <section aria-labelledby="activity" className="card mt-6 p-4 sm:p-6">
        <h2 id="activity" className="font-semibold">
          Holds, {windowLabel}
        </h2>
        <div className="mt-4">
          <HoldsChart buckets={stats.series} bucketMs={stats.bucketMs} timeZone={timeZone} />
        </div>
      </section>

      <div className="mt-6 grid gap-6 lg:grid-cols-2">
        <section aria-labelledby="low-stock" className="min-w-0">
          <h2 id="low-stock" className="font-semibold">
            Low stock
          </h2>
          {stats.lowStock.length === 0 ? (
            <p className="mt-3 text-sm text-muted">Every row is above its threshold.</p>
          ) : (
            <div className="mt-3 relative overflow-x-auto rounded-card border border-line bg-card">
              <table className="data-table">
                <caption className="sr-only">Rows at or below their low-stock threshold</caption>
                <thead>
                  <tr>
                    <th scope="col">Product</th>
                    <th scope="col">Warehouse</th>
                    <th scope="col" className="num">
                      Available
                    </th>
                    <th scope="col" className="num">
                      Threshold
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {stats.lowStock.slice(0, LOW_STOCK_SHOWN).map((row) => (
                    <tr key={`${row.productId}/${row.warehouseId}`}>
                      <th scope="row" className="font-medium">
                        <Link to={`/admin/products/${row.productId}`} className="hover:text-brand-700">
                          {row.productName}
                        </Link>
                      </th>
                      <td>{row.warehouseName}</td>
                      <td className="num font-semibold text-danger-ink">{formatCount(row.available)}</td>
                      <td className="num">{formatCount(row.threshold)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {stats.lowStock.length > LOW_STOCK_SHOWN ? (
                <p className="border-t border-line px-3 py-2 text-sm text-muted">
                  and {formatCount(stats.lowStock.length - LOW_STOCK_SHOWN)} more rows, emptiest first
                </p>
              ) : null}
            </div>
          )}
        </section>

        <section aria-labelledby="books" className="min-w-0">
          <h2 id="books" className="font-semibold">
            The books
          </h2>
          <div className="card mt-3 p-4">
            {consistency === null ? (
              <p className="text-sm text-muted">Not checked yet.</p>
            ) : consistency.violations.length === 0 ? (
              <p className="text-sm">
                <span className="font-semibold text-ok-ink">In step.</span> {formatCount(consistency.rows)} rows checked
                against their holds and the ledger at {formatDateTime(consistency.checkedAt, timeZone)}.
              </p>
            ) : (
              <>
                <p className="text-sm font-semibold text-danger-ink" role="alert">
                  {formatCount(consistency.violations.length)} row
                  {consistency.violations.length === 1 ? " is" : "s are"} out of step (checked{" "}
                  {formatDateTime(consistency.checkedAt, timeZone)}).
                </p>
                <ul className="mt-2 space-y-1 text-sm">
                  {consistency.violations.slice(0, 10).map((v) => (
                    <li key={`${v.productId}/${v.warehouseId}/${v.problem}`}>
                      <Link to={`/admin/products/${v.productId}`} className="font-mono text-xs underline">
                        {v.productId} @ {v.warehouseId}
                      </Link>
                      : {v.problem.replaceAll("_", " ")}
                    </li>
                  ))}
                </ul>
                <p className="mt-2 text-xs text-muted">
                  Repair a row with POST /api/admin/consistency/repair once you know why it moved.
                </p>
              </>
            )}
            <Form method="post" className="mt-3 flex items-center gap-3">
              <button type="submit" name="intent" value="check" className="btn btn-secondary" disabled={checking}>
                {checking ? "Checking…" : "Check now"}
              </button>
              {checked?.checked ? (
                <span role="status" className="text-sm text-muted">
                  Checked.
                </span>
              ) : null}
            </Form>
          </div>
        </section>
      </div>

      <section aria-labelledby="expiring" className="mt-6">
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="expiring" className="font-semibold">
            Ending in the next two minutes
          </h2>
          <Link
            to={`/admin/holds?status=pending&expiringWithinSeconds=${EXPIRING_SOON_SECONDS}`}
            className="text-sm text-brand-700 underline underline-offset-2"
          >
            Release one
          </Link>
        </div>
        <HoldsTable holds={endingSoon} now={now} timeZone={timeZone} />
        {moreEndingSoon.count > 0 ? (
          <p className="mt-2 text-sm text-muted">
            and {moreEndingSoon.atLeast ? "more than " : ""}
            {formatCount(moreEndingSoon.count)} more; the soonest to end are above
          </p>
        ) : null}
      </section>
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
