import type { ActionFunctionArgs } from "@remix-run/node";
import { release } from "~/models/reservation.server";
import { reservationChange } from "~/api/reservation-change.server";
import { methodNotAllowed } from "~/api/api.server";

// The shopper gave up: the units go back on sale. Releasing twice is fine.
export const action = (args: ActionFunctionArgs) => reservationChange(args, release);

export const loader = () => methodNotAllowed("POST");
