import { Link } from "@remix-run/react";
import { formatDateTime } from "../format";
import { describeEvent, operatorOf, type AuditEntry } from "./event-text";

// Audit entries, newest first: when, what, which row or hold, and who.
export function AuditTable({ events, timeZone }: { events: AuditEntry[]; timeZone: string }) {
  if (events.length === 0) return <p className="mt-6 text-muted">Nothing matches.</p>;
  return (
    <div className="mt-3 relative overflow-x-auto rounded-card border border-line bg-card">
      <table className="data-table">
        <caption className="sr-only">Audit trail</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">What</th>
            <th scope="col">Row or hold</th>
            <th scope="col">By</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id}>
              <th scope="row" className="font-normal whitespace-nowrap tabular-nums">
                {formatDateTime(e.createdAt, timeZone)}
                <span className="block font-mono text-xs text-muted">#{e.id}</span>
              </th>
              <td className="min-w-64">
                <span className="block font-mono text-xs text-muted">{e.type}</span>
                {describeEvent(e)}
              </td>
              <td className="font-mono text-xs whitespace-nowrap">
                {e.productId ? (
                  <Link to={`/admin/products/${e.productId}`} className="underline underline-offset-2">
                    {e.productId}
                  </Link>
                ) : null}
                {e.warehouseId ? <span className="text-muted"> @ {e.warehouseId}</span> : null}
                {e.reservationId ? <span className="block text-muted">{e.reservationId}</span> : null}
              </td>
              <td className="whitespace-nowrap">{operatorOf(e) ?? <span className="text-muted">shop</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
