import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { newWarehouseForm, warehouseChangesForm } from "~/api/console-forms.server";
import { useLastAnswer } from "~/components/console/use-last-answer";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { formatCount } from "~/components/format";
import { requireOperator, requireOperatorWrite } from "~/http/operator-session.server";
import { createWarehouse, editWarehouse } from "~/models/catalogue.server";
import { ID_PATTERN } from "~/models/reservation";
import { listWarehousesForOperators } from "~/models/stock-overview.server";

export const meta: MetaFunction = () => [{ title: "Warehouses · Holdfast console" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireOperator(request, context);
  const { database, clock } = context.app;
  return { warehouses: await listWarehousesForOperators({ database, now: clock() }) };
}

type WarehouseResult = { target: string; ok: boolean; message: string };

// A new warehouse, or a warehouse's name and city.
export async function action({ request, context }: ActionFunctionArgs) {
  const { operator } = await requireOperatorWrite(request, context);
  const { database, clock } = context.app;
  const form = Object.fromEntries(await request.formData());
  if (form.intent === "create") {
    const input = newWarehouseForm(form);
    if (!input.ok) return data<WarehouseResult>({ target: "new", ok: false, message: input.message }, { status: 400 });
    const outcome = await createWarehouse({ database, warehouse: input.data, operator, now: clock() });
    if (!outcome.ok) {
      return data<WarehouseResult>(
        { target: "new", ok: false, message: `Id: ${input.data.id} is taken; choose another.` },
        { status: 409 },
      );
    }
    return data<WarehouseResult>({ target: "new", ok: true, message: `Added ${outcome.created.name}.` });
  }
  const id = typeof form.id === "string" && ID_PATTERN.test(form.id) ? form.id : null;
  if (!id) throw new Response("Not found", { status: 404 });
  const changes = warehouseChangesForm(form);
  if (!changes.ok) return data<WarehouseResult>({ target: id, ok: false, message: changes.message }, { status: 400 });
  const outcome = await editWarehouse({ database, id, changes: changes.data, operator, now: clock() });
  if (!outcome.ok) throw new Response("Not found", { status: 404 });
  return data<WarehouseResult>({ target: id, ok: true, message: "Saved." });
}

export default function ConsoleWarehouses() {
  const { warehouses } = useLoaderData<typeof loader>();
  const result = useLastAnswer(useActionData<typeof action>());
  const said = (target: string) =>
    result?.target === target ? (
      <p role="status" className={`text-sm ${result.ok ? "text-ok-ink" : "text-danger-ink"}`}>
        {result.message}
      </p>
    ) : null;
  return (
    <>
      <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">Warehouses</h1>
      <p className="mt-1 text-muted">Where stock is kept. A product is stocked in a warehouse from its own page.</p>
      <div className="mt-6 relative overflow-x-auto rounded-card border border-line bg-card">
        <table className="data-table">
          <caption className="sr-only">Warehouses and what they hold</caption>
          <thead>
            <tr>
              <th scope="col">Warehouse</th>
              <th scope="col" className="num">
                Products
              </th>
              <th scope="col" className="num">
                Total
              </th>
              <th scope="col" className="num">
                Reserved
              </th>
              <th scope="col" className="num">
                Sold
              </th>
              <th scope="col">Name and city</th>
            </tr>
          </thead>
          <tbody>
            {warehouses.map((w) => (
              <tr key={w.id}>
                <th scope="row" className="font-medium whitespace-nowrap">
                  {w.name}
                  <span className="block font-mono text-xs font-normal text-muted">{w.id}</span>
                </th>
                <td className="num">{formatCount(w.products)}</td>
                <td className="num">{formatCount(w.total)}</td>
                <td className="num">{formatCount(w.reserved)}</td>
                <td className="num">{formatCount(w.sold)}</td>
                <td className="min-w-[26rem]">
                  <Form method="post" preventScrollReset className="flex flex-wrap items-center gap-2">
                    <input type="hidden" name="intent" value="edit" />
                    <input type="hidden" name="id" value={w.id} />
                    <input type="hidden" name="was.name" defaultValue={w.name} />
                    <input type="hidden" name="was.city" defaultValue={w.city} />
                    <label htmlFor={`${w.id}-name`} className="sr-only">
                      Name of {w.name}
                    </label>
                    <input
                      id={`${w.id}-name`}
                      name="name"
                      defaultValue={w.name}
                      required
                      maxLength={100}
                      className="field w-36 py-1.5"
                    />
                    <label htmlFor={`${w.id}-city`} className="sr-only">
                      City of {w.name}
                    </label>
                    <input
                      id={`${w.id}-city`}
                      name="city"
                      defaultValue={w.city}
                      required
                      maxLength={100}
                      className="field w-36 py-1.5"
                    />
                    <button type="submit" className="btn btn-secondary min-h-9 py-1.5">
                      Save
                    </button>
                    {said(w.id)}
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <section aria-labelledby="new-warehouse" className="card mt-6 p-4 sm:p-6">
        <h2 id="new-warehouse" className="font-semibold">
          New warehouse
        </h2>
        <Form method="post" className="mt-4 grid gap-4 sm:grid-cols-4 sm:items-end">
          <input type="hidden" name="intent" value="create" />
          <div>
            <label htmlFor="new-id" className="label">
              Id
            </label>
            <input id="new-id" name="id" required maxLength={100} className="field mt-1.5 font-mono" />
          </div>
          <div>
            <label htmlFor="new-name" className="label">
              Name
            </label>
            <input id="new-name" name="name" required maxLength={100} className="field mt-1.5" />
          </div>
          <div>
            <label htmlFor="new-city" className="label">
              City
            </label>
            <input id="new-city" name="city" required maxLength={100} className="field mt-1.5" />
          </div>
          <button type="submit" className="btn btn-primary">
            Add warehouse
          </button>
          <div className="sm:col-span-4">{said("new")}</div>
        </Form>
      </section>
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
