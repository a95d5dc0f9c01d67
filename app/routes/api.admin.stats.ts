import { statsQuery, toApiStats } from "~/api/admin-contract.server";
import { admitOperator } from "~/api/admin.server";
import { apiJson, guarded, methodNotAllowed, parseWith, type ApiArgs } from "~/api/api.server";
import { readHoldStats } from "~/models/stats.server";

// GET /api/admin/stats?window=1h|24h: what happened to holds in the window,
// a series of it, and what is held and low on stock now (stats.server.ts
// defines each number).
export function loader({ request, context }: ApiArgs) {
  const { app } = context;
  return guarded(app.log, async () => {
    const operator = admitOperator(request, context, { writes: false });
    if (!operator.ok) return operator.response;
    const query = parseWith(statsQuery, Object.fromEntries(new URL(request.url).searchParams));
    if (!query.ok) return query.response;
    const stats = await readHoldStats({
      database: app.database,
      window: query.data.window,
      policy: app.policy,
      now: app.clock(),
    });
    return apiJson(toApiStats(stats));
  });
}

export const action = () => methodNotAllowed("GET");
