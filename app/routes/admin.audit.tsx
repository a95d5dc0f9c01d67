import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { auditFilterForm } from "~/api/console-forms.server";
import { AuditTable } from "~/components/console/audit-table";
import { FilterSelect } from "~/components/console/filter-select";
import { NextPage } from "~/components/console/next-page";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { requireOperator } from "~/http/operator-session.server";
import { listEvents } from "~/models/audit.server";
import { eventTypes } from "~/models/events.server";
import { listWarehouses } from "~/models/inventory.server";

export const meta: MetaFunction = () => [{ title: "Audit trail · Holdfast console" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { timeZone } = await requireOperator(request, context);
  const { database } = context.app;
  const params = new URL(request.url).searchParams;
  const { filter, cursor, fields } = auditFilterForm(params, timeZone);
  const [page, warehouses] = await Promise.all([
    listEvents({ database, filter, cursor, limit: 50 }),
    listWarehouses({ database }),
  ]);
  return {
    ...page,
    fields,
    types: eventTypes,
    warehouses: warehouses.map(({ id, name }) => ({ id, name })),
    timeZone,
  };
}

export default function AuditTrail() {
  const { events, nextCursor, fields, types, warehouses, timeZone } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const exportQuery = new URLSearchParams(params);
  exportQuery.delete("after");
  return (
    <>
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">Audit trail</h1>
          <p className="mt-1 text-muted">Every change, newest first, with who made it. Dates in {timeZone}.</p>
        </div>
        <a href={`/admin/audit.csv?${exportQuery}`} className="btn btn-secondary" download>
          Download CSV
        </a>
      </div>
      <Form method="get" className="card mt-6 grid gap-4 p-4 sm:grid-cols-2 lg:grid-cols-6 lg:items-end">
        <div>
          <label htmlFor="productId" className="label">
            Product id
          </label>
          <input id="productId" name="productId" defaultValue={fields.productId} className="field mt-1.5" />
        </div>
        <FilterSelect
          name="warehouseId"
          label="Warehouse"
          value={fields.warehouseId}
          options={warehouses.map((w) => ({ value: w.id, label: w.name }))}
        />
        <FilterSelect
          name="type"
          label="Type"
          value={fields.type}
          options={types.map((type) => ({ value: type, label: type }))}
        />
        <div>
          <label htmlFor="from" className="label">
            From (day)
          </label>
          <input id="from" name="from" type="date" defaultValue={fields.from} className="field mt-1.5" />
        </div>
        <div>
          <label htmlFor="to" className="label">
            To (day)
          </label>
          <input id="to" name="to" type="date" defaultValue={fields.to} className="field mt-1.5" />
        </div>
        <div className="flex gap-2">
          <button type="submit" className="btn btn-primary flex-1">
            Filter
          </button>
          <Link to="/admin/audit" className="btn btn-secondary">
            Clear
          </Link>
        </div>
      </Form>
      <AuditTable events={events} timeZone={timeZone} />
      <NextPage cursor={nextCursor} label="Older entries" />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
