import { useFetcher } from "@remix-run/react";
import { useId } from "react";

// What a stock change came to, as the page that made it shows it.
export type StockChangeResult = { intent: "restock"; warehouseId: string; ok: boolean; message: string };

// A row's stock change: add, remove or set a count, with a reason and an
// optional note. It posts to the product's page: with JavaScript in the
// background (the page stays where it is and its data reloads); without,
// as a plain form that lands on the product's page with the outcome.
export function RestockForm({
  productId,
  productName,
  warehouseId,
  warehouseName,
  reasons,
  answered,
  wrap = false,
}: {
  productId: string;
  productName: string;
  warehouseId: string;
  warehouseName: string;
  reasons: readonly string[];
  // the outcome the page itself received, when the form was posted without
  // JavaScript
  answered?: StockChangeResult | null;
  // in a table cell the fields stay on one line (the table scrolls
  // sideways on a phone); on their own they wrap
  wrap?: boolean;
}) {
  const fetcher = useFetcher<StockChangeResult>({ key: `restock:${productId}:${warehouseId}` });
  const id = useId();
  const result = fetcher.data ?? (answered?.warehouseId === warehouseId ? answered : null);
  const busy = fetcher.state !== "idle";
  return (
    <fetcher.Form
      method="post"
      action={`/admin/products/${productId}`}
      preventScrollReset
      className="space-y-1.5"
      aria-label={`Change the stock of ${productName} at ${warehouseName}`}
    >
      <input type="hidden" name="intent" value="restock" />
      <input type="hidden" name="warehouseId" value={warehouseId} />
      <div className={`flex items-end gap-2 ${wrap ? "flex-wrap" : "flex-nowrap"}`}>
        <div>
          <label htmlFor={`${id}-how`} className="sr-only">
            How
          </label>
          <select id={`${id}-how`} name="how" className="field w-auto py-1.5">
            <option value="add">Add</option>
            <option value="remove">Remove</option>
            <option value="set">Set total to</option>
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-units`} className="sr-only">
            Units
          </label>
          <input
            id={`${id}-units`}
            name="units"
            type="number"
            inputMode="numeric"
            min={0}
            max={1_000_000}
            required
            placeholder="Units"
            className="field w-24 py-1.5"
          />
        </div>
        <div>
          <label htmlFor={`${id}-reason`} className="sr-only">
            Reason
          </label>
          <select id={`${id}-reason`} name="reason" className="field w-auto py-1.5">
            {reasons.map((r) => (
              <option key={r} value={r}>
                {r[0]!.toUpperCase() + r.slice(1)}
              </option>
            ))}
          </select>
        </div>
        <div className="min-w-40 flex-1">
          <label htmlFor={`${id}-note`} className="sr-only">
            Note
          </label>
          <input id={`${id}-note`} name="note" maxLength={500} placeholder="Note (optional)" className="field py-1.5" />
        </div>
        <button type="submit" className="btn btn-secondary min-h-9 py-1.5" disabled={busy}>
          {busy ? "Saving…" : "Apply"}
        </button>
      </div>
      {result ? (
        <p role="status" className={`text-sm ${result.ok ? "text-ok-ink" : "text-danger-ink"}`}>
          {result.message}
        </p>
      ) : null}
    </fetcher.Form>
  );
}
