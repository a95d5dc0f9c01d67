import type { LoaderFunctionArgs } from "@remix-run/node";
import { toApiReservation } from "~/api/api-contract.server";
import { apiHolder, apiJson, guarded, methodNotAllowed, notFound } from "~/api/api.server";
import { getReservation } from "~/models/reservation.server";

// The holder's reservation, expiry applied; anyone else gets 404.
export function loader({ request, params, context }: LoaderFunctionArgs) {
  const { database, clock, env, log, policy } = context.app;
  return guarded(log, async () => {
    const holder = await apiHolder(request, env.SESSION_SECRET);
    const reservation = await getReservation({ database, id: params.id ?? "", holder, policy, now: clock() });
    return reservation ? apiJson({ reservation: toApiReservation(reservation) }) : notFound("No such reservation");
  });
}

export const action = () => methodNotAllowed("GET");
