import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { newProductForm } from "~/api/console-forms.server";
import { NextPage } from "~/components/console/next-page";
import { ProductFields } from "~/components/console/product-fields";
import { StockTable } from "~/components/console/stock-table";
import { useLastAnswer } from "~/components/console/use-last-answer";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { formatCount } from "~/components/format";
import { requireOperator, requireOperatorWrite } from "~/http/operator-session.server";
import { createProduct } from "~/models/catalogue.server";
import { ID_PATTERN } from "~/models/reservation";
import { restockReasons } from "~/models/restock.server";
import { listProductsForOperators } from "~/models/stock-overview.server";

export const meta: MetaFunction = () => [{ title: "Products · Holdfast console" }];

const query = z.object({
  q: z
    .string()
    .trim()
    .max(100)
    .transform((q) => q || null)
    .catch(null),
  after: z.string().regex(ID_PATTERN).nullable().catch(null),
});

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireOperator(request, context);
  const { database, clock } = context.app;
  const params = new URL(request.url).searchParams;
  const { q, after } = query.parse({ q: params.get("q") ?? "", after: params.get("after") });
  const page = await listProductsForOperators({ database, search: q, cursor: after, limit: 25, now: clock() });
  return { ...page, q, reasons: restockReasons };
}

// A new product; its page is where it gets its first stock.
export async function action({ request, context }: ActionFunctionArgs) {
  const { operator } = await requireOperatorWrite(request, context);
  const form = newProductForm(Object.fromEntries(await request.formData()));
  if (!form.ok) return data({ message: form.message }, { status: 400 });
  const { database, clock } = context.app;
  const outcome = await createProduct({ database, product: form.data, operator, now: clock() });
  if (!outcome.ok) return data({ message: `Id: ${form.data.id} is taken; choose another.` }, { status: 409 });
  return redirect(`/admin/products/${outcome.created.id}`);
}

export default function ConsoleProducts() {
  const { products, nextCursor, q, reasons } = useLoaderData<typeof loader>();
  const refused = useLastAnswer(useActionData<typeof action>());
  return (
    <>
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">Products</h1>
          <p className="mt-1 text-muted">Stock by warehouse; change a row where it is.</p>
        </div>
        <Form method="get" role="search" className="flex gap-2">
          <label htmlFor="q" className="sr-only">
            Search products
          </label>
          <input id="q" name="q" type="search" defaultValue={q ?? ""} placeholder="Name or id" className="field w-56" />
          <button type="submit" className="btn btn-secondary min-h-10 py-2">
            Search
          </button>
        </Form>
      </div>
      <details className="card mt-6 p-4 sm:p-6" open={refused !== undefined}>
        <summary className="cursor-pointer font-semibold">New product</summary>
        <Form method="post" className="mt-4 space-y-4">
          {refused ? (
            <p
              role="alert"
              className="rounded-lg border border-danger/40 bg-danger-50 px-3 py-2 text-sm text-danger-ink"
            >
              {refused.message}
            </p>
          ) : null}
          <div className="sm:w-1/2 sm:pr-2">
            <label htmlFor="new-id" className="label">
              Id
            </label>
            <input
              id="new-id"
              name="id"
              required
              maxLength={100}
              pattern="[A-Za-z0-9_\-]+"
              aria-describedby="new-id-help"
              className="field mt-1.5 font-mono"
            />
            <p id="new-id-help" className="mt-1 text-xs text-muted">
              Letters, digits, - and _; it never changes.
            </p>
          </div>
          <ProductFields product={null} idPrefix="new" />
          <button type="submit" className="btn btn-primary">
            Create product
          </button>
        </Form>
      </details>
      {products.length === 0 ? (
        <p className="mt-8 text-muted">{q ? `No product matches “${q}”.` : "No products yet."}</p>
      ) : (
        <ul className="mt-6 space-y-8">
          {products.map((product) => {
            const available = product.stock.reduce((sum, s) => sum + s.available, 0);
            return (
              <li key={product.id}>
                <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
                  <h2 className="text-lg font-semibold">
                    <Link to={`/admin/products/${product.id}`} className="hover:text-brand-700">
                      {product.name}
                    </Link>
                  </h2>
                  <span className="font-mono text-xs text-muted">{product.id}</span>
                  {product.archived ? (
                    <span className="rounded-full border border-line bg-surface px-2 py-0.5 text-xs font-semibold text-muted">
                      Archived
                    </span>
                  ) : null}
                  <span className="text-sm text-muted">{formatCount(available)} available</span>
                </div>
                <StockTable product={product} reasons={reasons} />
              </li>
            );
          })}
        </ul>
      )}
      <NextPage cursor={nextCursor} label="Next page" />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
