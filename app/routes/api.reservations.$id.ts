import { apiCaller } from "~/api/api-caller.server";
import { toApiReservation } from "~/api/api-contract.server";
import { apiJson, guarded, methodNotAllowed, notFound, type ApiArgs } from "~/api/api.server";
import { getReservation } from "~/models/reservation.server";

// The holder's reservation, expiry applied; anyone else gets 404.
export function loader({ request, params, context }: ApiArgs) {
  const { database, clock, log, policy } = context.app;
  return guarded(log, async () => {
    const from = await apiCaller(request, context);
    if (!from.ok) return from.response;
    const { holder } = from.caller;
    const reservation = await getReservation({ database, id: params.id ?? "", holder, policy, now: clock() });
    return reservation ? apiJson({ reservation: toApiReservation(reservation) }) : notFound("No such reservation");
  });
}

export const action = () => methodNotAllowed("GET");
