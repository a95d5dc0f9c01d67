import type { LoaderFunctionArgs } from "@remix-run/node";
import { auditFilterForm } from "~/api/console-forms.server";
import { eventsCsvResponse } from "~/api/events-csv.server";
import { requireOperator } from "~/http/operator-session.server";
import { exportEvents } from "~/models/audit.server";

// The console's CSV download: the audit page's filter, streamed a page at a
// time like GET /api/admin/events.csv, for the signed-in operator.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { timeZone } = await requireOperator(request, context);
  const { app } = context;
  const { filter } = auditFilterForm(new URL(request.url).searchParams, timeZone);
  return eventsCsvResponse({
    pages: exportEvents({ database: app.database, filter }),
    now: app.clock(),
    onError: (error) => app.log("events export failed", { level: "error", error: String(error) }),
  });
}
