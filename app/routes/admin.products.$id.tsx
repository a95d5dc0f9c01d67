import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { productChangesForm, stockChangeForm } from "~/api/console-forms.server";
import { AuditTable } from "~/components/console/audit-table";
import { HoldsTable } from "~/components/console/holds-table";
import { ProductFields } from "~/components/console/product-fields";
import { RestockForm, type StockChangeResult } from "~/components/console/restock-form";
import { StockTable } from "~/components/console/stock-table";
import { useLastAnswer } from "~/components/console/use-last-answer";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { formatCount, formatPrice } from "~/components/format";
import { requireOperator, requireOperatorWrite } from "~/http/operator-session.server";
import { listEvents } from "~/models/audit.server";
import { editProduct } from "~/models/catalogue.server";
import { listWarehouses } from "~/models/inventory.server";
import { listHolds } from "~/models/operator-holds.server";
import { ID_PATTERN } from "~/models/reservation";
import { restock, restockReasons } from "~/models/restock.server";
import { getProductForOperators } from "~/models/stock-overview.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.product.name ?? "Product"} · Holdfast console` },
];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { timeZone } = await requireOperator(request, context);
  const { database, clock, policy } = context.app;
  const id = params.id ?? "";
  if (!ID_PATTERN.test(id)) throw new Response("Not found", { status: 404 });
  const now = clock();
  const product = await getProductForOperators({ database, id, now });
  if (!product) throw new Response("Not found", { status: 404 });
  const [warehouses, holds, audit] = await Promise.all([
    listWarehouses({ database }),
    listHolds({ database, filter: { productId: id }, cursor: null, limit: 20, policy, now }),
    listEvents({ database, filter: { productId: id }, cursor: null, limit: 20 }),
  ]);
  const stocked = new Set(product.stock.map((s) => s.warehouseId));
  return {
    product,
    unstocked: warehouses.filter((w) => !stocked.has(w.id)).map(({ id, name }) => ({ id, name })),
    holds: holds.holds,
    moreHolds: holds.nextCursor !== null,
    audit: audit.events,
    reasons: restockReasons,
    now,
    timeZone,
  };
}

type EditResult = { intent: "edit"; ok: boolean; message: string };

// Two forms post here: a row's stock change (from this page or the
// products list) and the product's details.
export async function action({ request, params, context }: ActionFunctionArgs) {
  const { operator } = await requireOperatorWrite(request, context);
  const productId = params.id ?? "";
  if (!ID_PATTERN.test(productId)) throw new Response("Not found", { status: 404 });
  const form = Object.fromEntries(await request.formData());
  if (form.intent === "edit") return editDetails({ context, productId, form, operator });
  return changeStock({ context, productId, form, operator });
}

async function editDetails({
  context,
  productId,
  form,
  operator,
}: {
  context: ActionFunctionArgs["context"];
  productId: string;
  form: Record<string, FormDataEntryValue>;
  operator: string;
}) {
  const changes = productChangesForm(form);
  if (!changes.ok) return data<EditResult>({ intent: "edit", ok: false, message: changes.message }, { status: 400 });
  const { database, clock } = context.app;
  const outcome = await editProduct({ database, id: productId, changes: changes.data, operator, now: clock() });
  if (!outcome.ok) throw new Response("Not found", { status: 404 });
  return data<EditResult>({ intent: "edit", ok: true, message: "Saved." });
}

async function changeStock({
  context,
  productId,
  form,
  operator,
}: {
  context: ActionFunctionArgs["context"];
  productId: string;
  form: Record<string, FormDataEntryValue>;
  operator: string;
}) {
  const { database, clock } = context.app;
  const warehouseId = typeof form.warehouseId === "string" ? form.warehouseId : "";
  const input = stockChangeForm(form, productId);
  if (!input.ok) {
    return data<StockChangeResult>(
      { intent: "restock", warehouseId, ok: false, message: input.message },
      { status: 400 },
    );
  }
  const { delta, total, reason, note } = input.data;
  const outcome = await restock({
    database,
    productId,
    warehouseId,
    change: total === undefined ? { delta: delta ?? 0 } : { total },
    reason,
    note: note ?? null,
    operator,
    now: clock(),
  });
  if (outcome.ok) {
    const before = outcome.before?.total ?? 0;
    return data<StockChangeResult>({
      intent: "restock",
      warehouseId,
      ok: true,
      message: `Saved: total ${formatCount(before)} → ${formatCount(outcome.after.total)}.`,
    });
  }
  if (outcome.code === "not_found") throw new Response("Not found", { status: 404 });
  const committed = outcome.reserved + outcome.sold;
  const held = `${formatCount(outcome.reserved)} held and ${formatCount(outcome.sold)} sold`;
  // a removal is refused by how many could go; a new total by what it is under
  const message =
    delta !== undefined && delta < 0
      ? `Not saved: at most ${formatCount(Math.max(0, outcome.requestedTotal - delta - committed))} can be removed (${held}).`
      : `Not saved: a total of ${formatCount(outcome.requestedTotal)} is below the ${held}.`;
  return data<StockChangeResult>({ intent: "restock", warehouseId, ok: false, message }, { status: 409 });
}

