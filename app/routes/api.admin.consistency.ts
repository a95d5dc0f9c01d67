import { admitOperator } from "~/api/admin.server";
import { apiJson, guarded, methodNotAllowed, type ApiArgs } from "~/api/api.server";
import type { ConsistencyReport } from "~/models/consistency.server";

const asJson = (report: ConsistencyReport | null) =>
  report && { ...report, checkedAt: new Date(report.checkedAt).toISOString() };

// GET: the newest check's result (null before the first); POST: check now.
export function loader({ request, context }: ApiArgs) {
  return guarded(context.app.log, async () => {
    const operator = admitOperator(request, context, { writes: false });
    if (!operator.ok) return operator.response;
    return apiJson({ report: asJson(context.app.consistency.last()) });
  });
}

export function action({ request, context }: ApiArgs) {
  return guarded(context.app.log, async () => {
    if (request.method !== "POST") return methodNotAllowed("GET, POST");
    const operator = admitOperator(request, context);
    if (!operator.ok) return operator.response;
    return apiJson({ report: asJson(await context.app.consistency.run()) });
  });
}
