import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { releaseForm } from "~/api/console-forms.server";
import { FilterSelect } from "~/components/console/filter-select";
import { HoldsTable } from "~/components/console/holds-table";
import { NextPage } from "~/components/console/next-page";
import { useLastAnswer } from "~/components/console/use-last-answer";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { requireOperator, requireOperatorWrite } from "~/http/operator-session.server";
import { listWarehouses } from "~/models/inventory.server";
import { listHolds, releaseByOperator } from "~/models/operator-holds.server";
import { ID_PATTERN, paymentReference, reservationStatuses } from "~/models/reservation";

export const meta: MetaFunction = () => [{ title: "Holds · Holdfast console" }];

const expiringChoices = [
  { seconds: 120, label: "the next 2 minutes" },
  { seconds: 600, label: "the next 10 minutes" },
  { seconds: 3600, label: "the next hour" },
];

// A filter that does not parse is no filter: the page still shows holds.
const filters = z.object({
  status: z.enum(reservationStatuses).optional().catch(undefined),
  productId: z.string().regex(ID_PATTERN).optional().catch(undefined),
  warehouseId: z.string().regex(ID_PATTERN).optional().catch(undefined),
  expiringWithinSeconds: z.coerce
    .number()
    .refine((s) => expiringChoices.some((c) => c.seconds === s))
    .optional()
    .catch(undefined),
  after: z.string().uuid().optional().catch(undefined),
});

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { timeZone } = await requireOperator(request, context);
  const { database, clock, policy } = context.app;
  const params = Object.fromEntries([...new URL(request.url).searchParams].filter(([, value]) => value !== ""));
  const { after, ...filter } = filters.parse(params);
  const now = clock();
  const [page, warehouses] = await Promise.all([
    listHolds({ database, filter, cursor: after ?? null, limit: 50, policy, now }),
    listWarehouses({ database }),
  ]);
  return {
    ...page,
    filter,
    warehouses: warehouses.map(({ id, name }) => ({ id, name })),
    statuses: reservationStatuses,
    expiringChoices,
    now,
    timeZone,
  };
}

type ReleaseResult = { ok: boolean; message: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const { operator } = await requireOperatorWrite(request, context);
  const { database, clock, policy } = context.app;
  const input = releaseForm(Object.fromEntries(await request.formData()));
  if (!input.ok) return data<ReleaseResult>({ ok: false, message: input.message }, { status: 400 });
  const { id, reason } = input.data;
  const outcome = await releaseByOperator({ database, id, reason, operator, policy, now: clock() });
  const reference = paymentReference(id);
  if (outcome.ok)
    return data<ReleaseResult>({ ok: true, message: `Released ${reference}; its units are back on sale.` });
  if (outcome.code === "not_found")
    return data<ReleaseResult>({ ok: false, message: "No such hold." }, { status: 404 });
  const why = outcome.code === "reservation_expired" ? "it has already expired" : `it is ${outcome.reservation.status}`;
  return data<ReleaseResult>({ ok: false, message: `${reference} was not released: ${why}.` }, { status: 409 });
}

export default function ConsoleHolds() {
  const { holds, nextCursor, filter, warehouses, statuses, expiringChoices, now, timeZone } =
    useLoaderData<typeof loader>();
  const result = useLastAnswer(useActionData<typeof action>());
  return (
    <>
      <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">Holds</h1>
      <p className="mt-1 text-muted">Every hold, newest first. Release a stuck one with a reason; it is recorded.</p>
      <Form method="get" className="card mt-6 grid gap-4 p-4 sm:grid-cols-2 lg:grid-cols-5 lg:items-end">
        <FilterSelect
          name="status"
          label="Status"
          value={filter.status}
          options={statuses.map((status) => ({ value: status, label: status }))}
        />
        <div>
          <label htmlFor="productId" className="label">
            Product id
          </label>
          <input id="productId" name="productId" defaultValue={filter.productId ?? ""} className="field mt-1.5" />
        </div>
        <FilterSelect
          name="warehouseId"
          label="Warehouse"
          value={filter.warehouseId}
          options={warehouses.map((w) => ({ value: w.id, label: w.name }))}
        />
        <FilterSelect
          name="expiringWithinSeconds"
          label="Ending within"
          value={filter.expiringWithinSeconds}
          options={expiringChoices.map((c) => ({ value: c.seconds, label: c.label }))}
          anyLabel="Any time"
        />
        <div className="flex gap-2">
          <button type="submit" className="btn btn-primary flex-1">
            Filter
          </button>
          <Link to="/admin/holds" className="btn btn-secondary">
            Clear
          </Link>
        </div>
      </Form>
      {result ? (
        <p
          role="status"
          className={`mt-4 rounded-lg border px-3 py-2 text-sm ${result.ok ? "border-ok/30 bg-ok-50 text-ok-ink" : "border-danger/40 bg-danger-50 text-danger-ink"}`}
        >
          {result.message}
        </p>
      ) : null}
      <HoldsTable holds={holds} now={now} timeZone={timeZone} releasable />
      <NextPage cursor={nextCursor} label="Older holds" />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
