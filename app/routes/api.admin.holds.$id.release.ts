import { operatorReleaseRequest } from "~/api/admin-contract.server";
import { adminAction } from "~/api/admin.server";
import { toApiReservation } from "~/api/api-contract.server";
import { apiError, apiJson, methodNotAllowed, type ApiArgs } from "~/api/api.server";
import { releaseByOperator } from "~/models/operator-holds.server";

// POST /api/admin/holds/:id/release: the shop gives a stuck hold's units
// back, with a reason; pending holds only.
export const action = (args: ApiArgs) =>
  adminAction(args, operatorReleaseRequest, async ({ reason }, operator) => {
    const { app } = args.context;
    const outcome = await releaseByOperator({
      database: app.database,
      id: args.params.id ?? "",
      reason,
      operator,
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

export const loader = () => methodNotAllowed("POST");
