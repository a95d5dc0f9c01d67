import { exportEventsQuery } from "~/api/admin-contract.server";
import { admitOperator } from "~/api/admin.server";
import { guarded, methodNotAllowed, parseWith, type ApiArgs } from "~/api/api.server";
import { eventsCsvResponse } from "~/api/events-csv.server";
import { exportEvents } from "~/models/audit.server";

// GET /api/admin/events.csv: the audit trail as a CSV download, streamed a
// page at a time, with the same filters as /api/admin/events.
export function loader({ request, context }: ApiArgs) {
  const { app } = context;
  return guarded(app.log, async () => {
    const operator = admitOperator(request, context, { writes: false });
    if (!operator.ok) return operator.response;
    const query = parseWith(exportEventsQuery, Object.fromEntries(new URL(request.url).searchParams));
    if (!query.ok) return query.response;
    const { type, ...filter } = query.data;
    return eventsCsvResponse({
      pages: exportEvents({ database: app.database, filter: { ...filter, types: type } }),
      now: app.clock(),
      onError: (error) => app.log("events export failed", { level: "error", error: String(error) }),
    });
  });
}

export const action = () => methodNotAllowed("GET");
