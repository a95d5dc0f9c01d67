import type { ActionFunctionArgs } from "@remix-run/node";
import { repairRequest } from "~/api/admin-contract.server";
import { admitOperator } from "~/api/admin.server";
import { apiError, apiJson, guarded, methodNotAllowed, parseWith, readJsonBody } from "~/api/api.server";
import { repairRow } from "~/models/consistency.server";

// POST /api/admin/consistency/repair: rebuild one row's reserved and sold
// from its holds, by hand, with an audit entry.
export function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  return guarded(app.log, async () => {
    if (request.method !== "POST") return methodNotAllowed("POST");
    const operator = admitOperator(request, context);
    if (!operator.ok) return operator.response;
    const body = await readJsonBody(request);
    if (!body.ok) return body.response;
    const input = parseWith(repairRequest, body.json);
    if (!input.ok) return input.response;
    const outcome = await repairRow({
      database: app.database,
      ...input.data,
      operator: operator.name,
      now: app.clock(),
    });
    if (outcome.ok) return apiJson({ repaired: { ...input.data, before: outcome.before, after: outcome.after } });
    if (outcome.code === "not_found") return apiError(404, "not_found", "No stock row for that product and warehouse");
    return apiError(
      409,
      "stock_below_committed",
      `The holds account for ${outcome.reserved} held and ${outcome.sold} sold, more than the total of ${outcome.total}: restock first`,
      { details: { total: outcome.total, reserved: outcome.reserved, sold: outcome.sold } },
    );
  });
}

export const loader = () => methodNotAllowed("POST");
