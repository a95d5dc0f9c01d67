import type { ActionFunctionArgs } from "@remix-run/node";
import { operatorReleaseRequest } from "~/api/admin-contract.server";
import { admitOperator } from "~/api/admin.server";
import { toApiReservation } from "~/api/api-contract.server";
import { apiError, apiJson, guarded, methodNotAllowed, parseWith, readJsonBody } from "~/api/api.server";
import { releaseByOperator } from "~/models/operator-holds.server";

// POST /api/admin/holds/:id/release: the shop gives a stuck hold's units
// back, with a reason; pending holds only.
export function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  return guarded(app.log, async () => {
    if (request.method !== "POST") return methodNotAllowed("POST");
    const operator = admitOperator(request, context);
    if (!operator.ok) return operator.response;
    const body = await readJsonBody(request);
    if (!body.ok) return body.response;
    const input = parseWith(operatorReleaseRequest, body.json);
    if (!input.ok) return input.response;
    const outcome = await releaseByOperator({
      database: app.database,
      id: params.id ?? "",
      reason: input.data.reason,
      operator: operator.name,
      policy: app.policy,
      now: app.clock(),
    });
    if (outcome.ok) return apiJson({ reservation: toApiReservation(outcome.reservation) });
    if (outcome.code === "not_found") return apiError(404, "not_found", "No such reservation");
    const details = { reservation: toApiReservation(outcome.reservation) };
    return outcome.code === "reservation_expired"
      ? apiError(410, "reservation_expired", "This hold has already run out; its units are back on sale", { details })
      : apiError(409, "invalid_state", `This hold is already ${outcome.reservation.status}`, { details });
  });
}

export const loader = () => methodNotAllowed("POST");
