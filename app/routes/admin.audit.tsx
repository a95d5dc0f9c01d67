import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { auditFilterForm } from "~/api/console-forms.server";
import { AuditTable } from "~/components/console/audit-table";
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
        <div>
          <label htmlFor="warehouseId" className="label">
            Warehouse
          </label>
          <select id="warehouseId" name="warehouseId" defaultValue={fields.warehouseId} className="field mt-1.5">
            <option value="">Any</option>
            {warehouses.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="type" className="label">
            Type
          </label>
          <select id="type" name="type" defaultValue={fields.type} className="field mt-1.5">
            <option value="">Any</option>
            {types.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </div>
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
