import { listEventsQuery, toApiEvent } from "~/api/admin-contract.server";
import { admitOperator } from "~/api/admin.server";
import { apiJson, guarded, methodNotAllowed, parseWith, type ApiArgs } from "~/api/api.server";
import { listEvents } from "~/models/audit.server";

// GET /api/admin/events: the audit trail, newest first, filtered, a page at
// a time.
export function loader({ request, context }: ApiArgs) {
  const { app } = context;
  return guarded(app.log, async () => {
    const operator = admitOperator(request, context, { writes: false });
    if (!operator.ok) return operator.response;
    const query = parseWith(listEventsQuery, Object.fromEntries(new URL(request.url).searchParams));
    if (!query.ok) return query.response;
    const { cursor, limit, type, ...filter } = query.data;
    const page = await listEvents({
      database: app.database,
      filter: { ...filter, types: type },
      cursor: cursor ?? null,
      limit,
    });
    return apiJson({
      events: page.events.map(toApiEvent),
      nextCursor: page.nextCursor === null ? null : String(page.nextCursor),
    });
  });
}

export const action = () => methodNotAllowed("GET");