export default function ConsoleProduct() {
  const { product, unstocked, holds, moreHolds, audit, reasons, now, timeZone } = useLoaderData<typeof loader>();
  const answer = useLastAnswer(useActionData<typeof action>());
  const answered = answer?.intent === "restock" ? answer : undefined;
  const edited = answer?.intent === "edit" ? answer : undefined;
  return (
    <>
      <nav aria-label="Breadcrumb" className="text-sm text-muted">
        <Link to="/admin/products" className="hover:text-ink">
          Products
        </Link>{" "}
        / <span className="font-mono">{product.id}</span>
      </nav>
      <div className="mt-2 flex flex-wrap items-baseline gap-x-4 gap-y-1">
        <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">{product.name}</h1>
        {product.archived ? (
          <span className="rounded-full border border-line bg-surface px-2.5 py-0.5 text-xs font-semibold text-muted">
            Archived
          </span>
        ) : (
          <Link to={`/products/${product.id}`} className="text-sm text-brand-700 underline underline-offset-2">
            View in the shop
          </Link>
        )}
      </div>
      <p className="mt-1 text-muted">
        {product.category} · {formatPrice(product.priceCents, product.currency)} · low stock at{" "}
        {formatCount(product.lowStockThreshold)} or fewer
      </p>

      <section aria-labelledby="stock" className="mt-8">
        <h2 id="stock" className="text-lg font-semibold">
          Stock
        </h2>
        <StockTable product={product} reasons={reasons} answered={answered} />
        {unstocked.length > 0 ? (
          <AddWarehouse product={product} warehouses={unstocked} reasons={reasons} answered={answered} />
        ) : null}
      </section>

      <section aria-labelledby="details" className="mt-10">
        <h2 id="details" className="text-lg font-semibold">
          Details
        </h2>
        <Form method="post" preventScrollReset className="card mt-3 space-y-4 p-4 sm:p-6">
          <input type="hidden" name="intent" value="edit" />
          <ProductFields product={product} idPrefix="edit" />
          <div className="flex flex-wrap items-center gap-3">
            <button type="submit" className="btn btn-primary">
              Save details
            </button>
            {edited ? (
              <p role="status" className={`text-sm ${edited.ok ? "text-ok-ink" : "text-danger-ink"}`}>
                {edited.message}
              </p>
            ) : null}
          </div>
        </Form>
      </section>

      <section aria-labelledby="holds" className="mt-10">
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="holds" className="text-lg font-semibold">
            Holds
          </h2>
          <Link
            to={`/admin/holds?productId=${product.id}`}
            className="text-sm text-brand-700 underline underline-offset-2"
          >
            {moreHolds ? "All holds of this product" : "Filter holds"}
          </Link>
        </div>
        <HoldsTable holds={holds} now={now} timeZone={timeZone} />
      </section>

      <section aria-labelledby="audit" className="mt-10">
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="audit" className="text-lg font-semibold">
            Audit trail
          </h2>
          <p className="flex gap-4 text-sm">
            <Link to={`/admin/audit?productId=${product.id}`} className="text-brand-700 underline underline-offset-2">
              All of it
            </Link>
            <a
              href={`/admin/audit.csv?productId=${product.id}`}
              download
              className="text-brand-700 underline underline-offset-2"
            >
              Download CSV
            </a>
          </p>
        </div>
        <AuditTable events={audit} timeZone={timeZone} />
      </section>
    </>
  );
}

function AddWarehouse({
  product,
  warehouses,
  reasons,
  answered,
}: {
  product: { id: string; name: string };
  warehouses: { id: string; name: string }[];
  reasons: readonly string[];
  answered: StockChangeResult | undefined;
}) {
  return (
    <details className="card mt-4 p-4">
      <summary className="cursor-pointer text-sm font-semibold">Stock it in another warehouse</summary>
      <ul className="mt-3 space-y-4">
        {warehouses.map((w) => (
          <li key={w.id}>
            <p className="mb-1 text-sm font-medium">{w.name}</p>
            <RestockForm
              productId={product.id}
              productName={product.name}
              warehouseId={w.id}
              warehouseName={w.name}
              reasons={reasons}
              answered={answered}
              wrap
            />
          </li>
        ))}
      </ul>
    </details>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
