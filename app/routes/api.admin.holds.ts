import { listHoldsQuery } from "~/api/admin-contract.server";
import { admitOperator } from "~/api/admin.server";
import { toApiReservation } from "~/api/api-contract.server";
import { apiJson, guarded, methodNotAllowed, parseWith, type ApiArgs } from "~/api/api.server";
import { listHolds } from "~/models/operator-holds.server";

// GET /api/admin/holds: every shopper's holds, filtered, newest first.
export function loader({ request, context }: ApiArgs) {
  const { app } = context;
  return guarded(app.log, async () => {
    const operator = admitOperator(request, context, { writes: false });
    if (!operator.ok) return operator.response;
    const query = parseWith(listHoldsQuery, Object.fromEntries(new URL(request.url).searchParams));
    if (!query.ok) return query.response;
    const { cursor, limit, ...filter } = query.data;
    const page = await listHolds({
      database: app.database,
      filter,
      cursor: cursor ?? null,
      limit,
      policy: app.policy,
      now: app.clock(),
    });
    return apiJson({ holds: page.holds.map(toApiReservation), nextCursor: page.nextCursor });
  });
}

export const action = () => methodNotAllowed("GET");
