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
              Reserved
            </th>
            <th scope="col" className="num">
              Sold
            </th>
            <th scope="col" className="num">
              Available
            </th>
            <th scope="col">Change</th>
          </tr>
        </thead>
        <tbody>
          {product.stock.map((row) => (
            <tr key={row.warehouseId}>
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
              <td>
                <RestockForm
                  productId={product.id}
                  productName={product.name}
                  warehouseId={row.warehouseId}
                  warehouseName={row.warehouseName}
                  reasons={reasons}
                  answered={answered}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
