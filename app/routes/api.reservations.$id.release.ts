import type { ActionFunctionArgs } from "@remix-run/node";
import { release } from "~/models/reservation.server";
import { reservationChange } from "~/utils/reservation-change.server";
import { methodNotAllowed } from "~/utils/api.server";

// The shopper gave up: the units go back on sale. Releasing twice is fine.
export const action = (args: ActionFunctionArgs) => reservationChange(args, release);

export const loader = () => methodNotAllowed("POST");
