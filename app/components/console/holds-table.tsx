import { Form, useNavigation } from "@remix-run/react";
import { useId } from "react";
import { paymentReference, type ReservationView } from "~/models/reservation";
import { formatClock } from "../countdown";
import { formatCount, formatDateTime } from "../format";

const statusTone = {
  pending: "border-brand-500/30 bg-brand-50 text-brand-700",
  confirmed: "border-ok/30 bg-ok-50 text-ok-ink",
  released: "border-line bg-surface text-muted",
  expired: "border-warn/50 bg-warn-50 text-warn-ink",
} as const;

// Holds, newest first: who holds what, until when, and (where the page can
// release) a release form on each pending one.
export function HoldsTable({
  holds,
  now,
  timeZone,
  releasable = false,
}: {
  holds: ReservationView[];
  now: number;
  timeZone: string;
  releasable?: boolean;
}) {
  if (holds.length === 0) return <p className="mt-3 text-sm text-muted">No holds.</p>;
  return (
    <div className="mt-3 relative overflow-x-auto rounded-card border border-line bg-card">
      <table className="data-table">
        <caption className="sr-only">Holds</caption>
        <thead>
          <tr>
            <th scope="col">Reference</th>
            <th scope="col">Status</th>
            <th scope="col">Items</th>
            <th scope="col">Made</th>
            <th scope="col">Ends</th>
            {releasable ? <th scope="col">Release</th> : null}
          </tr>
        </thead>
        <tbody>
          {holds.map((hold) => (
            <tr key={hold.id}>
              <th scope="row" className="font-mono text-xs font-medium whitespace-nowrap">
                <span title={hold.id}>{paymentReference(hold.id)}</span>
              </th>
              <td>
                <span
                  className={`inline-block rounded-full border px-2 py-0.5 text-xs font-semibold whitespace-nowrap ${statusTone[hold.status]}`}
                >
                  {hold.releasedBy === "shop" ? "released by the shop" : hold.status}
                </span>
              </td>
              <td>
                <ul>
                  {hold.items.map((item) => (
                    <li key={`${item.productId}/${item.warehouseId}`} className="whitespace-nowrap">
                      {formatCount(item.quantity)} × {item.productName}{" "}
                      <span className="text-muted">· {item.warehouseName}</span>
                    </li>
                  ))}
                </ul>
              </td>
              <td className="whitespace-nowrap">{formatDateTime(hold.createdAt, timeZone)}</td>
              <td className="whitespace-nowrap">
                {hold.status === "pending" ? (
                  <>
                    in <span className="font-mono tabular-nums">{formatClock(hold.expiresAt - now)}</span>
                  </>
                ) : (
                  <span className="text-muted">{formatDateTime(hold.updatedAt, timeZone)}</span>
                )}
              </td>
              {releasable ? (
                <td className="min-w-64">{hold.status === "pending" ? <ReleaseForm id={hold.id} /> : null}</td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ReleaseForm({ id }: { id: string }) {
  const navigation = useNavigation();
  const busy = navigation.formData?.get("id") === id;
  const field = useId();
  return (
    <Form method="post" preventScrollReset className="flex gap-2">
      <input type="hidden" name="intent" value="release" />
      <input type="hidden" name="id" value={id} />
      <label htmlFor={field} className="sr-only">
        Why release hold {paymentReference(id)}
      </label>
      <input
        id={field}
        name="reason"
        required
        maxLength={200}
        placeholder="Reason"
        className="field min-w-0 flex-1 py-1.5"
      />
      <button type="submit" className="btn btn-secondary min-h-9 py-1.5" disabled={busy}>
        {busy ? "Releasing…" : "Release"}
      </button>
    </Form>
  );
}
