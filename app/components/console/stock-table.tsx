import { Fragment } from "react";
import type { OperatorProduct } from "~/models/inventory";
import { formatCount } from "../format";
import { RestockForm, type StockChangeResult } from "./restock-form";

// A product's rows, one per warehouse: the four counts and a change form.
export function StockTable({
  product,
  reasons,
  answered,
}: {
  product: Pick<OperatorProduct, "id" | "name" | "stock">;
  reasons: readonly string[];
  answered?: StockChangeResult | null;
}) {
  if (product.stock.length === 0) {
    return <p className="mt-3 text-sm text-muted">No warehouse stocks it yet.</p>;
  }
  return (
    <div className="mt-3 relative overflow-x-auto rounded-card border border-line bg-card">
      <table className="data-table">
        <caption className="sr-only">Stock of {product.name} by warehouse</caption>
        <thead>
          <tr>
            <th scope="col">Warehouse</th>
            <th scope="col" className="num">
              Total
            </th>
            <th scope="col" className="num">
              <span className="hidden sm:inline">Reserved</span>
              <span className="sm:hidden" aria-hidden="true">
                Held
              </span>
              <span className="sr-only sm:hidden">Reserved</span>
            </th>
            <th scope="col" className="num">
              Sold
            </th>
            <th scope="col" className="num">
              <span className="hidden sm:inline">Available</span>
              <span className="sm:hidden" aria-hidden="true">
                Free
              </span>
              <span className="sr-only sm:hidden">Available</span>
            </th>
            <th scope="col" className="hidden sm:table-cell">
              Change
            </th>
          </tr>
        </thead>
        <tbody>
          {product.stock.map((row) => {
            const change = (
              <RestockForm
                productId={product.id}
                productName={product.name}
                warehouseId={row.warehouseId}
                warehouseName={row.warehouseName}
                reasons={reasons}
                answered={answered}
                wrap
              />
            );
            // beside the counts on a wide screen; under them on a phone,
            // where a row of fields would push the table sideways
            return (
              <Fragment key={row.warehouseId}>
                <tr>
                  <th scope="row" className="font-medium whitespace-nowrap">
                    {row.warehouseName}
                  </th>
                  <td className="num">{formatCount(row.total)}</td>
                  <td className="num">{formatCount(row.reserved)}</td>
                  <td className="num">{formatCount(row.sold)}</td>
                  <td className="num">
                    <span className={row.low ? "font-semibold text-danger-ink" : undefined}>
                      {formatCount(row.available)}
                    </span>
                    {row.low ? <span className="block text-xs text-danger-ink">Low</span> : null}
                  </td>
                  <td className="hidden min-w-[38rem] sm:table-cell">{change}</td>
                </tr>
                <tr className="sm:hidden">
                  <td colSpan={5} className="bg-surface">
                    {change}
                  </td>
                </tr>
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
